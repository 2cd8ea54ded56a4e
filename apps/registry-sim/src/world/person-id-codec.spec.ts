import { parseCccd } from '@motlan/identifiers/subject-id.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { GROUP_SIZE, PersonIdCodec, type Sex } from './person-id-codec.js';

const codes = VnAdminDirectory.load({ env: {} }).cccdProvinceCodes();
/** Arbitrary but varied attributes: the codec must work for any sex and year the planner picks. */
const sexOf = (i: number): Sex => (i % 3 === 0 ? 'female' : 'male');
const yearOf = (i: number): number => 1920 + ((i * 7) % 105);

describe('PersonIdCodec', () => {
  const codec = new PersonIdCodec(1, codes, 1_000_000);

  it('addresses 1,000,000 persons, bijectively: every index encodes to an id that decodes back to it', () => {
    expect(codec.personCount).toBe(1_000_000);
    expect(codec.maxPersons).toBeGreaterThan(10_000_000);
    for (let i = 0; i < codec.personCount; i++) {
      const id = codec.encode(i, sexOf(i), yearOf(i));
      const decoded = codec.decode(id);
      // decode(encode(i)) = i for all i makes encode injective: no two persons share an id.
      if (decoded?.index !== i) throw new Error(`index ${i} -> ${id} -> ${decoded?.index}`);
    }
  });

  it('writes the birth province, century/sex digit and birth year the way a CCCD does', () => {
    const wrong: string[] = [];
    for (let i = 0; i < 1_000_000; i += 997) {
      const id = codec.encode(i, sexOf(i), yearOf(i));
      const parts = parseCccd(id);
      const decoded = codec.decode(id);
      const ok =
        parts !== null &&
        parts.sex === sexOf(i) &&
        parts.birthYear === yearOf(i) &&
        parts.birthProvinceCode === codes[codec.provinceIndexOfGroup(Math.floor(i / GROUP_SIZE))] &&
        decoded?.sex === sexOf(i) &&
        decoded.birthYear === yearOf(i) &&
        decoded.slot === i % GROUP_SIZE;
      if (!ok) wrong.push(`${i} -> ${id}`);
    }
    expect(wrong).toEqual([]);
  });

  it('spreads serials over the whole 6-digit space and depends on the seed', () => {
    const serials = new Set<string>();
    for (let i = 0; i < 2000; i++) serials.add(codec.encode(i * 499, 'male', 1990).slice(6, 8));
    expect(serials.size).toBeGreaterThan(90); // leading serial digits look random, not sequential
    const other = new PersonIdCodec(2, codes, 1_000_000);
    expect(other.encode(12345, 'male', 1990)).not.toBe(codec.encode(12345, 'male', 1990));
    expect(other.decode(other.encode(12345, 'male', 1990))?.index).toBe(12345);
  });

  it('rejects ids that cannot be ours in O(1)', () => {
    expect(codec.decode('999085012345')).toBeNull(); // not a CCCD province
    expect(codec.decode('001685012345')).toBeNull(); // century digit 6
    expect(codec.decode('00108501234')).toBeNull();
    expect(codec.decode('00108501234a')).toBeNull();
    // With a small population most serials of a block belong to groups beyond it.
    const small = new PersonIdCodec(1, codes, 1000);
    let beyond = 0;
    for (let serial = 0; serial < 1000; serial++) if (small.decode(`001085${String(serial * 997).padStart(6, '0')}`) === null) beyond++;
    expect(beyond).toBeGreaterThan(990);
  });

  it('finds the groups of a province and refuses impossible sizes', () => {
    const hanoi = codes.indexOf('001');
    const count = codec.groupCountInProvince(hanoi);
    let total = 0;
    for (let p = 0; p < codes.length; p++) total += codec.groupCountInProvince(p);
    expect(total).toBe(codec.groupCount);
    for (const k of [0, 1, 17, count - 1]) expect(codec.provinceIndexOfGroup(codec.groupInProvince(hanoi, k))).toBe(hanoi);
    expect(codec.groupInProvince(hanoi, count - 1)).toBeLessThan(codec.groupCount);
    expect(() => new PersonIdCodec(1, codes, codec.maxPersons + 1)).toThrow(RangeError);
    expect(() => codec.encode(codec.personCount, 'male', 1990)).toThrow(RangeError);
    expect(new PersonIdCodec(1, codes, 1001).personCount).toBe(1008);
  });
});
