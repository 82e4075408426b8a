import 'reflect-metadata';
import { Code } from '../codes/code.entity';
import { MailOutbox } from '../mail/outbox.entity';
import { RefreshToken } from '../sessions/refresh-token.entity';
import { Session } from '../sessions/session.entity';
import { SecurityEvent } from '../security/security-event.entity';
import { User } from '../users/user.entity';

/** Every entity the ORM knows; a feature adds its own here. */
export const entities = [User, Session, RefreshToken, Code, MailOutbox, SecurityEvent];
