import argon2 from 'argon2';
import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import { CHANGE, LOGIN, ME, REQUEST_RESET, RESET, bearer, createVerifiedUser, login, type TokenPayload } from '../support/flows';

// Findings 12, 13 and 14.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('a reset code', () => {
  it('dies when the password changes', async () => {
    const user = await createVerifiedUser(server);
    const earlier = new Set(server.smtp.messages);
    await server.gql(REQUEST_RESET, { email: user.email });
    const code = codeIn(await server.smtp.waitFor((m) => m.to === user.email && !earlier.has(m)));
    const changed = await server.gql(
      CHANGE,
      { input: { currentPassword: user.password, newPassword: 'changed in the meantime' } },
      bearer(user.token.accessToken),
    );
    expect(changed.errors).toBeUndefined();
    const reset = await server.gql(RESET, { input: { email: user.email, code, newPassword: 'the code should be dead' } });
    expect(['INVALID_CODE', 'TOO_MANY_ATTEMPTS']).toContain(errorCode(reset));
    expect((await server.gql(LOGIN, { input: { email: user.email, password: 'changed in the meantime' } })).errors).toBeUndefined();
  });
});

describe('two sessions changing the password at once', () => {
  it('leave one winner whose pair works and one clear refusal, never a server error', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await createVerifiedUser(server);
      const other = await login(server, user.email, user.password);
      const answers = await Promise.all(
        [user.token, other].map((session, i) =>
          server.gql<{ changePassword: TokenPayload }>(
            CHANGE,
            { input: { currentPassword: user.password, newPassword: `new passphrase ${round}-${i}` } },
            bearer(session.accessToken),
          ),
        ),
      );
      const codes = answers.map((answer) => errorCode(answer) ?? 'ok');
      expect(codes.filter((code) => code === 'ok')).toHaveLength(1);
      // The loser's session was ended by the winner: found while changing (SESSION_REVOKED), or
      // already when its access token was checked (UNAUTHENTICATED), depending on the interleaving.
      expect(['SESSION_REVOKED', 'UNAUTHENTICATED']).toContain(codes.find((code) => code !== 'ok'));
      const winner = answers.find((answer) => !answer.errors)!.data!.changePassword;
      expect((await server.gql(ME, {}, bearer(winner.accessToken))).data?.me?.email).toBe(user.email);
    }
  });
});

describe('passwords in other Unicode spellings', () => {
  const nfd = 'Cre\u0300me bru\u0302le\u0301e a\u0300 la mode';
  const nfc = nfd.normalize('NFC');

  it('are one password: registered in one form, it signs in typed in the other', async () => {
    const user = await createVerifiedUser(server, undefined, nfd);
    expect((await server.gql(LOGIN, { input: { email: user.email, password: nfc } })).errors).toBeUndefined();
  });

  it('re-hashes a hash made before normalization at the next sign-in', async () => {
    const user = await createVerifiedUser(server);
    const connection = server.app.orm.em.fork().getConnection();
    // As a hash of the password exactly as typed (decomposed) would have been stored.
    const legacy = await argon2.hash(nfd, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    await connection.execute('update users set password_hash = ? where email = ?', [legacy, user.email]);
    expect((await server.gql(LOGIN, { input: { email: user.email, password: nfd } })).errors).toBeUndefined();
    const [{ password_hash: stored }] = await connection.execute('select password_hash from users where email = ?', [user.email]);
    expect(stored).not.toBe(legacy);
    expect(await argon2.verify(stored, nfd.normalize('NFKC'))).toBe(true);
    expect((await server.gql(LOGIN, { input: { email: user.email, password: nfc } })).errors).toBeUndefined();
  });
});
