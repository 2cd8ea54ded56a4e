import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createFileExclusive } from '@motlan/files/atomic-file.js';

/**
 * Reads a 32-byte secret (base64) from a file, creating it for development when absent. Several
 * gateway processes may start together: exactly one creates it, everyone reads the same secret.
 */
export async function loadOrCreateSecret(file: string): Promise<Buffer> {
  await mkdir(path.dirname(file), { recursive: true });
  await createFileExclusive(file, randomBytes(32).toString('base64') + '\n', 0o600);
  const secret = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (secret.length < 32) throw new Error(`${file} must hold at least 32 bytes, base64-encoded`);
  return secret;
}

/** A secret given inline (base64, from the environment) or in a file (created for development when absent). */
export async function secretOf(secret: { base64: string } | { file: string }): Promise<Buffer> {
  return 'base64' in secret ? Buffer.from(secret.base64, 'base64') : loadOrCreateSecret(secret.file);
}
