/**
 * `npm run -s motlan -- adapters register|update|list|show|health|remove …`: the operator CLI
 * (see motlan-command.ts).
 */
import { runIfEntryPoint } from './cli-entry.js';
import { runMotlanCli } from './motlan-command.js';

runIfEntryPoint(import.meta.url, 'motlan', (argv, env, stdout, stderr) => runMotlanCli(argv, env, stdout, stderr));
