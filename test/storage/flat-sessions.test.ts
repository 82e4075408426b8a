import { startTestServer, errorCode, type TestServer } from '../support/server';
import { ME, REFRESH, bearer, createVerifiedUser, type TokenPayload } from '../support/flows';

// Issue "storage that stays flat": refreshing a session adds no rows.
let server: TestServer;
beforeAll(async () => {
  // No purge during the count: it would delete the spent verification code meanwhile.
  server = await startTestServer({ REFRESH_REUSE_GRACE: '0', MAINTENANCE_INTERVAL: '3600' });
});
afterAll(() => server?.close());

const sql = (text: string, params: unknown[] = []): Promise<any[]> => server.app.orm.em.fork().getConnection().execute(text, params);
const refresh = (token: string) => server.gql<{ refreshToken: TokenPayload }>(REFRESH, { token });

/** Rows in every table the server writes (migrations bookkeeping aside). */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = (await sql(`select tablename from pg_tables where schemaname = 'public' and tablename <> 'mikro_orm_migrations' order by tablename`)).map(
    (row: { tablename: string }) => row.tablename,
  );
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = Number((await sql(`select count(*) as n from "${table}"`))[0].n);
  return counts;
}

describe('a session refreshed 3,000 times', () => {
  it('leaves every table as it was, and a token from 2,900 rotations ago still counts as reuse', async () => {
    const { token } = await createVerifiedUser(server);
    const before = await rowCounts();
    const tokens = [token.refreshToken];
    let current = token;
    for (let i = 0; i < 3_000; i++) {
      const answer = await refresh(current.refreshToken);
      if (!answer.data?.refreshToken) throw new Error(`refresh ${i} failed: ${JSON.stringify(answer.errors)}`);
      current = answer.data.refreshToken;
      tokens.push(current.refreshToken);
    }
    expect(new Set(tokens).size).toBe(3_001);
    expect(await rowCounts()).toEqual(before);
    expect((await server.gql(ME, {}, bearer(current.accessToken))).data?.me?.id).toBe(token.user.id);

    // Reuse of any earlier token, however old, ends the session: the current pair dies with it.
    expect(errorCode(await refresh(tokens[100]))).toBe('TOKEN_REUSED');
    expect(errorCode(await refresh(current.refreshToken))).toBe('SESSION_REVOKED');
    expect((await server.gql(ME, {}, bearer(current.accessToken))).data).toEqual({ me: null });
  }, 300_000);
});

describe('a copy of the database', () => {
  it('holds nothing that works as a refresh token', async () => {
    const { token } = await createVerifiedUser(server);
    const [row] = await sql(`select * from sessions where user_id = ?`, [token.user.id]);
    const values = Object.values(row as Record<string, unknown>)
      .filter((value) => value !== null)
      .flatMap((value) =>
        Buffer.isBuffer(value) ? [value.toString('base64url'), value.toString('hex')] : [value instanceof Date ? value.toISOString() : String(value as string)],
      );
    expect(values.length).toBeGreaterThan(5);
    for (const value of values) {
      const answer = await refresh(value);
      expect(['UNAUTHENTICATED', 'BAD_USER_INPUT']).toContain(errorCode(answer));
    }
    // The session is untouched by all that: its own token still refreshes.
    expect((await refresh(token.refreshToken)).data?.refreshToken.user.id).toBe(token.user.id);
  });
});
