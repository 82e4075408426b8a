import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RefreshCookieConfig } from '../config';
import type { IssuedToken } from '../auth/token-issuer';
import { OriginNotAllowedError } from '../errors';
import type { OriginPolicy } from '../http/origins';

/** The header with which a browser app asks for its refresh token in an HttpOnly cookie. */
export const TOKEN_DELIVERY_HEADER = 'x-token-delivery';

/** What a token-issuing mutation answers: in cookie mode the refresh token is not in the body. */
export type DeliveredToken = Omit<IssuedToken, 'refreshToken'> & { refreshToken: string | null };

/**
 * How one request gets its refresh token and hands the next one back. Bearer mode (mobile and
 * server clients): in the arguments and in the body. Cookie mode (`x-token-delivery: cookie`,
 * or a refresh/logout that omits its argument): in an HttpOnly cookie that script cannot read,
 * and `Token.refreshToken` is null. A request that uses the cookie must come from an allowed
 * Origin, so no other site can spend or set it.
 */
export class TokenDelivery {
  private cookieMode: boolean;

  constructor(
    private readonly cookie: RefreshCookieConfig,
    private readonly refreshTtl: number,
    private readonly origins: OriginPolicy,
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
  ) {
    const asked = request.headers[TOKEN_DELIVERY_HEADER];
    this.cookieMode = typeof asked === 'string' && asked.trim().toLowerCase() === 'cookie';
  }

  /** The refresh token a refresh or logout acts on: its argument, else the cookie (null without one). */
  refreshToken(argument: string | null | undefined): string | null {
    if (argument != null) return argument;
    this.cookieMode = true;
    this.assertOrigin();
    return this.readCookie();
  }

  /** Runs a token-issuing call and hands its refresh token over the way this request asked. */
  async deliver(issue: () => Promise<IssuedToken>): Promise<DeliveredToken> {
    // Checked before anything is issued: a refused request starts no session.
    if (this.cookieMode) this.assertOrigin();
    const token = await issue();
    if (!this.cookieMode) return token;
    this.setCookie(token.refreshToken, this.refreshTtl);
    return { ...token, refreshToken: null };
  }

  /** After a logout: the browser drops the cookie (only in cookie mode; a bearer logout leaves it be). */
  clear(): void {
    if (this.cookieMode) this.setCookie('', 0);
  }

  private assertOrigin(): void {
    if (!this.origins.allows(this.request)) throw new OriginNotAllowedError();
  }

  private readCookie(): string | null {
    const header = this.request.headers.cookie;
    if (!header) return null;
    for (const pair of header.split(';')) {
      const at = pair.indexOf('=');
      if (at > 0 && pair.slice(0, at).trim() === this.cookie.name) return pair.slice(at + 1).trim();
    }
    return null;
  }

  private setCookie(value: string, maxAge: number): void {
    const { name, sameSite, secure } = this.cookie;
    const attributes = [`${name}=${value}`, 'Path=/', `Max-Age=${maxAge}`, 'HttpOnly', `SameSite=${sameSite[0].toUpperCase()}${sameSite.slice(1)}`];
    if (secure) attributes.push('Secure');
    void this.reply.header('set-cookie', attributes.join('; '));
  }
}
