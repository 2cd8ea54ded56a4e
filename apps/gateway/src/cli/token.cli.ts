/**
 * `npm run -s token -- --sub <client-id> --scope "<scopes>" [--commune 00004] [--ttl 3600]`
 * `npm run -s token -- --citizen <12-digit personal id> [--ttl 3600]`
 * Prints a development client (or citizen) token, only the token, on stdout; see libs/auth/token-command.ts.
 */
import { runTokenCli } from '@motlan/auth/token-command.js';
import { runIfEntryPoint } from './cli-entry.js';

export { runTokenCli };

runIfEntryPoint(import.meta.url, 'token', (argv, env, stdout, stderr) => runTokenCli(argv, env, stdout, stderr));
