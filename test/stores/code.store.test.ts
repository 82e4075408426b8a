import type { Database } from '../../src/db/database';
import { sql } from '../../src/db/sql';
import { CodePurpose, CodeStore } from '../../src/codes/code.store';
import { SecurityLog } from '../../src/security/security-log';
import { insertUser, openEmbeddedDatabase } from './support';

const client = { ip: null, userAgent: null };
let database: Database;
let close: () => Promise<void>;
let codes: CodeStore;

beforeAll(async () => {
  ({ database, close } = await openEmbeddedDatabase());
  codes = new CodeStore({ secret: Buffer.alloc(32, 7), ttl: 600, maxAttempts: 3, resendCooldown: 60 }, new SecurityLog());
});
afterAll(() => close?.());

const check = (userId: string | null, code: string) =>
  database.fork().transactional((tx) => codes.check(tx, userId, CodePurpose.EmailVerification, code, client));
const codeFor = (code: string) => (code === '000000' ? '000001' : '000000');

describe('CodeStore.check (embedded PGlite)', () => {
  it('accepts the issued code once', async () => {
    const user = await insertUser(database);
    const issued = await database.fork().transactional((tx) => codes.issue(tx, user.id, CodePurpose.EmailVerification));
    expect(await check(user.id, issued.code)).toEqual({ ok: true });
    expect((await check(user.id, issued.code)).ok).toBe(false);
  });

  it('counts wrong codes, says how many tries are left, then refuses even the right one', async () => {
    const user = await insertUser(database);
    const issued = await database.fork().transactional((tx) => codes.issue(tx, user.id, CodePurpose.EmailVerification));
    const wrong = codeFor(issued.code);
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await check(user.id, wrong);
      answers.push(outcome.ok ? 'ok' : [outcome.error.extensions.code, outcome.error.extensions.attemptsLeft]);
    }
    expect(answers).toEqual([
      ['INVALID_CODE', 2],
      ['INVALID_CODE', 1],
      ['TOO_MANY_ATTEMPTS', undefined],
    ]);
    const last = await check(user.id, issued.code);
    expect(!last.ok && last.error.extensions.code).toBe('TOO_MANY_ATTEMPTS');
    const [event] = await sql<{ type: string }>(database.fork(), `select type from security_events where user_id = ?`, [user.id]);
    expect(event.type).toBe('code_locked_out');
  });

  it('refuses an expired code with CODE_EXPIRED and an unknown user with INVALID_CODE', async () => {
    const user = await insertUser(database);
    const issued = await database.fork().transactional((tx) => codes.issue(tx, user.id, CodePurpose.EmailVerification));
    await sql(database.fork(), `update codes set expires_at = now() - interval '1 second' where user_id = ?`, [user.id]);
    const expired = await check(user.id, issued.code);
    expect(!expired.ok && expired.error.extensions.code).toBe('CODE_EXPIRED');
    const nobody = await check(null, issued.code);
    expect(!nobody.ok && nobody.error.extensions.code).toBe('INVALID_CODE');
  });
});
