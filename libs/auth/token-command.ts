/**
 * The `token` command: issues a development client token for the embedded profile. Lives in the
 * library (not the gateway app) so that it is testable as a function; the gateway's
 * `src/cli/token.cli.ts` only wires it to the process.
 */
import { parseArgs } from 'node:util';
import { resolveDataDir } from './data-dir.js';
import { DEFAULT_DEV_ISSUER, DEFAULT_TOKEN_AUDIENCE, DevTokenIssuer, DEFAULT_DEV_TOKEN_TTL_SEC, MAX_DEV_TOKEN_TTL_SEC } from './dev-token-issuer.js';

/** Where the command writes: `process.stdout`/`process.stderr` or a test buffer. */
export interface TextSink {
  write(text: string): unknown;
}

export const TOKEN_CLI_USAGE = `Usage: npm run -s token -- --sub <client-id> --scope "<scopes>" [--commune <code>] [--ttl <seconds>]

Issues a development access token signed by the local dev issuer (<data dir>/dev-issuer/) and
prints only the token, e.g.  TOKEN=$(npm run -s token -- --sub commune-00004 --scope "population:read")

  --sub <client-id>    client id (token "sub"), required
  --scope "<scopes>"   space-separated scopes, required
  --commune <code>     5-digit commune code the client acts for (claim "commune")
  --ttl <seconds>      lifetime, 1..${MAX_DEV_TOKEN_TTL_SEC}, default ${DEFAULT_DEV_TOKEN_TTL_SEC}
  -h, --help           this help

Environment: MOTLAN_DATA_DIR (default .data), MOTLAN_TOKEN_ISSUER (default ${DEFAULT_DEV_ISSUER}),
MOTLAN_TOKEN_AUDIENCE (default ${DEFAULT_TOKEN_AUDIENCE}).
`;

class UsageError extends Error {}

/**
 * Runs the command. Resolves to the exit code: 0 on success (token and a newline on `stdout`),
 * 2 on bad arguments (message and usage on `stderr`), 1 when the token could not be issued.
 */
export async function runTokenCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  stdout: TextSink,
  stderr: TextSink,
  cwd: string = process.cwd(),
): Promise<number> {
  let request: { sub: string; scope: string; commune?: string; ttlSec: number } | undefined;
  try {
    request = parseTokenArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(`token: ${error.message}\n\n${TOKEN_CLI_USAGE}`);
    return 2;
  }
  if (request === undefined) {
    stderr.write(TOKEN_CLI_USAGE);
    return 0;
  }
  try {
    const issuer = new DevTokenIssuer({ dataDir: resolveDataDir(env, cwd) });
    const token = await issuer.issue({
      ...request,
      issuer: env.MOTLAN_TOKEN_ISSUER || DEFAULT_DEV_ISSUER,
      audience: env.MOTLAN_TOKEN_AUDIENCE || DEFAULT_TOKEN_AUDIENCE,
    });
    stdout.write(`${token}\n`);
    return 0;
  } catch (error) {
    stderr.write(`token: could not issue a token: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** Parsed request, or undefined when help was asked for. */
function parseTokenArgs(argv: readonly string[]): { sub: string; scope: string; commune?: string; ttlSec: number } | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        sub: { type: 'string' },
        scope: { type: 'string' },
        commune: { type: 'string' },
        ttl: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    // Unknown options and missing values come as ERR_PARSE_ARGS_* errors.
    if (String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const sub = values.sub?.trim();
  if (!sub) throw new UsageError('--sub <client-id> is required');
  const scope = values.scope?.trim();
  if (!scope) throw new UsageError('--scope "<scopes>" is required');
  const commune = values.commune;
  if (commune !== undefined && !/^\d{5}$/.test(commune)) throw new UsageError('--commune must be a 5-digit commune code, e.g. 00004');
  let ttlSec = DEFAULT_DEV_TOKEN_TTL_SEC;
  if (values.ttl !== undefined) {
    ttlSec = /^\d+$/.test(values.ttl) ? Number(values.ttl) : Number.NaN;
    if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > MAX_DEV_TOKEN_TTL_SEC) {
      throw new UsageError(`--ttl must be a whole number of seconds between 1 and ${MAX_DEV_TOKEN_TTL_SEC}`);
    }
  }
  return { sub, scope, ttlSec, ...(commune !== undefined ? { commune } : {}) };
}
