import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import { LOGIN, ME, PASSWORD, REFRESH, REQUEST_RESET, SESSIONS, bearer, createVerifiedUser, login, uniqueEmail } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ APP_NAME: 'Girok Test' });
});
afterAll(() => server?.close());

const DELETE = `mutation { deleteAccount }`;

async function query<T extends object>(text: string, params: unknown[] = []): Promise<T[]> {
  return server.app.orm.em.fork().getConnection().execute<T[]>(text, params);
}

/** Every (table, column) that references users(id), found in the catalog, plus every user_id column. */
async function userReferences(): Promise<{ table: string; column: string }[]> {
  const rows = await query<{ table: string; column: string }>(
    `select distinct c.table_name as "table", c.column_name as "column"
       from information_schema.columns c
      where c.table_schema = current_schema() and c.column_name = 'user_id'
     union
     select distinct cl.relname, a.attname
       from pg_constraint k
       join pg_class cl on cl.oid = k.conrelid
       join pg_attribute a on a.attrelid = k.conrelid and a.attnum = any(k.conkey)
      where k.contype = 'f' and k.confrelid = 'users'::regclass`,
  );
  return rows;
}

async function rowsReferencing(userId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, column } of await userReferences()) {
    const [row] = await query<{ n: string }>(`select count(*) as n from "${table}" where "${column}" = ?`, [userId]);
    counts[`${table}.${column}`] = Number(row.n);
  }
  const [user] = await query<{ n: string }>('select count(*) as n from users where id = ?', [userId]);
  counts['users.id'] = Number(user.n);
  return counts;
}

describe('deleteAccount', () => {
  it('erases every row that references the account, kills its tokens at once and mails a goodbye', async () => {
    const user = await createVerifiedUser(server);
    const second = await login(server, user.email);
    expect(errorCode(await server.gql(LOGIN, { input: { email: user.email, password: 'a wrong password' } }))).toBe('INVALID_CREDENTIALS');
    const earlier = new Set(server.smtp.messages);
    await server.gql(REQUEST_RESET, { email: user.email });
    codeIn(await server.smtp.waitFor((m) => m.to === user.email && !earlier.has(m)));
    const before = await rowsReferencing(user.token.user.id);
    expect(before['users.id']).toBe(1);
    expect(before['sessions.user_id']).toBeGreaterThanOrEqual(2);
    expect(before['codes.user_id']).toBeGreaterThanOrEqual(1);
    expect(before['security_events.user_id']).toBeGreaterThanOrEqual(3);

    // A mail still waiting for the address (held back by a retry an hour away) is dropped with the account.
    await query(
      `insert into mail_outbox (id, kind, recipient, locale, status, attempts, next_attempt_at, created_at) values (gen_random_uuid(), 'password-changed', ?, 'en', 'pending', 1, now() + interval '1 hour', now())`,
      [user.email],
    );
    const goodbyeAfter = new Set(server.smtp.messages);
    const response = await server.gql(DELETE, {}, bearer(user.token.accessToken));
    expect(response.data?.deleteAccount).toBe(true);

    const after = await rowsReferencing(user.token.user.id);
    expect(Object.values(after).every((n) => n === 0)).toBe(true);
    expect(Object.keys(after).length).toBe(Object.keys(before).length);

    for (const token of [user.token, second]) {
      expect((await server.gql(ME, {}, bearer(token.accessToken))).data?.me).toBeNull();
      expect(errorCode(await server.gql(SESSIONS, {}, bearer(token.accessToken)))).toBe('UNAUTHENTICATED');
      expect(errorCode(await server.gql(REFRESH, { token: token.refreshToken }))).toBe('UNAUTHENTICATED');
    }
    expect(errorCode(await server.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }))).toBe('INVALID_CREDENTIALS');

    const goodbye = await server.smtp.waitFor((m) => m.to === user.email && !goodbyeAfter.has(m));
    expect(goodbye.subject).toBe('Your Girok Test account was deleted');
    // Nothing but the goodbye is left for the address in the outbox.
    const queued = await query<{ kind: string }>(`select kind from mail_outbox where recipient = ? and status = 'pending'`, [user.email]);
    expect(queued.filter((row) => row.kind !== 'account-deleted')).toEqual([]);
    expect(await query(`select 1 from mail_outbox where recipient = ? and kind = 'account-deleted'`, [user.email])).toHaveLength(1);
  });

  it('frees the address for a new registration', async () => {
    const user = await createVerifiedUser(server);
    const earlier = new Set(server.smtp.messages);
    await server.gql(DELETE, {}, bearer(user.token.accessToken));
    await server.smtp.waitFor((m) => m.to === user.email && !earlier.has(m));
    const again = await createVerifiedUser(server, user.email, 'a different passphrase');
    expect(again.token.user.id).not.toBe(user.token.user.id);
  });

  it('needs a live access token', async () => {
    expect(errorCode(await server.gql(DELETE))).toBe('UNAUTHENTICATED');
    const user = await createVerifiedUser(server, uniqueEmail('twice'));
    await server.gql(DELETE, {}, bearer(user.token.accessToken));
    expect(errorCode(await server.gql(DELETE, {}, bearer(user.token.accessToken)))).toBe('UNAUTHENTICATED');
  });
});
