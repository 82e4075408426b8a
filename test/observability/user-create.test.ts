import { createVerifiedAccount, UserExistsError } from '../../scripts/user-create';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGIN, uniqueEmail, registerAndReadCode } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const create = (email: string, password: string, admin = false) => createVerifiedAccount(server.app, { email, password, admin });

describe('npm run user:create', () => {
  it('creates a verified account that can log in at once', async () => {
    const email = uniqueEmail('ops');
    const user = await create(`  ${email.toUpperCase()} `, 'an operator chose this one');
    expect(user).toMatchObject({ email, emailVerified: true });
    const login = await server.gql(LOGIN, { input: { email, password: 'an operator chose this one' } });
    expect(login.data?.login.user).toMatchObject({ id: user.id, email, emailVerified: true });
  });

  it('refuses an address that already has a verified account, leaving its password alone', async () => {
    const email = uniqueEmail('ops');
    await create(email, 'the first password here');
    await expect(create(email, 'a second password here')).rejects.toBeInstanceOf(UserExistsError);
    expect(errorCode(await server.gql(LOGIN, { input: { email, password: 'a second password here' } }))).toBe('INVALID_CREDENTIALS');
  });

  it('takes over a pending registration', async () => {
    const email = uniqueEmail('pending');
    await registerAndReadCode(server, email);
    await create(email, 'set by the operator 42');
    expect((await server.gql(LOGIN, { input: { email, password: 'set by the operator 42' } })).data?.login.user.emailVerified).toBe(true);
  });

  it('applies the same email and password rules as registration', async () => {
    await expect(create('not-an-address', 'long enough password')).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'email' } });
    await expect(create(uniqueEmail(), 'short')).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'password' } });
  });
});

describe('npm run user:create -- --admin', () => {
  it('makes an administrator whose token carries the role and who can use the admin API', async () => {
    const email = uniqueEmail('first-admin');
    const user = await create(email, 'the first admin password', true);
    expect(user.roles).toEqual(['admin']);
    const login = await server.gql(LOGIN, { input: { email, password: 'the first admin password' } });
    const accessToken: string = login.data?.login.accessToken;
    expect(JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).roles).toEqual(['admin']);
    const users = await server.gql('{ users(first: 1) { edges { node { id } } } }', {}, { authorization: `Bearer ${accessToken}` });
    expect(users.errors).toBeUndefined();
  });
});
