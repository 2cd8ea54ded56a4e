import { randomBytes } from 'node:crypto';
import { ArchiveSealer } from './archive-sealer.js';
import type { ArchiveContent } from './archive-item.js';

const content: ArchiveContent = {
  kind: 'result',
  dossierId: 'H01.22-261123-0001',
  communeCode: '00004',
  procedureCode: '1.004222',
  sequence: 3,
  issuedAt: '2026-12-06T10:00:00.000Z',
  documents: [{ code: 'KQ01', name: 'Giấy xác nhận', url: null }],
};

describe('ArchiveSealer', () => {
  const sealer = new ArchiveSealer(randomBytes(32));

  it('hashes citizens and items with keys of its own: stable, and nothing of the input shows', () => {
    const key = sealer.subjectKey('001099012345');
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(sealer.subjectKey('001099012345')).toBe(key);
    expect(new ArchiveSealer(randomBytes(32)).subjectKey('001099012345')).not.toBe(key);
    const id = sealer.itemId(key, 'evidence\nabc');
    expect(id).toMatch(/^arc_[A-Za-z0-9_-]{22}$/);
    expect(sealer.itemId(key, 'evidence\nabc')).toBe(id);
    expect(sealer.itemId(sealer.subjectKey('079203000111'), 'evidence\nabc')).not.toBe(id);
  });

  it('opens what it sealed only for the same citizen and item, and nothing altered', () => {
    const sealed = sealer.seal(content, 'k1', 'arc_1');
    expect(sealed).not.toContain('KQ01');
    expect(sealer.open(sealed, 'k1', 'arc_1')).toEqual(content);
    expect(sealer.open(sealed, 'k2', 'arc_1')).toBeNull();
    expect(sealer.open(sealed, 'k1', 'arc_2')).toBeNull();
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1] ^= 1;
    expect(sealer.open(bytes.toString('base64url'), 'k1', 'arc_1')).toBeNull();
    expect(new ArchiveSealer(randomBytes(32)).open(sealed, 'k1', 'arc_1')).toBeNull();
  });

  it('makes share references only it can read, and refuses any altered one', () => {
    const payload = { shareId: 'shr_AAAAAAAAAAAAAAAAAAAAAA', subjectId: '001099012345', validUntilMs: 1_800_000_000_123 };
    const reference = sealer.shareReference(payload);
    // Short enough for a URL path segment (100 characters at most) and a small QR code.
    expect(reference).toMatch(/^shr1\.[A-Za-z0-9_-]{74}$/);
    expect(reference).not.toContain('001099012345');
    expect(sealer.openShareReference(reference)).toEqual(payload);
    for (let i = 5; i < reference.length - 1; i += 7) {
      const flipped = reference.slice(0, i) + (reference[i] === 'A' ? 'B' : 'A') + reference.slice(i + 1);
      expect(sealer.openShareReference(flipped)).toBeNull();
    }
    expect(sealer.openShareReference(reference.slice(0, -4))).toBeNull();
    expect(sealer.openShareReference('shr1.' + 'A'.repeat(74))).toBeNull();
    expect(() => sealer.shareReference({ ...payload, subjectId: '79-001-0001' })).toThrow(RangeError);
    expect(sealer.openShareReference('not a reference')).toBeNull();
    expect(new ArchiveSealer(randomBytes(32)).openShareReference(reference)).toBeNull();
  });
});
