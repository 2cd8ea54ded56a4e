/**
 * The `token` command: issues a development client token for the embedded profile. Lives in the
 * library (not the gateway app) so that it is testable as a function; the gateway's
 * `src/cli/token.cli.ts` only wires it to the process.
 */
import { parseArgs } from 'node:util';
import { parseCccd } from '@motlan/identifiers/subject-id.js';
import { DEFAULT_CITIZEN_TOKEN_AUDIENCE, DEFAULT_CITIZEN_TOKEN_ISSUER, DevCitizenTokenIssuer } from './citizen-token.js';
import { resolveDataDir } from './data-dir.js';
import { DEFAULT_DEV_ISSUER, DEFAULT_TOKEN_AUDIENCE, DevTokenIssuer, DEFAULT_DEV_TOKEN_TTL_SEC, MAX_DEV_TOKEN_TTL_SEC } from './dev-token-issuer.js';

/** Where the command writes: `process.stdout`/`process.stderr` or a test buffer. */
export interface TextSink {
  write(text: string): unknown;
}

export const TOKEN_CLI_USAGE = `Usage: npm run -s token -- --sub <client-id> --scope "<scopes>" [--commune <code>] [--province <code>] [--ttl <seconds>]
       npm run -s token -- --citizen <12-digit personal id> [--ttl <seconds>]

Issues a development access token signed by the local dev issuer (<data dir>/dev-issuer/) and
prints only the token, e.g.  TOKEN=$(npm run -s token -- --sub commune-00004 --scope "population:read")

  --sub <client-id>    client id (token "sub"), required
  --scope "<scopes>"   space-separated scopes, required
  --commune <code>     5-digit commune code the client acts for (claim "commune")
  --province <code>    2-digit province a monitoring centre reads (claim "province"), e.g.
                       --scope ops:read --province 79
  --ttl <seconds>      lifetime, 1..${MAX_DEV_TOKEN_TTL_SEC}, default ${DEFAULT_DEV_TOKEN_TTL_SEC}
  --citizen <id>       instead: a citizen token for /v1/me/* (access log, consents, counter
                       requests, archive), as the national
                       e-identity would issue, signed by the dev citizen issuer
                       (<data dir>/dev-citizen-issuer/); "sub" = the 12-digit personal id (CCCD)
  -h, --help           this help

Environment: MOTLAN_DATA_DIR (default .data), MOTLAN_TOKEN_ISSUER (default ${DEFAULT_DEV_ISSUER}),
MOTLAN_TOKEN_AUDIENCE (default ${DEFAULT_TOKEN_AUDIENCE}); with --citizen MOTLAN_CITIZEN_TOKEN_ISSUER
(default ${DEFAULT_CITIZEN_TOKEN_ISSUER}) and MOTLAN_CITIZEN_TOKEN_AUDIENCE (default ${DEFAULT_CITIZEN_TOKEN_AUDIENCE}).
`;

type TokenRequest =
  { kind: 'client'; sub: string; scope: string; commune?: string; province?: string; ttlSec: number } | { kind: 'citizen'; subjectId: string; ttlSec: number };

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
  let request: TokenRequest | undefined;
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
    const dataDir = resolveDataDir(env, cwd);
    let token: string;
    if (request.kind === 'citizen') {
      token = await new DevCitizenTokenIssuer({ dataDir }).issue({
        subjectId: request.subjectId,
        ttlSec: request.ttlSec,
        issuer: env.MOTLAN_CITIZEN_TOKEN_ISSUER || DEFAULT_CITIZEN_TOKEN_ISSUER,
        audience: env.MOTLAN_CITIZEN_TOKEN_AUDIENCE || DEFAULT_CITIZEN_TOKEN_AUDIENCE,
      });
    } else {
      const { kind: _kind, ...client } = request;
      token = await new DevTokenIssuer({ dataDir }).issue({
        ...client,
        issuer: env.MOTLAN_TOKEN_ISSUER || DEFAULT_DEV_ISSUER,
        audience: env.MOTLAN_TOKEN_AUDIENCE || DEFAULT_TOKEN_AUDIENCE,
      });
    }
    stdout.write(`${token}\n`);
    return 0;
  } catch (error) {
    stderr.write(`token: could not issue a token: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** Parsed request, or undefined when help was asked for. */
function parseTokenArgs(argv: readonly string[]): TokenRequest | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        sub: { type: 'string' },
        scope: { type: 'string' },
        commune: { type: 'string' },
        province: { type: 'string' },
        ttl: { type: 'string' },
        citizen: { type: 'string' },
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
  const ttlSec = parseTtl(values.ttl);
  if (values.citizen !== undefined) {
    if (values.sub !== undefined || values.scope !== undefined || values.commune !== undefined || values.province !== undefined) {
      throw new UsageError('--citizen cannot be combined with --sub, --scope, --commune or --province (a citizen token has none of them)');
    }
    const subjectId = values.citizen.trim();
    if (parseCccd(subjectId) === null) throw new UsageError('--citizen must be a 12-digit personal id (CCCD) whose 4th digit is 0-5, e.g. 001099012345');
    return { kind: 'citizen', subjectId, ttlSec };
  }
  const sub = values.sub?.trim();
  if (!sub) throw new UsageError('--sub <client-id> is required');
  const scope = values.scope?.trim();
  if (!scope) throw new UsageError('--scope "<scopes>" is required');
  const commune = values.commune;
  if (commune !== undefined && !/^\d{5}$/.test(commune)) throw new UsageError('--commune must be a 5-digit commune code, e.g. 00004');
  const province = values.province;
  if (province !== undefined && !/^\d{2}$/.test(province)) throw new UsageError('--province must be a 2-digit province code, e.g. 79');
  return { kind: 'client', sub, scope, ttlSec, ...(commune !== undefined ? { commune } : {}), ...(province !== undefined ? { province } : {}) };
}

function parseTtl(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DEV_TOKEN_TTL_SEC;
  const ttlSec = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > MAX_DEV_TOKEN_TTL_SEC) {
    throw new UsageError(`--ttl must be a whole number of seconds between 1 and ${MAX_DEV_TOKEN_TTL_SEC}`);
  }
  return ttlSec;
}
