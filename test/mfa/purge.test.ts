import { LOGIN, PASSWORD, createVerifiedUser } from '../support/flows';
import { startTestServer, type TestServer } from '../support/server';
import { enrollTotp, mfaTokenOf, query, verifyMfa } from './support';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MAINTENANCE_INTERVAL: '1' });
});
afterAll(() => server?.close());

async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('not within the time allowed');
}

describe('the periodic purge', () => {
  it('deletes completed MFA tickets and keeps pending ones', async () => {
    const user = await createVerifiedUser(server);
    const { app } = await enrollTotp(server, user.token.accessToken);
    const completed = mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    expect((await verifyMfa(server, completed, await app.nextCode())).errors).toBeUndefined();
    mfaTokenOf(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }));
    const tickets = () => query<{ done: boolean }>(server, 'select consumed_at is not null as done from mfa_tickets where user_id = ?', [user.token.user.id]);
    await eventually(async () => (await tickets()).every((ticket) => !ticket.done));
    expect(await tickets()).toEqual([{ done: false }]);
  });
});
