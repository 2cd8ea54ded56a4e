/**
 * Where Motlan keeps local state (dev issuer keys, evidence keys, ...): one directory so that a
 * developer can wipe it, and a container can mount it as a single volume.
 */
import { resolve } from 'node:path';

/** Default data directory, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.data';

/** Environment variable that overrides {@link DEFAULT_DATA_DIR}. */
export const DATA_DIR_ENV = 'MOTLAN_DATA_DIR';

/**
 * Absolute data directory from `MOTLAN_DATA_DIR` (relative values are resolved against `cwd`),
 * falling back to `.data` under `cwd`.
 */
export function resolveDataDir(env: Readonly<Record<string, string | undefined>> = process.env, cwd: string = process.cwd()): string {
  const configured = env[DATA_DIR_ENV]?.trim();
  return resolve(cwd, configured ? configured : DEFAULT_DATA_DIR);
}
