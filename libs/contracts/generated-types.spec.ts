import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) =>
    statSync(path.join(dir, name)).isDirectory() ? files(path.join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`],
  );
}

describe('generated contract types', () => {
  it('are what `npm run proto:gen` makes from proto/ now (regenerate and commit after a contract change)', () => {
    const script = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['proto:gen'];
    const out = mkdtempSync(path.join(tmpdir(), 'proto-gen-'));
    const args = script
      .split(/\s+/)
      .slice(1)
      .map((arg) => (arg === 'libs/contracts/generated' ? out : arg));
    execFileSync(path.join(root, 'node_modules', '.bin', 'proto-loader-gen-types'), args, { cwd: root, stdio: 'pipe' });
    const committed = path.join(root, 'libs', 'contracts', 'generated');
    expect(files(out).sort()).toEqual(files(committed).sort());
    for (const file of files(out)) {
      expect({ file, text: readFileSync(path.join(committed, file), 'utf8') }).toEqual({ file, text: readFileSync(path.join(out, file), 'utf8') });
    }
  });
});
