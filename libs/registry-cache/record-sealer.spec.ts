import { randomBytes } from 'node:crypto';
import { RecordSealer } from './record-sealer.js';

describe('RecordSealer', () => {
  const sealer = new RecordSealer(randomBytes(32));

  it('round-trips and hides the plaintext', () => {
    const keyHash = sealer.hashKey('population\x00person\x00001099012345');
    const sealed = sealer.seal('{"fullName":"Nguyễn Văn An","personId":"001099012345"}', keyHash);
    expect(sealed.toString('latin1')).not.toContain('001099012345');
    expect(sealed.toString('utf8')).not.toContain('Nguy');
    expect(sealer.open(sealed, keyHash)).toContain('Nguyễn Văn An');
  });

  it('hashes keys without revealing the identity, stably', () => {
    const a = sealer.hashKey('population\x00person\x00001099012345');
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a).toBe(sealer.hashKey('population\x00person\x00001099012345'));
    expect(a).not.toBe(sealer.hashKey('population\x00person\x00001099012346'));
    expect(new RecordSealer(randomBytes(32)).hashKey('population\x00person\x00001099012345')).not.toBe(a);
  });

  it('refuses altered values, values moved to another key and other secrets', () => {
    const keyHash = sealer.hashKey('k1');
    const sealed = sealer.seal('secret', keyHash);
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] ^= 1;
    expect(() => sealer.open(altered, keyHash)).toThrow();
    expect(() => sealer.open(sealed, sealer.hashKey('k2'))).toThrow();
    expect(() => new RecordSealer(randomBytes(32)).open(sealed, keyHash)).toThrow();
    expect(() => new RecordSealer(randomBytes(16))).toThrow(RangeError);
  });
});
