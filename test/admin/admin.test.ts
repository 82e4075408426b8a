import { createVerifiedAccount } from '../../scripts/user-create';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGIN, ME, PASSWORD, REFRESH, SESSIONS, bearer, createVerifiedUser, login, uniqueEmail, type TokenPayload } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ROLES: 'admin,support' });
});
afterAll(() => server?.close());

const USER_FIELDS = 'id email emailVerified roles disabled createdAt';
const USERS = `query Users($first: Int, $after: String, $query: String) {
  users(first: $first, after: $after, query: $query) { edges { cursor node { ${USER_FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;
const USER = `query User($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`;
const SET_ROLES = `mutation SetRoles($id: ID!, $roles: [String!]!) { setUserRoles(id: $id, roles: $roles) { ${USER_FIELDS} } }`;
const DISABLE = `mutation Disable($id: ID!, $reason: String) { disableUser(id: $id, reason: $reason) { ${USER_FIELDS} } }`;
const ENABLE = `mutation Enable($id: ID!) { enableUser(id: $id) { ${USER_FIELDS} } }`;
const MY_EVENTS = `query { me { roles securityEvents(first: 20) { edges { node { type ip userAgent } } } } }`;

type Listed = {
  users: { edges: { cursor: string; node: { email: string; roles: string[] } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

/** An administrator made the way an operator bootstraps one, signed in. */
async function signedInAdmin(): Promise<{ id: string; email: string; token: TokenPayload }> {
  const email = uniqueEmail('admin');
  const user = await createVerifiedAccount(server.app, { email, password: PASSWORD, admin: true });
  return { id: user.id, email, token: await login(server, email) };
}

function claimsOf(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function eventTypes(token: string): Promise<string[]> {
  const response = await server.gql<{ me: { securityEvents: { edges: { node: { type: string } }[] } } }>(MY_EVENTS, {}, bearer(token));
  return response.data!.me.securityEvents.edges.map((edge) => edge.node.type);
}

describe('roles', () => {
  it('puts the roles in User.roles and in the access token claim', async () => {
    const admin = await signedInAdmin();
    expect(admin.token.user).toMatchObject({ id: admin.id });
    expect(claimsOf(admin.token.accessToken).roles).toEqual(['admin']);
    expect((await server.gql(MY_EVENTS, {}, bearer(admin.token.accessToken))).data?.me.roles).toEqual(['admin']);
    const plain = await createVerifiedUser(server);
    expect(claimsOf(plain.token.accessToken).roles).toEqual([]);
  });

  it('grants a role from ROLES and records it on the target timeline as an admin action', async () => {
    const admin = await signedInAdmin();
    const target = await createVerifiedUser(server);
    const response = await server.gql(SET_ROLES, { id: target.token.user.id, roles: ['support', 'support'] }, bearer(admin.token.accessToken));
    expect(response.data?.setUserRoles).toMatchObject({ id: target.token.user.id, roles: ['support'] });
    const events = await server.gql<{ me: { securityEvents: { edges: { node: { type: string; ip: string | null } }[] } } }>(
      MY_EVENTS,
      {},
      bearer(target.token.accessToken),
    );
    const [latest] = events.data!.me.securityEvents.edges;
    // The administrator's address is not shown on someone else's timeline.
    expect(latest.node).toMatchObject({ type: 'ROLES_CHANGED_BY_ADMIN', ip: null });
  });

  it('refuses an unknown role with BAD_USER_INPUT and writes nothing', async () => {
    const admin = await signedInAdmin();
    const target = await createVerifiedUser(server);
    const before = await eventTypes(target.token.accessToken);
    const response = await server.gql(SET_ROLES, { id: target.token.user.id, roles: ['admin', 'root'] }, bearer(admin.token.accessToken));
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roles' });
    expect((await server.gql(USER, { id: target.token.user.id }, bearer(admin.token.accessToken))).data?.user.roles).toEqual([]);
    expect(await eventTypes(target.token.accessToken)).toEqual(before);
  });

  it('holds a revoked role at the next request, whatever the token still claims', async () => {
    const admin = await signedInAdmin();
    const other = await signedInAdmin();
    expect(errorCode(await server.gql(USERS, { first: 1 }, bearer(other.token.accessToken)))).toBeUndefined();
    await server.gql(SET_ROLES, { id: other.id, roles: [] }, bearer(admin.token.accessToken));
    expect(claimsOf(other.token.accessToken).roles).toEqual(['admin']);
    expect(errorCode(await server.gql(USERS, { first: 1 }, bearer(other.token.accessToken)))).toBe('FORBIDDEN');
  });
});

describe('the admin API refuses everyone else', () => {
  it('answers FORBIDDEN to a signed-in non-admin and changes nothing', async () => {
    const plain = await createVerifiedUser(server);
    const target = await createVerifiedUser(server);
    const headers = bearer(plain.token.accessToken);
    const before = await eventTypes(target.token.accessToken);
    expect(errorCode(await server.gql(USERS, {}, headers))).toBe('FORBIDDEN');
    expect(errorCode(await server.gql(USER, { id: target.token.user.id }, headers))).toBe('FORBIDDEN');
    expect(errorCode(await server.gql(SET_ROLES, { id: plain.token.user.id, roles: ['admin'] }, headers))).toBe('FORBIDDEN');
    expect(errorCode(await server.gql(DISABLE, { id: target.token.user.id }, headers))).toBe('FORBIDDEN');
    expect(errorCode(await server.gql(ENABLE, { id: target.token.user.id }, headers))).toBe('FORBIDDEN');
    expect((await server.gql(MY_EVENTS, {}, headers)).data?.me.roles).toEqual([]);
    expect((await server.gql(ME, {}, bearer(target.token.accessToken))).data?.me).toMatchObject({ id: target.token.user.id });
    expect(await eventTypes(target.token.accessToken)).toEqual(before);
  });

  it('answers UNAUTHENTICATED without a token', async () => {
    expect(errorCode(await server.gql(USERS, {}))).toBe('UNAUTHENTICATED');
    expect(errorCode(await server.gql(DISABLE, { id: '00000000-0000-4000-8000-000000000000' }))).toBe('UNAUTHENTICATED');
  });
});

describe('users and user', () => {
  it('lists accounts in creation order, filtered by email prefix, page by page', async () => {
    const admin = await signedInAdmin();
    const prefix = `page-${Date.now().toString(36)}`;
    const emails = [];
    for (let i = 0; i < 3; i++) emails.push((await createVerifiedUser(server, `${prefix}-${i}@example.test`)).email);
    const headers = bearer(admin.token.accessToken);
    const first = (await server.gql<Listed>(USERS, { first: 2, query: ` ${prefix.toUpperCase()}` }, headers)).data!.users;
    expect(first.edges.map((edge) => edge.node.email)).toEqual(emails.slice(0, 2));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await server.gql<Listed>(USERS, { first: 2, query: prefix, after: first.pageInfo.endCursor }, headers)).data!.users;
    expect(rest.edges.map((edge) => edge.node.email)).toEqual(emails.slice(2));
    expect(rest.pageInfo).toEqual({ hasNextPage: false, endCursor: rest.edges[0].cursor });
  });

  it('treats % and _ in the query as plain characters', async () => {
    const admin = await signedInAdmin();
    const response = await server.gql<Listed>(USERS, { query: '%' }, bearer(admin.token.accessToken));
    expect(response.data!.users.edges).toEqual([]);
  });

  it('refuses a cursor it did not make, a page size out of range and a NUL in the query', async () => {
    const admin = await signedInAdmin();
    const headers = bearer(admin.token.accessToken);
    expect((await server.gql(USERS, { after: 'bm9wZQ' }, headers)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect((await server.gql(USERS, { first: 0 }, headers)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect((await server.gql(USERS, { query: 'a\u0000' }, headers)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'query' });
  });

  it('finds one account by id, and null for an id that names none', async () => {
    const admin = await signedInAdmin();
    const target = await createVerifiedUser(server);
    const headers = bearer(admin.token.accessToken);
    expect((await server.gql(USER, { id: target.token.user.id }, headers)).data?.user).toMatchObject({ email: target.email, disabled: false, roles: [] });
    expect((await server.gql(USER, { id: '00000000-0000-4000-8000-000000000000' }, headers)).data?.user).toBeNull();
    expect((await server.gql(USER, { id: 'not-a-uuid' }, headers)).data?.user).toBeNull();
  });
});

describe('disableUser and enableUser', () => {
  it('kills live access tokens at the next request and refuses every sign-in with ACCOUNT_DISABLED', async () => {
    const admin = await signedInAdmin();
    const target = await createVerifiedUser(server);
    const second = await login(server, target.email);
    expect((await server.gql(ME, {}, bearer(second.accessToken))).data?.me).not.toBeNull();

    const response = await server.gql(DISABLE, { id: target.token.user.id, reason: 'abuse report 42' }, bearer(admin.token.accessToken));
    expect(response.data?.disableUser).toMatchObject({ id: target.token.user.id, disabled: true });

    expect((await server.gql(ME, {}, bearer(second.accessToken))).data?.me).toBeNull();
    expect(errorCode(await server.gql(SESSIONS, {}, bearer(target.token.accessToken)))).toBe('UNAUTHENTICATED');
    expect(errorCode(await server.gql(REFRESH, { token: second.refreshToken }))).toBe('ACCOUNT_DISABLED');
    expect(errorCode(await server.gql(LOGIN, { input: { email: target.email, password: PASSWORD } }))).toBe('ACCOUNT_DISABLED');
    // Said only to someone who knows the password.
    expect(errorCode(await server.gql(LOGIN, { input: { email: target.email, password: 'not the password' } }))).toBe('INVALID_CREDENTIALS');

    const enabled = await server.gql(ENABLE, { id: target.token.user.id }, bearer(admin.token.accessToken));
    expect(enabled.data?.enableUser).toMatchObject({ disabled: false });
    // Enabling lets the account sign in again; the sessions that disabling ended stay ended.
    expect(errorCode(await server.gql(REFRESH, { token: second.refreshToken }))).toBe('SESSION_REVOKED');
    const again = await login(server, target.email);
    const types = await eventTypes(again.accessToken);
    expect(types.slice(0, 2)).toEqual(['LOGIN_SUCCEEDED', 'ENABLED_BY_ADMIN']);
    expect(types).toContain('DISABLED_BY_ADMIN');
  });

  it('lets an administrator read the target timeline', async () => {
    const admin = await signedInAdmin();
    const target = await createVerifiedUser(server);
    await server.gql(DISABLE, { id: target.token.user.id }, bearer(admin.token.accessToken));
    const response = await server.gql(
      `query ($id: ID!) { user(id: $id) { securityEvents(first: 1) { edges { node { type } } } } }`,
      { id: target.token.user.id },
      bearer(admin.token.accessToken),
    );
    expect(response.data?.user.securityEvents.edges[0].node.type).toBe('DISABLED_BY_ADMIN');
  });

  it('refuses to disable the administrator own account, and an unknown id', async () => {
    const admin = await signedInAdmin();
    const headers = bearer(admin.token.accessToken);
    expect((await server.gql(DISABLE, { id: admin.id }, headers)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect((await server.gql(ME, {}, headers)).data?.me).not.toBeNull();
    expect((await server.gql(ENABLE, { id: '00000000-0000-4000-8000-000000000000' }, headers)).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'id',
    });
  });
});
