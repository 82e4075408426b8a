import { codeEntities } from './codes/code.entity';
import { mailEntities } from './mail/outbox.entity';
import { mfaEntities } from './mfa/mfa.entities';
import { passkeyEntities } from './passkeys/passkey.entities';
import { securityEntities } from './security/security-event.entity';
import { sessionEntities } from './sessions/entities';
import { userEntities } from './users/user.entity';

/** Every entity the ORM knows: each folder exports its own, and this list gathers them. */
export const entities = [...userEntities, ...sessionEntities, ...codeEntities, ...securityEntities, ...mailEntities, ...mfaEntities, ...passkeyEntities];
