import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The page's real files, checked without a browser (test/e2e/ops-page.e2e.spec.ts drives Chromium):
// the script finds every element it asks for, nothing inline the CSP would block, modules the
// browser can load as they are, API values written as text only.
const WEB = path.join(import.meta.dirname, 'web');
const LIBS = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'libs');
const html = readFileSync(path.join(WEB, 'ops.html'), 'utf8');
const css = readFileSync(path.join(WEB, 'ops.css'), 'utf8');
const scripts = new Map(
  readdirSync(WEB)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => [name, readFileSync(path.join(WEB, name), 'utf8')]),
);
const allScript = [...scripts.values()].join('\n');

/** The tag of each element of the skeleton, by id. */
const elements = new Map([...html.matchAll(/<([a-z][a-z0-9]*)\b[^>]*\sid="([^"]+)"/g)].map((m) => [m[2], m[1]]));
const TAG_OF_TYPE: Record<string, string> = { HTMLTableElement: 'table', HTMLInputElement: 'input', HTMLButtonElement: 'button' };

describe('ops page files', () => {
  it('every element the script looks up by id is in the page, with the element type it expects', () => {
    const lookups = [...allScript.matchAll(/\$(?:<(\w+)>)?\('([^']+)'\)/g)].map((m) => ({ type: m[1], id: m[2] }));
    expect(lookups.length).toBeGreaterThan(20);
    for (const { type, id } of lookups) {
      expect([id, elements.has(id)]).toEqual([id, true]);
      if (type) expect([id, elements.get(id)]).toEqual([id, TAG_OF_TYPE[type]]);
    }
    // Ids the script writes into aria attributes of the page must exist too.
    for (const m of allScript.matchAll(/'aria-controls': '([^']+)'/g)) expect(elements.has(m[1])).toBe(true);
  });

  it('loads only its own module script and style, with nothing inline the CSP would block', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect([...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => [m[1].trim(), m[2]])).toEqual([['type="module" src="/ops/ops.js"', '']]);
    expect([...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1])).toEqual(['/ops/ops.css']);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    for (const text of [html, css, allScript]) expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(css).not.toMatch(/@import|url\(/);
  });

  it('imports only modules of the page, by the URL the browser resolves (./name.js beside ops.js)', () => {
    expect(scripts.has('ops.ts')).toBe(true);
    for (const [name, source] of scripts) {
      for (const m of source.matchAll(/^(import|export)(\s+type)?\b[^;]*?\bfrom '([^']+)'/gm)) {
        const [, , typeOnly, from] = m;
        // The API's answer types come from the server's types-only modules; `import type` is erased,
        // so the browser never asks for them.
        if (typeOnly && /^@motlan\/[a-z0-9-]+\/[a-z0-9.-]+\.types\.js$/.test(from)) continue;
        const target = /^\.\/([a-z0-9-]+)\.js$/.exec(from);
        expect([name, from, target !== null && scripts.has(`${target[1]}.ts`)]).toEqual([name, from, true]);
      }
    }
  });

  it("types the API answers with the server's types-only modules, which hold no code", () => {
    const shared = new Set([...allScript.matchAll(/^import type\b[^;]*?\bfrom '@motlan\/([^']+)\.js'/gm)].map((m) => m[1]));
    expect(shared.size).toBeGreaterThanOrEqual(5);
    for (const module of shared) {
      const source = readFileSync(path.join(LIBS, `${module}.ts`), 'utf8');
      expect([module, source.match(/^export\s+(?!type\b|interface\b)\S+/m)]).toEqual([module, null]);
      expect([module, source.match(/^import\s+(?!type\b)/m)]).toEqual([module, null]);
    }
  });

  it('writes API values as text, never as markup', () => {
    expect(allScript).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });
});
