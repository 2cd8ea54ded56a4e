/**
 * The /ops page's browser code is TypeScript compiled into dist/ (npm run build:ops-page); a
 * gateway running from the TypeScript sources serves it from there (see ops-page.plugin.ts). Tests
 * that open the page build it first, unless every built file is newer than its source.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SOURCE = path.join(ROOT, 'apps', 'gateway', 'src', 'ops-page', 'web');
const BUILT = path.join(ROOT, 'dist', 'apps', 'gateway', 'src', 'ops-page', 'web');
let built = false;

function upToDate(): boolean {
  return readdirSync(SOURCE).every((name) => {
    const output = path.join(BUILT, name.replace(/\.ts$/, '.js'));
    return existsSync(output) && statSync(output).mtimeMs >= statSync(path.join(SOURCE, name)).mtimeMs;
  });
}

export function ensureOpsPageBuilt(): void {
  if (built || upToDate()) {
    built = true;
    return;
  }
  const result = spawnSync('npm', ['run', '-s', 'build:ops-page'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build:ops-page failed:\n${result.stdout}\n${result.stderr}`);
  built = true;
}
