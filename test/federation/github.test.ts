import { randomInt } from 'node:crypto';
import { bearer, uniqueEmail } from '../support/flows';
import { errorCode, startTestServer, type TestServer } from '../support/server';
import { query } from '../mfa/support';
import { startGithubStandIn, type GithubStandIn, type GithubUser } from './github-stand-in';
import { refreshCookieIn } from '../browser/support';
import { freePort } from '../support/ports';

// Sign-in with GitHub (OAuth 2, then its user and emails APIs). GitHub itself cannot be reached
// from a test, so its endpoints are a loopback stand-in serving GitHub's documented JSON
// (github-stand-in.ts), given to the server through AppOptions.github: a field only code can
// set, not a variable a deployment could set by mistake. GitHub has no login page of its own
// here (it answers at once, as it does for an app the person already authorized), so the
// browser leg is plain HTTP redirects, followed by hand.

const CLIENT = { id: 'Iv1.girok-test', secret: 'girok-github-test-secret' };
const APP = 'http://127.0.0.1:9/app';
const START = `mutation Start($redirectUrl: String!) { startOAuth(provider: "github", redirectUrl: $redirectUrl) { authorizationUrl } }`;
const COMPLETE = `mutation Complete($ticket: String!) { completeOAuth(ticket: $ticket) { accessToken user { id email emailVerified hasPassword } } }`;
const IDENTITIES = `{ me { identities { provider subject email } } }`;

let github: GithubStandIn;
let server: TestServer;

beforeAll(async () => {
  github = await startGithubStandIn(CLIENT);
  const port = await freePort();
  server = await startTestServer(
    {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      OAUTH_REDIRECT_URLS: APP,
      GITHUB_CLIENT_ID: CLIENT.id,
      GITHUB_CLIENT_SECRET: CLIENT.secret,
      MAINTENANCE_INTERVAL: '1',
      UNVERIFIED_ACCOUNT_RETENTION: '1',
      REAUTH_WINDOW: '3',
    },
    undefined,
    { github: github.endpoints },
  );
});
afterAll(async () => {
  await server?.close();
  await github?.close();
});

function githubUser(emails: GithubUser['emails']): GithubUser {
  return { id: randomInt(1, 2 ** 31), login: `octo${randomInt(1e6)}`, emails };
}

/**
 * Starts a flow and follows its redirects as a browser would (our start route, which sets the
 * flow's cookie; GitHub; our callback, with that cookie) to the app URL it ends on.
 */
async function flow(as: GithubUser | null): Promise<URL> {
  github.signedIn = as;
  const started = await server.gql<{ startOAuth: { authorizationUrl: string } }>(START, { redirectUrl: APP });
  const atStart = await fetch(started.data!.startOAuth.authorizationUrl, { redirect: 'manual' });
  const cookie = atStart.headers.get('set-cookie')!.split(';')[0];
  const authorizationUrl = new URL(atStart.headers.get('location')!);
  expect(authorizationUrl.origin).toBe(github.origin);
  expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
  const atGithub = await fetch(authorizationUrl, { redirect: 'manual' });
  const callback = atGithub.headers.get('location')!;
  expect(callback.startsWith(`${server.url.replace(/\/graphql$/, '')}/oauth/callback/github?`)).toBe(true);
  const back = await fetch(callback, { redirect: 'manual', headers: { cookie } });
  expect(back.status).toBe(303);
  return new URL(back.headers.get('location')!);
}

