import { Secret, TOTP } from 'otpauth';
import { TOKEN_FIELDS, bearer, type TokenPayload } from '../support/flows';
import type { GraphqlResponse, TestServer } from '../support/server';

export const START = `mutation { startTotpEnrollment { secret uri qrCodeSvg } }`;
export const CONFIRM = `mutation Confirm($code: String!) { confirmTotpEnrollment(code: $code) }`;
export const DISABLE = `mutation { disableTotp }`;
export const REGENERATE = `mutation { regenerateRecoveryCodes }`;
export const VERIFY_MFA = `mutation VerifyMfa($input: VerifyMfaInput!) { verifyMfa(input: $input) { ${TOKEN_FIELDS} } }`;
export const REAUTHENTICATE = `mutation Reauth($input: ReauthenticateInput!) { reauthenticate(input: $input) { ${TOKEN_FIELDS} } }`;
export const MFA_STATUS = `query { me { mfa { totp passkeys recoveryCodesLeft } } }`;

const PERIOD_MS = 30_000;
/** How long before a step ends its predecessor's code is no longer handed out. */
const SPARE_MS = 5000;

/**
 * An authenticator app, as the test's own: it computes codes with otpauth from the base32 secret
 * the server showed, and never offers a time step twice (the server refuses replays).
 */
export class Authenticator {
  private lastStep = -Infinity;

  constructor(readonly secret: string) {}

  /** A code the server accepts once: the earliest unused step within ±1 of now, waiting for the clock if none is left. */
  async nextCode(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const current = Math.floor(now / PERIOD_MS);
      // The previous step only with time to spare before the next one begins, so the code is not
      // two steps old on arrival (it was taken with 0.1 s left once, and refused on a loaded run).
      const earliest = PERIOD_MS - (now % PERIOD_MS) > SPARE_MS ? current - 1 : current;
      const step = Math.max(this.lastStep + 1, earliest);
      if (step <= current + 1) {
        this.lastStep = step;
        return this.codeAt(step);
      }
      await new Promise((resolve) => setTimeout(resolve, PERIOD_MS - (now % PERIOD_MS) + 100));
    }
  }

  /** The code of a given time step (for replays). */
  codeAt(step: number): string {
    return TOTP.generate({ secret: Secret.fromBase32(this.secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: step * PERIOD_MS });
  }

  /** The step of the code handed out last. */
  get last(): number {
    return this.lastStep;
  }
}

/** Enrols TOTP for a signed-in account through the API; returns its app and its recovery codes. */
export async function enrollTotp(
  server: TestServer,
  accessToken: string,
): Promise<{ app: Authenticator; recoveryCodes: string[]; uri: string; qrCodeSvg: string }> {
  const started = await server.gql<{ startTotpEnrollment: { secret: string; uri: string; qrCodeSvg: string } }>(START, {}, bearer(accessToken));
  if (!started.data) throw new Error(`startTotpEnrollment failed: ${JSON.stringify(started.errors)}`);
  const { secret, uri, qrCodeSvg } = started.data.startTotpEnrollment;
  const app = new Authenticator(secret);
  const confirmed = await server.gql<{ confirmTotpEnrollment: string[] }>(CONFIRM, { code: await app.nextCode() }, bearer(accessToken));
  if (!confirmed.data) throw new Error(`confirmTotpEnrollment failed: ${JSON.stringify(confirmed.errors)}`);
  return { app, recoveryCodes: confirmed.data.confirmTotpEnrollment, uri, qrCodeSvg };
}

/** The mfaToken of an MFA_REQUIRED answer. */
export function mfaTokenOf(response: GraphqlResponse): string {
  const error = response.errors?.[0];
  if (error?.extensions?.code !== 'MFA_REQUIRED') throw new Error(`expected MFA_REQUIRED, got ${JSON.stringify(response.errors ?? response.data)}`);
  return error.extensions.mfaToken as string;
}

export async function verifyMfa(server: TestServer, mfaToken: string, code: string): Promise<GraphqlResponse<{ verifyMfa: TokenPayload }>> {
  return server.gql<{ verifyMfa: TokenPayload }>(VERIFY_MFA, { input: { mfaToken, code } });
}

/** The claims of an access token (no verification: the test only reads what the server wrote). */
export function claimsOf(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Rows of one SQL query on the test server's database. */
export async function query<T = Record<string, unknown>>(server: TestServer, text: string, params: unknown[] = []): Promise<T[]> {
  return server.app.orm.em.fork().getConnection().execute<T[]>(text, params);
}
