// Second half of `npm run build:ops-page` (tsc -p tsconfig.ops-page.json compiles the scripts):
// copies the page's other files (ops.html, ops.css) from web/ to where tsc put the scripts, so the
// built page is one directory that ops-page.plugin.ts serves.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const source = path.join(import.meta.dirname, 'web');
const root = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const target = path.join(root, 'dist', path.relative(root, source));

mkdirSync(target, { recursive: true });
for (const name of readdirSync(source)) {
  if (!name.endsWith('.ts')) copyFileSync(path.join(source, name), path.join(target, name));
}
