import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { describeWith } from '../support/requirements';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGIN, createVerifiedUser } from '../support/flows';

// Finding 17: a wrong password for a registered address writes a LOGIN_FAILED event; an
// unknown address writes nothing. The write must not be in the answer's time. Holding a lock
// on the events table shows it deterministically (a real PostgreSQL: the embedded one serves
// one transaction at a time); the figures over interleaved samples are in bench/README.md.
describeWith(['postgres'], 'a failed login for a registered address', () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startTestServer({}, database);
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('answers without waiting for its security event, which is written after', async () => {
    const { email, token } = await createVerifiedUser(server);
    const blocker = new Client({ connectionString: database.url! });
    await blocker.connect();
    try {
      await blocker.query('begin');
      // Inserts into security_events wait while this lock is held.
      await blocker.query('lock table security_events in share mode');
      const answer = await Promise.race([
        server.gql(LOGIN, { input: { email, password: 'not the password' } }),
        new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 5_000)),
      ]);
      expect(answer !== 'still waiting' && errorCode(answer)).toBe('INVALID_CREDENTIALS');
      await blocker.query('commit');
    } finally {
      await blocker.end();
    }
    const failed = async () =>
      Number(
        (
          await server.app.orm.em
            .fork()
            .getConnection()
            .execute(`select count(*) as n from security_events where user_id = ? and type = 'login_failed'`, [token.user.id])
        )[0].n,
      );
    for (const deadline = Date.now() + 5_000; Date.now() < deadline && (await failed()) === 0;) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await failed()).toBe(1);
  });
});
