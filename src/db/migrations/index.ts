import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124141408_initial } from './Migration20261124141408_initial';
import { Migration20261124141734_outbox } from './Migration20261124141734_outbox';
import { Migration20261124143646_security_events } from './Migration20261124143646_security_events';
import { Migration20261130120000_pending_registrations_and_mail_expiry } from './Migration20261130120000_pending_registrations_and_mail_expiry';
import { Migration20261130140000_refresh_counters } from './Migration20261130140000_refresh_counters';
import { Migration20261204100000_mfa } from './Migration20261204100000_mfa';
import { Migration20261205100000_roles_and_account } from './Migration20261205100000_roles_and_account';
import { Migration20261206100000_sign_in_methods } from './Migration20261206100000_sign_in_methods';
import { Migration20261206110000_passkeys } from './Migration20261206110000_passkeys';
import { Migration20261206120000_federation } from './Migration20261206120000_federation';

/** Applied in this order; `npm run migration:create` writes a new file, then list it here. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261124141408_initial', class: Migration20261124141408_initial },
  { name: 'Migration20261124141734_outbox', class: Migration20261124141734_outbox },
  { name: 'Migration20261124143646_security_events', class: Migration20261124143646_security_events },
  { name: 'Migration20261130120000_pending_registrations_and_mail_expiry', class: Migration20261130120000_pending_registrations_and_mail_expiry },
  { name: 'Migration20261130140000_refresh_counters', class: Migration20261130140000_refresh_counters },
  { name: 'Migration20261204100000_mfa', class: Migration20261204100000_mfa },
  { name: 'Migration20261205100000_roles_and_account', class: Migration20261205100000_roles_and_account },
  { name: 'Migration20261206100000_sign_in_methods', class: Migration20261206100000_sign_in_methods },
  { name: 'Migration20261206110000_passkeys', class: Migration20261206110000_passkeys },
  { name: 'Migration20261206120000_federation', class: Migration20261206120000_federation },
];
