import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals the code an outbox row carries until it is sent, so a database dump or backup taken
 * meanwhile does not hold live codes. The row id is bound in as associated data: a sealed
 * code copied onto another row does not open.
 */
export class CodeSeal {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    // A key of its own, so this use of CODE_SECRET can never collide with the code HMAC.
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'girok mail outbox code', 32));
  }

  seal(rowId: string, code: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(rowId));
    const body = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** Throws when the box was sealed under another CODE_SECRET or for another row. */
  open(rowId: string, sealed: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(rowId));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  }
}
