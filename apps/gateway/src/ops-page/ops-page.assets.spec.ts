import { Script } from 'node:vm';
import { OPS_HTML } from './ops-page.html.js';
import { OPS_JS } from './ops-page.script.js';
import { OPS_CSS } from './ops-page.style.js';

// The browser test (test/e2e/ops-page.e2e.spec.ts) needs Chromium; these checks catch the usual
// breakages of string-held assets without it.
describe('ops page assets', () => {
  it('the script is valid JavaScript (String.raw kept it intact)', () => {
    expect(() => new Script(OPS_JS, { filename: 'ops.js' })).not.toThrow();
    expect(OPS_JS).toContain(String.raw`/^Bearer\s+/i`);
  });

  it('the page loads only its own script and style, with nothing inline the CSP would block', () => {
    expect(OPS_HTML.startsWith('<!doctype html>')).toBe(true);
    expect(OPS_HTML).toContain('<meta charset="utf-8">');
    expect([...OPS_HTML.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => [m[0].match(/src="([^"]+)"/)?.[1], m[1]])).toEqual([['/ops/ops.js', '']]);
    expect([...OPS_HTML.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1])).toEqual(['/ops/ops.css']);
    expect(OPS_HTML).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    for (const asset of [OPS_HTML, OPS_JS, OPS_CSS]) expect(asset).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('the script writes API values as text, never as markup', () => {
    expect(OPS_JS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });
});
