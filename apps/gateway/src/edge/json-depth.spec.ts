import { jsonTooDeep, MAX_JSON_DEPTH } from './json-depth.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('jsonTooDeep', () => {
  it('counts nested objects and arrays, up to the limit inclusive', () => {
    expect(jsonTooDeep(bytes('{"a":'.repeat(MAX_JSON_DEPTH) + '1' + '}'.repeat(MAX_JSON_DEPTH)))).toBe(false);
    expect(jsonTooDeep(bytes('{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1)))).toBe(true);
    expect(jsonTooDeep(bytes('[{"a":['.repeat(11) + ']}]'.repeat(11)))).toBe(true);
  });

  it('measures depth, not how many containers there are', () => {
    expect(jsonTooDeep(bytes(`[${'{"a":[1]},'.repeat(5000)}{}]`))).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included, and multi-byte text', () => {
    const inString = JSON.stringify({ text: '{['.repeat(1000) + '\\"{[' + 'đăng ký {['.repeat(100) });
    expect(jsonTooDeep(bytes(inString))).toBe(false);
  });

  it('scans 20,000 levels without recursion', () => {
    expect(jsonTooDeep(bytes('['.repeat(20_000) + ']'.repeat(20_000)))).toBe(true);
  });
});
