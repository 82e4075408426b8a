import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startTestServer, errorCode, type TestServer } from '../support/server';
import { ME, bearer, createVerifiedUser, type TokenPayload } from '../support/flows';

let server: TestServer;
let token: TokenPayload;
beforeAll(async () => {
  server = await startTestServer();
  token = (await createVerifiedUser(server)).token;
});
afterAll(() => server?.close());

const SESSIONS = 'query { sessions { id current } }';
const decoded = () => jwt.decode(token.accessToken, { complete: true })!;
/** Signs like the server would, with any changes the test asks for. */
function sign(overrides: { payload?: object; header?: object; key?: Buffer; expiresIn?: number; algorithm?: jwt.Algorithm } = {}): string {
  const { header, payload } = decoded();
  const claims = { ...(payload as object), ...(overrides.payload ?? {}) } as Record<string, unknown>;
  delete claims.exp;
  if (overrides.expiresIn !== undefined) claims.exp = Math.floor(Date.now() / 1000) + overrides.expiresIn;
  return jwt.sign(claims, createSecretKey(overrides.key ?? server.app.config.jwt.secret), {
    algorithm: overrides.algorithm ?? 'HS256',
    header: { ...header, ...(overrides.header ?? {}) },
  });
}

describe('access token', () => {
  it('carries the documented claims and header', () => {
    const { header, payload } = decoded();
    expect(header).toMatchObject({ alg: 'HS256', typ: 'at+jwt' });
    expect(typeof header.kid).toBe('string');
    const claims = payload as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: token.user.id, iss: 'girok-auth', aud: 'girok' });
    expect(typeof claims.sid).toBe('string');
    expect(claims.exp! - claims.iat!).toBe(900);
  });

  it('is accepted when signed with the server key, as a downstream service would re-sign it', async () => {
    expect((await server.gql(ME, {}, bearer(sign({ expiresIn: 60 })))).data?.me.id).toBe(token.user.id);
  });

  it.each([
    ['forged with another secret', () => sign({ key: Buffer.alloc(48, 7), expiresIn: 60 })],
    ['expired', () => sign({ expiresIn: -10 })],
    ['of another audience', () => sign({ payload: { aud: 'someone-else' }, expiresIn: 60 })],
    ['of another issuer', () => sign({ payload: { iss: 'evil' }, expiresIn: 60 })],
    ['not typed at+jwt (an ID token, say)', () => sign({ header: { typ: 'JWT' }, expiresIn: 60 })],
    ['with an unknown kid', () => sign({ header: { kid: 'nope' }, expiresIn: 60 })],
    [
      'alg none',
      () => {
        const { header, payload } = decoded();
        const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
        return `${part({ ...header, alg: 'none' })}.${part(payload as object)}.`;
      },
    ],
    ['garbage', () => 'not.a.jwt'],
  ])('is refused when %s: me is null and protected fields are UNAUTHENTICATED', async (_label, make) => {
    const forged = make();
    expect((await server.gql(ME, {}, bearer(forged))).data?.me).toBeNull();
    expect(errorCode(await server.gql(SESSIONS, {}, bearer(forged)))).toBe('UNAUTHENTICATED');
  });

  it('without any token, me is null', async () => {
    const response = await server.gql(ME);
    expect(response.errors).toBeUndefined();
    expect(response.data?.me).toBeNull();
  });
});
