import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { matchLocale } from '../config';
import type { Database } from '../db/database';
import { OAUTH_STATE_TTL } from '../federation/flow.store';
import type { FederationService } from '../federation/federation.service';

/**
 * The two legs of a federated sign-in in the browser. `GET /oauth/start/<provider>?state=…`
 * (the `authorizationUrl` of startOAuth) binds the flow to this browser with an HttpOnly cookie
 * and redirects to the provider. `GET /oauth/callback/<provider>` is where the provider sends
 * the browser back: a 303 to the app's redirect URL with `?ticket=` or `?error=`; without a flow
 * to return to (an unknown provider, a forged or replayed state) a small JSON error, never a
 * redirect elsewhere.
 */
export function registerOAuthRoutes(server: FastifyInstance, database: Database, federation: FederationService, callbackBase: string | null): void {
  // The flow cookie goes only to these routes, and over https when the server is reached by https.
  const base = callbackBase ? new URL(callbackBase) : null;
  const cookiePath = `${base?.pathname.replace(/\/+$/, '') ?? ''}/oauth/`;
  const secure = base?.protocol === 'https:';
  const setFlowCookie = (reply: FastifyReply, name: string, value: string, maxAge: number) =>
    reply.header(
      'set-cookie',
      [`${name}=${value}`, `Path=${cookiePath}`, `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : [])].join('; '),
    );

  server.get<{ Params: { provider: string } }>('/oauth/start/:provider', async (request, reply) => {
    const answer = await federation.begin(database.fork(), request.params.provider, queryOf(request));
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (!('redirect' in answer)) return reply.code(answer.status).send({ error: answer.error });
    // Lax: the cookie comes back on the provider's top-level redirect to the callback.
    if (answer.cookie.value) setFlowCookie(reply, answer.cookie.name, answer.cookie.value, OAUTH_STATE_TTL);
    return reply.redirect(answer.redirect, 303);
  });

  server.get<{ Params: { provider: string } }>('/oauth/callback/:provider', async (request, reply) => {
    const userAgent = request.headers['user-agent'];
    const client = { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null };
    const language = request.headers['accept-language'];
    const cookies = parseCookies(request.headers.cookie);
    let used: string | null = null;
    const answer = await federation.callback(
      () => database.fork(),
      request.params.provider,
      queryOf(request),
      (name) => {
        used = name;
        return cookies.get(name) ?? null;
      },
      client,
      matchLocale(typeof language === 'string' ? language : undefined),
    );
    // The URL held an authorization code: no cache keeps it, no Referer carries it on.
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (used) setFlowCookie(reply, used, '', 0);
    if ('redirect' in answer) return reply.redirect(answer.redirect, 303);
    return reply.code(answer.status).send({ error: answer.error });
  });
}

function queryOf(request: FastifyRequest): string {
  const at = request.url.indexOf('?');
  return at < 0 ? '' : request.url.slice(at + 1);
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return cookies;
}
