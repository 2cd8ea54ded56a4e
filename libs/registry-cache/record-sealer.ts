import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Protects cached personal data at rest in a shared store (Redis): values are sealed with
 * AES-256-GCM (the key's hash as additional data, so a value cannot be moved under another key),
 * and keys are a keyed hash of the record's identity, so a dump shows no names and no CCCD numbers.
 * Both keys are derived (HKDF-SHA256) from one configured 32-byte secret.
 */
export class RecordSealer {
  private readonly encryptionKey: Buffer;
  private readonly keyHashKey: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new RangeError('cache secret must be at least 32 bytes');
    this.encryptionKey = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'motlan cache encryption v1', 32));
    this.keyHashKey = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'motlan cache key hash v1', 32));
  }

  /** 128-bit keyed hash of an identity string, base64url (22 characters). */
  hashKey(identity: string): string {
    return createHmac('sha256', this.keyHashKey).update(identity).digest().subarray(0, 16).toString('base64url');
  }

  /** version(1) | iv(12) | tag(16) | ciphertext */
  seal(plaintext: string, keyHash: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(Buffer.from(keyHash));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(1), iv, cipher.getAuthTag(), body]);
  }

  /** Plaintext, or throws when the value was altered, moved to another key or sealed with another secret. */
  open(sealed: Buffer, keyHash: string): string {
    if (sealed.length < 29 || sealed[0] !== 1) throw new Error('unknown sealed value format');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, sealed.subarray(1, 13));
    decipher.setAAD(Buffer.from(keyHash));
    decipher.setAuthTag(sealed.subarray(13, 29));
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
  }
}