describe('sign-in with GitHub', () => {
  it('lists GitHub among the providers', async () => {
    const response = await server.gql(`{ authProviders { id name } }`);
    expect(response.data).toEqual({ authProviders: [{ id: 'github', name: 'GitHub' }] });
  });

  it('creates an account from the primary verified address, and signs the same GitHub user in to it again', async () => {
    const email = uniqueEmail('octo');
    const user = githubUser([
      { email: uniqueEmail('secondary'), primary: false, verified: true, visibility: null },
      { email, primary: true, verified: true, visibility: 'private' },
    ]);
    const landed = await flow(user);
    const first = await server.gql<{ completeOAuth: { accessToken: string; user: { id: string } } }>(COMPLETE, { ticket: landed.searchParams.get('ticket') });
    expect(first.data!.completeOAuth.user).toMatchObject({ email, emailVerified: true, hasPassword: false });
    const identities = await server.gql(IDENTITIES, {}, bearer(first.data!.completeOAuth.accessToken));
    expect(identities.data).toEqual({ me: { identities: [{ provider: 'github', subject: String(user.id), email }] } });

    const again = await flow(user);
    const second = await server.gql<{ completeOAuth: { user: { id: string } } }>(COMPLETE, { ticket: again.searchParams.get('ticket') });
    expect(second.data!.completeOAuth.user.id).toBe(first.data!.completeOAuth.user.id);
  });

  it('takes no address that is not both primary and verified (error=EMAIL_REQUIRED), and writes nothing', async () => {
    const unverifiedPrimary = uniqueEmail('unverified-primary');
    const user = githubUser([
      { email: unverifiedPrimary, primary: true, verified: false, visibility: 'public' },
      { email: uniqueEmail('verified-secondary'), primary: false, verified: true, visibility: null },
    ]);
    const landed = await flow(user);
    expect(landed.origin + landed.pathname).toBe(APP);
    expect(landed.searchParams.get('error')).toBe('EMAIL_REQUIRED');
    expect(await query(server, 'select 1 from federated_identities where provider = ? and subject = ?', ['github', String(user.id)])).toEqual([]);
    expect(await query(server, 'select 1 from users where email = ?', [unverifiedPrimary])).toEqual([]);
  });

  it('returns error=ACCESS_DENIED when the person declines on GitHub', async () => {
    const landed = await flow(null);
    expect(landed.searchParams.get('error')).toBe('ACCESS_DENIED');
    expect(landed.searchParams.get('ticket')).toBeNull();
  });

  it('answers a ticket that is unknown with UNAUTHENTICATED', async () => {
    expect(errorCode(await server.gql(COMPLETE, { ticket: 'A'.repeat(43) }))).toBe('UNAUTHENTICATED');
  });

  it('purges spent flows and tickets, keeps a flow still at the provider, and keeps an unverified account a provider made', async () => {
    const user = githubUser([{ email: uniqueEmail('purge'), primary: true, verified: true, visibility: null }]);
    const landed = await flow(user);
    expect((await server.gql(COMPLETE, { ticket: landed.searchParams.get('ticket') })).errors).toBeUndefined();
    github.signedIn = user;
    const pending = await server.gql(START, { redirectUrl: APP });
    expect(pending.errors).toBeUndefined();
    // Two never-verified accounts, older than UNVERIFIED_ACCOUNT_RETENTION: a registration, and one a provider made.
    const registration = uniqueEmail('pending');
    const federated = uniqueEmail('federated');
    for (const email of [registration, federated]) {
      await query(
        server,
        `insert into users (id, email, email_verified, created_at, updated_at) values (gen_random_uuid(), ?, false, now() - interval '1 hour', now())`,
        [email],
      );
    }
    await query(
      server,
      `insert into federated_identities (id, user_id, provider, subject, email, created_at) select gen_random_uuid(), id, 'acme', 'purge-subject', email, now() from users where email = ?`,
      [federated],
    );
    const counts = async () =>
      (
        await query<{ spent: number; live: number; tickets: number }>(
          server,
          `select (select count(*)::int from oauth_states where consumed_at is not null) as spent,
                  (select count(*)::int from oauth_states where consumed_at is null) as live,
                  (select count(*)::int from oauth_tickets) as tickets`,
        )
      )[0];
    const survivors = () => query(server, 'select email from users where email in (?, ?)', [registration, federated]);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const now = await counts();
      if ((now.spent === 0 && now.tickets === 0 && (await survivors()).length === 1) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await counts()).toEqual({ spent: 0, live: 1, tickets: 0 });
    expect(await survivors()).toEqual([{ email: federated }]);
  });

  it('asks for a recent sign-in to link or unlink (sudo); an account without password re-authenticates by signing in through GitHub again', async () => {
    const user = githubUser([{ email: uniqueEmail('sudo'), primary: true, verified: true, visibility: null }]);
    const first = await server.gql<{ completeOAuth: { accessToken: string } }>(COMPLETE, { ticket: (await flow(user)).searchParams.get('ticket') });
    const stale = bearer(first.data!.completeOAuth.accessToken);
    await new Promise((resolve) => setTimeout(resolve, 4100));
    const link = `mutation { startOAuth(provider: "github", redirectUrl: "${APP}", link: true) { authorizationUrl } }`;
    expect(errorCode(await server.gql(link, {}, stale))).toBe('REAUTHENTICATION_REQUIRED');
    expect(errorCode(await server.gql(`mutation { unlinkIdentity(provider: "github") }`, {}, stale))).toBe('REAUTHENTICATION_REQUIRED');

    const again = await server.gql<{ completeOAuth: { accessToken: string } }>(COMPLETE, { ticket: (await flow(user)).searchParams.get('ticket') });
    const fresh = bearer(again.data!.completeOAuth.accessToken);
    expect(errorCode(await server.gql(`mutation { unlinkIdentity(provider: "github") }`, {}, fresh))).toBe('LAST_SIGN_IN_METHOD');
    expect((await server.gql(link, {}, fresh)).errors).toBeUndefined();
  });

  it('delivers the refresh token in the HttpOnly cookie when the app asks for cookie mode', async () => {
    const user = githubUser([{ email: uniqueEmail('cookie'), primary: true, verified: true, visibility: null }]);
    const ticket = (await flow(user)).searchParams.get('ticket');
    const origin = server.url.replace(/\/graphql$/, '');
    const response = await server.gql<{ completeOAuth: { refreshToken: string | null } }>(
      `mutation ($t: String!) { completeOAuth(ticket: $t) { refreshToken } }`,
      { t: ticket },
      { origin, 'x-token-delivery': 'cookie' },
    );
    expect(response.data).toEqual({ completeOAuth: { refreshToken: null } });
    expect(refreshCookieIn(response.headers)?.attributes).toMatchObject({ httponly: true, secure: true });
  });

  it('signs a disabled account in through GitHub no more (error=ACCOUNT_DISABLED), nor with a ticket issued before', async () => {
    const user = githubUser([{ email: uniqueEmail('disabled'), primary: true, verified: true, visibility: null }]);
    const first = await server.gql<{ completeOAuth: { user: { id: string } } }>(COMPLETE, { ticket: (await flow(user)).searchParams.get('ticket') });
    const id = first.data!.completeOAuth.user.id;
    const pendingTicket = (await flow(user)).searchParams.get('ticket');
    // An operator disables the account (the admin API's service, as `npm run user:create` reaches it).
    await server.app.admin.disable(server.app.database.fork(), null, id, 'test');
    expect((await flow(user)).searchParams.get('error')).toBe('ACCOUNT_DISABLED');
    expect(errorCode(await server.gql(COMPLETE, { ticket: pendingTicket }))).toBe('ACCOUNT_DISABLED');
  });
});
