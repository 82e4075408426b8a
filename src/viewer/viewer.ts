import type { Locale } from '../config';

/**
 * Who is asking, as every floor sees it: plain data, loaded once per request by the edges
 * (GraphQL over HTTP, later websockets) and handed down to the services.
 */

/** Where a request came from, recorded on sessions and security events. */
export interface ClientInfo {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** The account behind a live access token, as a read model (nothing writes through it). */
export interface ViewerUser {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly hasPassword: boolean;
  readonly locale: Locale;
  /** Granted roles, as the database holds them at this request (not as a token claimed). */
  readonly roles: readonly string[];
  readonly disabled: boolean;
  readonly createdAt: Date;
}

/** How a session was authenticated, as RFC 8176 names it (the access token's `amr`). */
export type AuthMethod = 'pwd' | 'otp' | 'mfa' | 'email' | 'hwk' | 'fed';

/** The person behind a live access token, and which session the token belongs to. */
export interface Viewer {
  readonly user: ViewerUser;
  readonly sessionId: string;
  /** When the person last proved who they are in this session (the token's `auth_time`, seconds). */
  readonly authTime: number;
  readonly amr: readonly AuthMethod[];
}

/** A client with nothing known about it (scripts, background work). */
export const UNKNOWN_CLIENT: ClientInfo = Object.freeze({ ip: null, userAgent: null });
