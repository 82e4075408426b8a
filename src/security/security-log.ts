import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientInfo } from '../sessions/session.service';
import type { User } from '../users/user.entity';
import { SecurityEvent, SecurityEventType } from './security-event.entity';

export { SecurityEventType };

/** Adds an event to the caller's unit of work, so it commits (or not) with the action. */
export function recordEvent(em: EntityManager, user: User, type: SecurityEventType, client: ClientInfo, sessionId?: string | null): void {
  em.persist(
    em.create(SecurityEvent, {
      user,
      type,
      ip: client.ip?.slice(0, 64) ?? null,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      sessionId: sessionId ?? null,
    } as SecurityEvent),
  );
}
