import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { ARCHIVE_SHARE_ID_PATTERN, parseContent, SHARE_REFERENCE_PATTERN, type ArchiveContent } from './archive-item.js';

/**
 * What a share reference carries, sealed: only the gateway can read or make one. Just enough to
 * find the share and to refuse an expired one without asking the store; the commune, dossier and
 * item it opens are the stored share's (the store is written by the gateway alone). Kept small on
 * purpose: a reference travels in a URL path, and in a QR code on the citizen's phone.
 */
export interface ShareReferencePayload {
  /** Share id (`shr_` + 16 random bytes). */
  shareId: string;
  /** The citizen's personal id (12 digits): the redemption is written to their access log. */
  subjectId: string;
  /** Epoch ms: refused from then on. */
  validUntilMs: number;
}

/**
 * The archive's cryptography, every key derived (HKDF-SHA256, labels of their own) from the one
 * configured 32-byte secret the instances share (the cache secret):
 * - `subjectKey`: a keyed hash of the citizen's personal id, the only form of it a store keeps;
 * - `itemId`: a keyed hash of the citizen and the item's identity, so the same evidence archived
 *   twice (signatures are reused) is one item, and ids reveal nothing;
 * - `seal`/`open`: AES-256-GCM of an item's content, bound (additional data) to its citizen and id,
 *   so a sealed value moved to another citizen or item does not open;
 * - `shareReference`/`openShareReference`: AES-256-GCM of a share, so a commune holds a reference it
 *   can neither read (it names the citizen) nor alter (any change fails to open).
 */
export class ArchiveSealer {
  private readonly contentKey: Buffer;
  private readonly subjectHashKey: Buffer;
  private readonly itemHashKey: Buffer;
  private readonly shareKey: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new RangeError('archive secret must be at least 32 bytes');
    const derive = (label: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), label, 32));
    this.contentKey = derive('motlan archive content v1');
    this.subjectHashKey = derive('motlan archive subject v1');
    this.itemHashKey = derive('motlan archive item id v1');
    this.shareKey = derive('motlan archive share reference v1');
  }

  /** 128-bit keyed hash of the citizen's personal id, base64url (22 characters). */
  subjectKey(subjectId: string): string {
    return createHmac('sha256', this.subjectHashKey).update(subjectId).digest().subarray(0, 16).toString('base64url');
  }

  /** `arc_` + a keyed hash of the citizen and the item's identity (e.g. the evidence JWS). */
  itemId(subjectKey: string, identity: string): string {
    return `arc_${createHmac('sha256', this.itemHashKey).update(`${subjectKey}\n${identity}`).digest().subarray(0, 16).toString('base64url')}`;
  }

  /** iv(12) | tag(16) | ciphertext, base64url. */
  seal(content: ArchiveContent, subjectKey: string, itemId: string): string {
    return encrypt(this.contentKey, JSON.stringify(content), `${subjectKey}\n${itemId}`).toString('base64url');
  }

  /** The content, or null when the value was altered, moved to another citizen or item, or sealed with another secret. */
  open(sealed: string, subjectKey: string, itemId: string): ArchiveContent | null {
    const text = decrypt(this.contentKey, Buffer.from(sealed, 'base64url'), `${subjectKey}\n${itemId}`);
    if (text === null) return null;
    try {
      return parseContent(JSON.parse(text));
    } catch {
      return null;
    }
  }

  /** `shr1.` + the sealed share: 16 bytes of share id, 5 of personal id, 6 of validity, sealed (79 characters in all). */
  shareReference(payload: ShareReferencePayload): string {
    const shareId = Buffer.from(payload.shareId.slice(4), 'base64url');
    if (!ARCHIVE_SHARE_ID_PATTERN.test(payload.shareId) || shareId.length !== 16) throw new RangeError('not a share id');
    if (!/^\d{12}$/.test(payload.subjectId)) throw new RangeError('a share reference names a 12-digit personal id');
    const body = Buffer.alloc(27);
    shareId.copy(body, 0);
    body.writeUIntBE(Number(payload.subjectId), 16, 5);
    body.writeUIntBE(payload.validUntilMs, 21, 6);
    return `shr1.${encrypt(this.shareKey, body, 'share').toString('base64url')}`;
  }

  /** The share a reference carries, or null when it is not one this gateway made, or was altered. */
  openShareReference(reference: string): ShareReferencePayload | null {
    if (!SHARE_REFERENCE_PATTERN.test(reference)) return null;
    const body = decryptBytes(this.shareKey, Buffer.from(reference.slice(5), 'base64url'), 'share');
    if (body === null || body.length !== 27) return null;
    return {
      shareId: `shr_${body.subarray(0, 16).toString('base64url')}`,
      subjectId: String(body.readUIntBE(16, 5)).padStart(12, '0'),
      validUntilMs: body.readUIntBE(21, 6),
    };
  }
}

function encrypt(key: Buffer, plaintext: string | Buffer, aad: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function decrypt(key: Buffer, sealed: Buffer, aad: string): string | null {
  return decryptBytes(key, sealed, aad)?.toString('utf8') ?? null;
}

function decryptBytes(key: Buffer, sealed: Buffer, aad: string): Buffer | null {
  if (sealed.length < 29) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
  } catch {
    return null;
  }
}
