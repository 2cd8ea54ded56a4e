/**
 * `npm run -s token -- --sub <client-id> --scope "<scopes>" [--commune 00004] [--ttl 3600]`
 * Prints a development access token (only the token) on stdout; see libs/auth/token-command.ts.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { runTokenCli } from '@motlan/auth/token-command.js';

export { runTokenCli };

/** True when this file is the process entry point (not imported by a test or another module). */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  runTokenCli(process.argv.slice(2), process.env, process.stdout, process.stderr).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
