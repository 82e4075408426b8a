import type { FastifyInstance } from 'fastify';
import { matchLocale } from '../config';
import type { Database } from '../db/database';
import type { FederationService } from '../federation/federation.service';

/**
 * `GET /oauth/callback/<provider>`: where a provider sends the browser back. The answer is a
 * 303 to the app's redirect URL with `?ticket=` or `?error=`; without a flow to return to (an
 * unknown provider, a forged or replayed state) a small JSON error, never a redirect elsewhere.
 */
export function registerOAuthCallbackRoute(server: FastifyInstance, database: Database, federation: FederationService): void {
  server.get<{ Params: { provider: string } }>('/oauth/callback/:provider', async (request, reply) => {
    const at = request.url.indexOf('?');
    const rawQuery = at < 0 ? '' : request.url.slice(at + 1);
    const userAgent = request.headers['user-agent'];
    const client = { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null };
    const language = request.headers['accept-language'];
    const answer = await federation.callback(
      () => database.fork(),
      request.params.provider,
      rawQuery,
      client,
      matchLocale(typeof language === 'string' ? language : undefined),
    );
    // The URL held an authorization code: no cache keeps it, no Referer carries it on.
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if ('redirect' in answer) return reply.redirect(answer.redirect, 303);
    return reply.code(answer.status).send({ error: answer.error });
  });
}
