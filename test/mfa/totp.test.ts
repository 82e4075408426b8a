import { matchTotp } from '../../src/mfa/totp';

// RFC 6238 appendix B, SHA-1 rows: the 20-byte ASCII seed "12345678901234567890". The RFC lists
// 8 digits; an app shows 6, the same truncated value mod 10^6, so the last six digits.
const SEED = Buffer.from('12345678901234567890', 'ascii');
const VECTORS: [seconds: number, eightDigits: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP verification (RFC 6238)', () => {
  it.each(VECTORS)('accepts the code of T=%i at its own time step', (seconds, code) => {
    expect(matchTotp(SEED, code.slice(2), seconds * 1000)).toBe(Math.floor(seconds / 30));
  });

  it('accepts a code one step either side of now, and names the step it belongs to', () => {
    const [seconds, code] = VECTORS[1];
    const step = Math.floor(seconds / 30);
    expect(matchTotp(SEED, code.slice(2), (seconds + 30) * 1000)).toBe(step);
    expect(matchTotp(SEED, code.slice(2), (seconds - 30) * 1000)).toBe(step);
  });

  it('refuses a code two steps away and a wrong code', () => {
    const [seconds, code] = VECTORS[1];
    expect(matchTotp(SEED, code.slice(2), (seconds + 60) * 1000)).toBeNull();
    expect(matchTotp(SEED, '000000', seconds * 1000)).toBeNull();
  });
});
