import type { FastifyRequest } from 'fastify';
import type { HttpConfig } from '../config';

/**
 * Which browser origins may act with this server's credentials (the refresh cookie): the
 * server's own (that of PUBLIC_URL, else of the request's Host) and those in CORS_ORIGINS.
 */
export class OriginPolicy {
  private readonly listed: ReadonlySet<string>;

  constructor(private readonly settings: Pick<HttpConfig, 'publicOrigin' | 'corsOrigins'>) {
    this.listed = new Set(settings.corsOrigins);
  }

  /** True when `origin` may make credentialed cross-origin calls (the CORS grant). */
  isListed(origin: string | undefined): boolean {
    return origin !== undefined && this.listed.has(origin);
  }

  /** True when the request carries an `Origin` that is the server's own or listed; false without one. */
  allows(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (typeof origin !== 'string') return false;
    return this.isListed(origin) || origin === this.ownOrigin(request);
  }

  private ownOrigin(request: FastifyRequest): string {
    // request.host honours X-Forwarded-Host only when TRUST_PROXY trusts the peer.
    return this.settings.publicOrigin ?? `${request.protocol}://${request.host}`;
  }
}
