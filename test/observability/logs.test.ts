import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config';
import { loggerOptions } from '../../src/http/logging';
import { startTestServer, codeIn, errorCode, type TestServer } from '../support/server';
import { LOGIN, LOGOUT, ME, REFRESH, REGISTER, VERIFY, bearer, uniqueEmail, type TokenPayload } from '../support/flows';
import { VERIFY_MFA, enrollTotp, mfaTokenOf } from '../mfa/support';

const JWT_SECRET = 'jwt-secret-that-must-never-appear-in-a-log-0123456789';
const CODE_SECRET = 'code-secret-that-must-never-appear-in-a-log-0123456789';
const ENCRYPTION_KEY = 'encryption-key-that-must-never-appear-in-a-log-012345';
const PASSWORD = 'a password only this test knows 4417';

/** Every log line the app writes, parsed. */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  records(): Record<string, any>[] {
    return this.lines.map((line) => JSON.parse(line));
  }
}

let server: TestServer;
const log = new LogCapture();
beforeAll(async () => {
  server = await startTestServer({ LOG_LEVEL: 'trace', JWT_SECRET, CODE_SECRET, ENCRYPTION_KEY }, undefined, { logStream: log });
});
afterAll(() => server?.close());

describe('logs of a full flow at LOG_LEVEL=trace', () => {
  const secrets: Record<string, string> = { JWT_SECRET, CODE_SECRET, ENCRYPTION_KEY, password: PASSWORD };

  beforeAll(async () => {
    const email = uniqueEmail('logs');
    // GraphQL variables are never logged, at any level (ASVS 16.2.5): the address is one.
    secrets['a GraphQL variable (the address)'] = email;
    const earlier = new Set(server.smtp.messages);
    await server.gql(REGISTER, { input: { email, password: PASSWORD } });
    const code = codeIn(await server.smtp.waitFor((m) => m.to === email && !earlier.has(m)));
    secrets.code = code;
    expect(errorCode(await server.gql(VERIFY, { input: { email, code: code === '000000' ? '111111' : '000000' } }))).toBe('INVALID_CODE');
    const verified = (await server.gql<{ verifyEmail: TokenPayload }>(VERIFY, { input: { email, code } })).data!.verifyEmail;
    const login = (await server.gql<{ login: TokenPayload }>(LOGIN, { input: { email, password: PASSWORD } })).data!.login;
    await server.gql(LOGIN, { input: { email, password: `${PASSWORD}!` } });
    await server.gql(ME, {}, bearer(login.accessToken));
    await server.gql('query { sessions { id } }', {}, bearer(`${login.accessToken}x`));
    const refreshed = (await server.gql<{ refreshToken: TokenPayload }>(REFRESH, { token: login.refreshToken })).data!.refreshToken;
    await server.gql(LOGOUT, { token: refreshed.refreshToken });
    // The second factor's secrets: the TOTP secret and its URI, the QR code, the
    // recovery codes, an mfaToken and the codes typed at verifyMfa.
    const second = (await server.gql<{ login: TokenPayload }>(LOGIN, { input: { email, password: PASSWORD } })).data!.login;
    const enrolled = await enrollTotp(server, second.accessToken);
    const challenged = await server.gql(LOGIN, { input: { email, password: PASSWORD } });
    const mfaToken = mfaTokenOf(challenged);
    const wrong = enrolled.app.codeAt(1);
    await server.gql(VERIFY_MFA, { input: { mfaToken, code: wrong } });
    const totpCode = await enrolled.app.nextCode();
    const mfaLogin = (await server.gql<{ verifyMfa: TokenPayload }>(VERIFY_MFA, { input: { mfaToken, code: totpCode } })).data!.verifyMfa;
    const recoveryChallenge = mfaTokenOf(await server.gql(LOGIN, { input: { email, password: PASSWORD } }));
    await server.gql(VERIFY_MFA, { input: { mfaToken: recoveryChallenge, code: enrolled.recoveryCodes[0] } });
    Object.assign(secrets, {
      'TOTP secret': new URL(enrolled.uri).searchParams.get('secret')!,
      'otpauth URI': enrolled.uri,
      'a TOTP code': totpCode,
      mfaToken,
      'a second mfaToken': recoveryChallenge,
      'MFA access token': mfaLogin.accessToken,
      'MFA refresh token': mfaLogin.refreshToken,
      ...Object.fromEntries(enrolled.recoveryCodes.map((code, i) => [`recovery code ${i}`, code])),
    });
    // A malformed request body and a bad variable still must not echo the password.
    await server.gql('mutation { login(input: { email: 1, password: "' + PASSWORD + '" }) { accessToken } }');
    Object.assign(secrets, {
      'verify access token': verified.accessToken,
      'verify refresh token': verified.refreshToken,
      'login access token': login.accessToken,
      'login refresh token': login.refreshToken,
      'rotated access token': refreshed.accessToken,
      'rotated refresh token': refreshed.refreshToken,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  it('writes something at all (the capture works)', () => {
    expect(log.lines.length).toBeGreaterThan(20);
    expect(log.records().some((r) => r.msg === 'request completed')).toBe(true);
  });

  it('contains no password, code, token, secret or GraphQL variable', () => {
    const text = log.lines.join('\n');
    for (const [what, value] of Object.entries(secrets)) {
      expect({ what, found: text.includes(value) }).toEqual({ what, found: false });
      // The signature half of a JWT alone would do as much harm.
      if (value.split('.').length === 3) expect({ what, found: text.includes(value.split('.')[2]) }).toEqual({ what, found: false });
    }
    expect(text).not.toMatch(/Bearer\s+\S{20,}/);
  });
});

describe('request ids', () => {
  it('returns an id in x-request-id and puts it on every log line of that request', async () => {
    const response = await server.gql('query Hello { __typename }');
    const id = response.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const lines = log.records().filter((r) => r.reqId === id);
    expect(lines.map((r) => r.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  });

  it('keeps a safe id from a proxy and replaces one that could forge a log line', async () => {
    expect((await server.gql('{ __typename }', {}, { 'x-request-id': 'edge-42.abc' })).headers.get('x-request-id')).toBe('edge-42.abc');
    const forged = (await server.gql('{ __typename }', {}, { 'x-request-id': 'a"} {"level":60' })).headers.get('x-request-id');
    expect(forged).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives two requests different ids', async () => {
    const [a, b] = await Promise.all([server.gql('{ __typename }'), server.gql('{ __typename }')]);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });
});

describe('log format', () => {
  const base = { NODE_ENV: 'development', DATA_DIR: server?.dataDir ?? '/tmp/girok-log-format', JWT_SECRET, CODE_SECRET, ENCRYPTION_KEY };

  it('is pretty (pino-pretty) in development and JSON in production', () => {
    const development = loggerOptions(loadConfig(base).log) as { transport?: { target: string } };
    expect(development.transport?.target).toBe('pino-pretty');
    expect(() => require.resolve('pino-pretty')).not.toThrow();
    const production = loggerOptions(loadConfig({ ...base, NODE_ENV: 'production', DATABASE_URL: 'postgres://db/girok' }).log) as { transport?: unknown };
    expect(production.transport).toBeUndefined();
    expect(loggerOptions(loadConfig({ ...base, LOG_FORMAT: 'json' }).log) as object).not.toHaveProperty('transport');
  });
});
