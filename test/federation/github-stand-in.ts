import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A GitHub user as the stand-in serves it: GET /user's `id`, and GET /user/emails. */
export interface GithubUser {
  id: number;
  login: string;
  emails: { email: string; primary: boolean; verified: boolean; visibility: 'public' | 'private' | null }[];
}

/**
 * A loopback stand-in for GitHub's OAuth app endpoints and the two REST calls sign-in makes,
 * answering with the JSON GitHub documents (docs.github.com: "Authorizing OAuth apps", "Get the
 * authenticated user", "List email addresses for the authenticated user"). Real GitHub cannot be
 * reached from a test; the server is pointed here by AppOptions.github, never by configuration.
 * It checks what GitHub checks: the client, the redirect URI, the code (once), and PKCE S256.
 */
export interface GithubStandIn {
  origin: string;
  endpoints: { authorizationEndpoint: string; tokenEndpoint: string; apiBase: string };
  /** Who is signed in at "GitHub" when the next authorization request arrives; null: the person declines. */
  signedIn: GithubUser | null;
  close(): Promise<void>;
}

export async function startGithubStandIn(client: { id: string; secret: string }): Promise<GithubStandIn> {
  const codes = new Map<string, { user: GithubUser; redirectUri: string; challenge: string }>();
  const tokens = new Map<string, GithubUser>();
  const standIn = { signedIn: null as GithubUser | null } as GithubStandIn;

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end());
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', standIn.origin);
    const json = (status: number, body: unknown): void =>
      void response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    if (request.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const redirect = new URL(url.searchParams.get('redirect_uri')!);
      redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
      if (url.searchParams.get('client_id') !== client.id || url.searchParams.get('code_challenge_method') !== 'S256') {
        response.writeHead(400).end('bad authorization request');
        return;
      }
      if (!standIn.signedIn) {
        redirect.searchParams.set('error', 'access_denied');
        redirect.searchParams.set('error_description', 'The user has denied your application access.');
      } else {
        const code = randomBytes(10).toString('hex');
        codes.set(code, { user: standIn.signedIn, redirectUri: url.searchParams.get('redirect_uri')!, challenge: url.searchParams.get('code_challenge')! });
        redirect.searchParams.set('code', code);
      }
      response.writeHead(302, { location: redirect.toString() }).end();
      return;
    }
    if (request.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let body = '';
      for await (const chunk of request) body += String(chunk);
      const form = new URLSearchParams(body);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const pkce = grant && createHash('sha256').update(verifier).digest('base64url') === grant.challenge;
      // GitHub answers a bad code with 200 and an error object.
      if (form.get('client_id') !== client.id || form.get('client_secret') !== client.secret) return json(200, { error: 'incorrect_client_credentials' });
      if (!grant || !pkce || form.get('redirect_uri') !== grant.redirectUri) return json(200, { error: 'bad_verification_code' });
      const token = `gho_${randomBytes(16).toString('hex')}`;
      tokens.set(token, grant.user);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'user:email' });
    }
    const user = tokens.get((request.headers.authorization ?? '').replace(/^Bearer /i, ''));
    if (request.method === 'GET' && url.pathname === '/user') {
      if (!user) return json(401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest' });
      return json(200, { login: user.login, id: user.id, type: 'User', name: null, email: null });
    }
    if (request.method === 'GET' && url.pathname === '/user/emails') {
      if (!user) return json(401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest' });
      return json(200, user.emails);
    }
    json(404, { message: 'Not Found' });
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  standIn.origin = `http://127.0.0.1:${port}`;
  standIn.endpoints = {
    authorizationEndpoint: `${standIn.origin}/login/oauth/authorize`,
    tokenEndpoint: `${standIn.origin}/login/oauth/access_token`,
    apiBase: standIn.origin,
  };
  standIn.close = () => new Promise((done) => server.close(() => done()));
  return standIn;
}
