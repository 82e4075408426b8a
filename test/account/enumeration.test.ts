import argon2 from 'argon2';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { LOGIN, REGISTER, createVerifiedUser, uniqueEmail } from '../support/flows';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ APP_NAME: 'Girok Test' });
});
afterAll(() => server?.close());

const shape = (payload: Record<string, string>) => ({
  email: payload.email,
  codeExpiresIn: Math.round((Date.parse(payload.codeExpiresAt) - Date.now()) / 10_000),
  resendIn: Math.round((Date.parse(payload.resendAvailableAt) - Date.now()) / 10_000),
});

describe('register on a taken address', () => {
  it('answers like a new registration and mails the owner a notice instead of a code', async () => {
    const owner = await createVerifiedUser(server);
    const fresh = uniqueEmail();
    const earlier = new Set(server.smtp.messages);
    const taken = await server.gql(REGISTER, { input: { email: owner.email, password: 'someone else 123' } });
    const brandNew = await server.gql(REGISTER, { input: { email: fresh, password: 'someone else 123' } });
    expect(taken.errors).toBeUndefined();
    expect(Object.keys(taken.data!.register)).toEqual(Object.keys(brandNew.data!.register));
    expect(shape(taken.data!.register)).toEqual({ ...shape(brandNew.data!.register), email: owner.email });

    const notice = await server.smtp.waitFor((m) => m.to === owner.email && !earlier.has(m));
    expect(notice.subject).toContain('Girok Test');
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
    // The owner's password is untouched.
    expect((await server.gql(LOGIN, { input: { email: owner.email, password: owner.password } })).errors).toBeUndefined();
  });

  it('answers EMAIL_TAKEN when REVEAL_EMAIL_TAKEN=true', async () => {
    const revealing = await startTestServer({ REVEAL_EMAIL_TAKEN: 'true' });
    try {
      const owner = await createVerifiedUser(revealing);
      expect(errorCode(await revealing.gql(REGISTER, { input: { email: owner.email, password: 'someone else 123' } }))).toBe('EMAIL_TAKEN');
    } finally {
      await revealing.close();
    }
  });
});

describe('login with an unknown email', () => {
  it('still runs an argon2 verify, like a wrong password does', async () => {
    const verify = jest.spyOn(argon2, 'verify');
    try {
      const unknown = await server.gql(LOGIN, { input: { email: uniqueEmail('ghost'), password: 'whatever 12345' } });
      expect(errorCode(unknown)).toBe('INVALID_CREDENTIALS');
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
  });
});

describe('password rehash on login', () => {
  it('rewrites a hash made with other argon2 parameters to the configured ones', async () => {
    const user = await createVerifiedUser(server);
    const connection = server.app.orm.em.fork().getConnection();
    const oldHash = await argon2.hash(user.password, { type: argon2.argon2id, memoryCost: 2048, timeCost: 2, parallelism: 1 });
    await connection.execute('update users set password_hash = ? where email = ?', [oldHash, user.email]);

    expect((await server.gql(LOGIN, { input: { email: user.email, password: user.password } })).errors).toBeUndefined();
    const [{ password_hash: stored }] = await connection.execute('select password_hash from users where email = ?', [user.email]);
    expect(stored).not.toBe(oldHash);
    expect(argon2.needsRehash(stored, { memoryCost: 1024, timeCost: 1, parallelism: 1 })).toBe(false);
    expect(await argon2.verify(stored, user.password)).toBe(true);
  });
});
