import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 s steps. */
const ALGORITHM = 'SHA1';
const DIGITS = 6;
const PERIOD = 30;
/** Steps accepted either side of now, for clocks that drift and people who type slowly. */
const WINDOW = 1;
/** RFC 4226 asks for at least 128 bits and recommends 160. */
const SECRET_BYTES = 20;

/** A new TOTP secret: 20 random bytes. */
export function newTotpSecret(): Buffer {
  return randomBytes(SECRET_BYTES);
}

/** The secret as people type it into an app: RFC 4648 base32. */
export function base32(secret: Buffer): string {
  return toSecret(secret).base32;
}

/** `otpauth://totp/<issuer>:<account>?secret=…&issuer=<issuer>&…`, the URI a QR code carries. */
export function totpUri(secret: Buffer, issuer: string, account: string): string {
  return new TOTP({ issuer, label: account, secret: toSecret(secret), algorithm: ALGORITHM, digits: DIGITS, period: PERIOD }).toString();
}

/** The URI as an SVG QR code, drawn here: the secret never leaves for a QR service. */
export function qrCodeSvg(uri: string): string {
  return renderSVG(uri, { ecc: 'M', border: 2 });
}

/**
 * The time step (`floor(unix seconds / 30)`) whose code `code` is, within ±1 step of `now`;
 * null when it is none of them. The caller accepts the step once (replays are refused).
 */
export function matchTotp(secret: Buffer, code: string, now: number = Date.now()): number | null {
  const delta = TOTP.validate({ token: code, secret: toSecret(secret), algorithm: ALGORITHM, digits: DIGITS, period: PERIOD, timestamp: now, window: WINDOW });
  return delta === null ? null : TOTP.counter({ period: PERIOD, timestamp: now }) + delta;
}

function toSecret(secret: Buffer): Secret {
  return new Secret({ buffer: Uint8Array.from(secret).buffer });
}
