import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Environment variable naming another procedure catalog file than the shipped one. */
export const PROCEDURE_CATALOG_ENV = 'MOTLAN_PROCEDURE_CATALOG';

/** The shipped catalog, relative to the repository (or installation) root. */
export const SHIPPED_CATALOG = path.join('deploy', 'catalog', 'procedures.v1.json');

/**
 * The shipped catalog: the first deploy/catalog/procedures.v1.json above this file (sources and
 * dist/ both live under the project root), so the gateway finds it whether started from the root,
 * from dist/ or by the launcher, and never picks up a file above the checkout from the working
 * directory. When none exists, the path under the working directory, so the start-up error names
 * where it was expected.
 */
export function defaultProcedureCatalogFile(): string {
  for (const start of [path.dirname(fileURLToPath(import.meta.url))]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, SHIPPED_CATALOG);
      if (existsSync(candidate)) return candidate;
      if (path.dirname(dir) === dir) break;
    }
  }
  return path.resolve(SHIPPED_CATALOG);
}
