import { bearer, createVerifiedUser, uniqueEmail } from '../support/flows';
import { errorCode, startTestServer, type TestServer } from '../support/server';
import { query } from '../mfa/support';
import { FINISH_LOGIN, MY_PASSKEYS, START_LOGIN, START_REGISTRATION } from './support';

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

const challengeIds = async (ids: string[]) =>
  (await query<{ id: string }>(server, `select id from webauthn_challenges where id in (${ids.map(() => '?').join(', ')}) order by created_at`, ids)).map(
    (row) => row.id,
  );

describe('passkey challenges', () => {
  it('the periodic purge deletes expired challenges and keeps live ones', async () => {
    const start = async () => (await server.gql(START_LOGIN, { email: uniqueEmail('purge') })).data!.startPasskeyLogin.challengeId as string;
    const [expired, live] = [await start(), await start()];
    await query(server, `update webauthn_challenges set expires_at = now() - interval '1 second' where id = ?`, [expired]);
    await eventually(async () => !(await challengeIds([expired])).includes(expired));
    expect(await challengeIds([expired, live])).toEqual([live]);
  });

  it('a new registration replaces the pending one of the account', async () => {
    const user = await createVerifiedUser(server);
    await server.gql(START_REGISTRATION, {}, bearer(user.token.accessToken));
    await server.gql(START_REGISTRATION, {}, bearer(user.token.accessToken));
    const rows = await query(server, `select 1 from webauthn_challenges where user_id = ? and purpose = 'registration'`, [user.token.user.id]);
    expect(rows).toHaveLength(1);
  });

  it('answers malformed input with BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const before = await query<{ n: string }>(server, 'select count(*) as n from webauthn_challenges');
    const badEmail = await server.gql(START_LOGIN, { email: 'not an address' });
    expect(badEmail.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    expect((await server.gql(START_LOGIN, { mfaToken: 'short' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'mfaToken' });
    expect((await server.gql(FINISH_LOGIN, { challengeId: 'nope', response: {} })).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'challengeId',
    });
    const challengeId = (await server.gql(START_LOGIN, {})).data!.startPasskeyLogin.challengeId;
    for (const response of ['text', [], { id: 'x', type: 'public-key' }, { id: 'a b', rawId: 'a', type: 'public-key', response: {} }]) {
      const answer = await server.gql(FINISH_LOGIN, { challengeId, response });
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'response' });
    }
    // The malformed answers did not spend the challenge.
    expect(await challengeIds([challengeId])).toEqual([challengeId]);
    const after = await query<{ n: string }>(server, 'select count(*) as n from webauthn_challenges');
    expect(Number(after[0].n)).toBe(Number(before[0].n) + 1);
  });

  it('a mfaToken that is not a live sign-in is UNAUTHENTICATED', async () => {
    expect(errorCode(await server.gql(START_LOGIN, { mfaToken: 'A'.repeat(43) }))).toBe('UNAUTHENTICATED');
  });

  it('lets only the holder read an account’s passkeys', async () => {
    const user = await createVerifiedUser(server);
    expect((await server.gql(MY_PASSKEYS, {}, bearer(user.token.accessToken))).data!.me.passkeys).toEqual([]);
    expect(errorCode(await server.gql(`mutation { deletePasskey(id: "00000000-0000-4000-8000-000000000000") }`))).toBe('UNAUTHENTICATED');
    const deleted = await server.gql(`mutation { deletePasskey(id: "00000000-0000-4000-8000-000000000000") }`, {}, bearer(user.token.accessToken));
    expect(deleted.data!.deletePasskey).toBe(false);
    const renamed = await server.gql(
      `mutation { renamePasskey(id: "00000000-0000-4000-8000-000000000000", name: "x") { id } }`,
      {},
      bearer(user.token.accessToken),
    );
    expect(errorCode(renamed)).toBe('FORBIDDEN');
  });
});
