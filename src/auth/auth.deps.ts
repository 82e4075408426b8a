import type { Config } from '../config';
import type { CodeService } from '../codes/code.service';
import type { Outbox } from '../mail/outbox';
import type { SessionService } from '../sessions/session.service';
import type { PasswordHasher } from './passwords';
import type { AccessTokens } from './tokens';

/** What the account flows (registration, passwords) are built from; wired once in createApp. */
export interface AuthDeps {
  config: Config;
  codes: CodeService;
  hasher: PasswordHasher;
  outbox: Outbox;
  sessions: SessionService;
  tokens: AccessTokens;
}
