import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The one AEAD of the product: AES-256-GCM under a key derived with HKDF-SHA256 from a secret
 * and a label, so one secret can key several uses that can never open each other's boxes.
 * A box is `iv (12) | tag (16) | ciphertext`. `context` is bound in as associated data: a box
 * sealed for one row does not open for another.
 */
export class Seal {
  private readonly key: Buffer;

  /** `label` names the use ("girok mail outbox code"); it is the HKDF info. */
  constructor(secret: Buffer | string, label: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), label, 32));
  }

  seal(plaintext: Buffer | string, context?: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    if (context !== undefined) cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** The plaintext, or null when the box was sealed under another key or context, or altered. */
  open(sealed: Buffer, context?: string): Buffer | null {
    if (sealed.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV_BYTES));
      if (context !== undefined) decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      return null;
    }
  }
}

/**
 * A seal across a key rotation: seals under the current key, opens under the current or the
 * previous one (ENCRYPTION_KEY / ENCRYPTION_KEY_PREVIOUS). `opened.stale` says the box should be
 * sealed again under the current key when next written.
 */
export class SealRing {
  private readonly current: Seal;
  private readonly previous: Seal | null;

  constructor(current: Buffer, previous: Buffer | null, label: string) {
    this.current = new Seal(current, label);
    this.previous = previous ? new Seal(previous, label) : null;
  }

  seal(plaintext: Buffer | string, context?: string): Buffer {
    return this.current.seal(plaintext, context);
  }

  open(sealed: Buffer, context?: string): { plaintext: Buffer; stale: boolean } | null {
    const fresh = this.current.open(sealed, context);
    if (fresh) return { plaintext: fresh, stale: false };
    const old = this.previous?.open(sealed, context);
    return old ? { plaintext: old, stale: true } : null;
  }
}
