/**
 * The operator CLI: `npm run -s motlan -- adapters <command>`. Talks to a running gateway's
 * operator API; testable as a function (streams and fetch are injected). Exit codes: 0 success,
 * 1 the gateway refused or could not be reached, 2 bad usage. `audit verify` reads the audit trail
 * itself (audit-verify.command.ts): 0 intact, 1 not intact or unreadable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveDataDir } from '@motlan/auth/data-dir.js';
import { DEFAULT_DEV_ISSUER, DEFAULT_TOKEN_AUDIENCE, DevTokenIssuer, devIssuerPrivateKeyFile } from '@motlan/auth/dev-token-issuer.js';
import type { TextSink } from '@motlan/auth/token-command.js';
import { EVIDENCE_CLI_USAGE, runEvidenceCommand } from './evidence-command.js';
import { runAuditVerify } from './audit-verify.command.js';

export const MOTLAN_CLI_USAGE = `Usage: npm run -s motlan -- adapters <command> [options]
       npm run -s motlan -- procedures <command> [options]
       npm run -s motlan -- subscriptions <command> [options]
       npm run -s motlan -- corrections <command> [options]
       npm run -s motlan -- sync <command> [options]
       npm run -s motlan -- evidence <command> [options]
       npm run -s motlan -- audit verify [--from <iso time>] [--to <iso time>] [--file <path>] [--json]

Adapter commands:
  register <manifest.json>   register an adapter (the gateway checks it with Describe first)
  update <manifest.json>     switch an adapter (same id) to a new endpoint or settings
  list                       every adapter with its state
  show <id>                  one adapter in full
  health <id>                gRPC health, breaker, recent latency and errors
  remove <id>                remove an adapter (waits for its calls in flight)

Procedure commands (the procedure catalog, docs/procedures.md):
  procedures list            every procedure with its version, last change and registries
  procedures put <file.json> create or replace one procedure (a member of the catalog file; a
                             "version" member makes it conditional: 409 if another is in force)
  procedures delete <code>   remove a procedure

Subscription commands (registry-to-registry events, docs/registry-events.md):
  subscriptions list              every subscription: subscriber, source dataset, event types, procedure
  subscriptions show <id>         one subscription in full, with its legal basis
  subscriptions create <file.json>  subscribe a registry ({ subscriber, sourceRegistry, dataset, eventTypes,
                                  fields, procedure }); refused without a legal basis in the catalog
                                  (also: subscriptions add)
  subscriptions delete <id>       end a subscription (also: subscriptions remove)
  subscriptions replay-dead-letters  send dead-lettered registry deliveries back to the relay

Correction commands (corrections back to the source registry, docs/registry-events.md):
  corrections file <file.json>    file a correction ({ registry, dataset, subjectId, field, valueSeen,
                                  valueProposed, evidenceRef, officerId, purpose }; token scope
                                  corrections:write)
  corrections list <registry>     a registry's operator queue: open and accepted, oldest first
    --state <state>               only corrections in this state (open|accepted|rejected|applied)
  corrections show <id>           one correction and its life cycle
  corrections accept <id>         the registry operator accepts it (scope corrections:review:<registry>)
  corrections reject <id> --reason <text>
                                  the registry operator rejects it, saying why (3-500 characters)
  corrections apply <id> --record-version <n>
                                  the registry operator applied it: <n> is the record version holding it

Sync commands:
  sync status                dossier sync: consumer-group lag and provinces not all GREEN
  sync replay-dead-letters   send dead-lettered dossier statuses back to the portal sync

${EVIDENCE_CLI_USAGE}
Audit commands (read the trail itself, no gateway needed):
  audit verify               check the hash chains of the audit trail: removed, altered or reordered
                             records; exit 0 when intact, 1 otherwise. Reads the Kafka topic when
                             KAFKA_BROKERS is set ($MOTLAN_AUDIT_TOPIC, default motlan.audit.v1), else
                             that topic in the embedded log under $MOTLAN_AUDIT_DIR (default <data dir>/audit)
    --from, --to <iso time>  verify a time range only (its first record is taken as the start)
    --file <path>            verify this JSON-lines file (an exported copy, an earlier release's audit.jsonl)

Options:
  --url <url>     gateway base URL (default $MOTLAN_URL, else http://127.0.0.1:$PORT or :3000)
  --json          print the gateway's JSON answer instead of a table
  --if-match <n>  corrections accept|reject|apply: only if the correction is still at revision <n>
                  (its ETag, shown by corrections show); else 412 precondition_failed
  -h, --help      this help

Token: $MOTLAN_TOKEN (scopes adapters:read, adapters:write:<registry> for the registry you operate,
procedures:read, procedures:write, subscriptions:read, subscriptions:write, corrections:write,
corrections:review:<registry>, ops:read, ops:write as needed). Without it, on the embedded profile, a 5-minute administrator
token (adapters:admin, corrections:admin) for client "operator-cli" is issued by the local dev issuer (<data dir>/dev-issuer).
`;

type Fetch = typeof fetch;
type Env = Readonly<Record<string, string | undefined>>;

class UsageError extends Error {}
class CliError extends Error {}

export async function runMotlanCli(
  argv: readonly string[],
  env: Env,
  stdout: TextSink,
  stderr: TextSink,
  fetchImpl: Fetch = fetch,
  cwd = process.cwd(),
): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr.write(`motlan: ${error.message}\n\n${MOTLAN_CLI_USAGE}`);
    return 2;
  }
  if (!parsed) {
    stdout.write(MOTLAN_CLI_USAGE);
    return 0;
  }
  const { command, arg, url, json } = parsed;
  if (command.startsWith('evidence-'))
    return runEvidenceCommand(command.slice('evidence-'.length), arg, { reason: parsed.reason, json }, env, stdout, stderr, cwd);
  if (command === 'audit-verify') return runAuditVerify({ ...parsed.audit, json }, env, stdout, stderr, cwd);
  try {
    const token = await resolveToken(env, cwd);
    const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      request(fetchImpl, url, token, method, path, body, headers);
    switch (command) {
      case 'register': {
        const manifest = readManifest(arg!);
        const view = await call('POST', '/v1/adapters', manifest);
        stdout.write(json ? pretty(view) : `registered ${describeAdapter(view as AdapterView)}\n`);
        return 0;
      }
      case 'update': {
        const manifest = readManifest(arg!) as { id?: unknown };
        if (typeof manifest.id !== 'string') throw new CliError(`${arg}: the manifest has no "id"`);
        const view = await call('PUT', `/v1/adapters/${encodeURIComponent(manifest.id)}`, manifest);
        stdout.write(json ? pretty(view) : `updated ${describeAdapter(view as AdapterView)}\n`);
        return 0;
      }
      case 'list': {
        const { adapters } = (await call('GET', '/v1/adapters')) as { adapters: AdapterView[] };
        stdout.write(json ? pretty({ adapters }) : table(adapters));
        return 0;
      }
      case 'show': {
        const view = await call('GET', `/v1/adapters/${encodeURIComponent(arg!)}`);
        stdout.write(json ? pretty(view) : details(view as AdapterView));
        return 0;
      }
      case 'health': {
        const health = await call('GET', `/v1/adapters/${encodeURIComponent(arg!)}/health`);
        stdout.write(json ? pretty(health) : healthReport(health as HealthView));
        return 0;
      }
      case 'procedures-list': {
        const list = (await call('GET', '/v1/procedures')) as ProcedureListView;
        stdout.write(json ? pretty(list) : procedureTable(list));
        return 0;
      }
      case 'procedures-put': {
        const procedure = readManifest(arg!) as { code?: unknown };
        if (typeof procedure.code !== 'string') throw new CliError(`${arg}: the procedure has no "code"`);
        const entry = (await call('PUT', `/v1/procedures/${encodeURIComponent(procedure.code)}`, procedure)) as ProcedureEntryView;
        stdout.write(json ? pretty(entry) : `put ${entry.code} (${entry.procedure.name}): version ${entry.version}, reads ${registriesOf(entry)}\n`);
        return 0;
      }
      case 'procedures-delete': {
        const result = (await call('DELETE', `/v1/procedures/${encodeURIComponent(arg!)}`)) as { code: string; version: number };
        stdout.write(json ? pretty(result) : `removed ${result.code} (version ${result.version})\n`);
        return 0;
      }
      case 'subscriptions-list': {
        const list = (await call('GET', '/v1/subscriptions')) as { subscriptions: SubscriptionView[] };
        stdout.write(json ? pretty(list) : subscriptionTable(list.subscriptions));
        return 0;
      }
      case 'subscriptions-show': {
        const view = (await call('GET', `/v1/subscriptions/${encodeURIComponent(arg!)}`)) as SubscriptionView;
        stdout.write(json ? pretty(view) : subscriptionDetails(view));
        return 0;
      }
      case 'subscriptions-create':
      case 'subscriptions-add': {
        const created = (await call('POST', '/v1/subscriptions', readManifest(arg!))) as SubscriptionView;
        stdout.write(json ? pretty(created) : `subscribed ${describeSubscription(created)}\n`);
        return 0;
      }
      case 'subscriptions-delete':
      case 'subscriptions-remove': {
        const removed = (await call('DELETE', `/v1/subscriptions/${encodeURIComponent(arg!)}`)) as SubscriptionView;
        stdout.write(json ? pretty(removed) : `removed ${describeSubscription(removed)}\n`);
        return 0;
      }
      case 'subscriptions-replay-dead-letters': {
        const result = (await call('POST', '/v1/ops/registry-events/dead-letters/replay')) as { replayed: number };
        stdout.write(json ? pretty(result) : `replayed ${result.replayed} dead-lettered deliver${result.replayed === 1 ? 'y' : 'ies'}\n`);
        return 0;
      }
      case 'corrections-file': {
        const filed = (await call('POST', '/v1/corrections', readManifest(arg!))) as CorrectionView;
        stdout.write(json ? pretty(filed) : `filed ${describeCorrection(filed)}\n`);
        return 0;
      }
      case 'corrections-list': {
        const query = new URLSearchParams({ registry: arg!, ...(parsed.state ? { state: parsed.state } : {}) });
        const list = (await call('GET', `/v1/corrections?${query.toString()}`)) as { corrections: CorrectionView[] };
        stdout.write(json ? pretty(list) : correctionTable(list.corrections, arg!, parsed.state));
        return 0;
      }
      case 'corrections-show': {
        const view = (await call('GET', `/v1/corrections/${encodeURIComponent(arg!)}`)) as CorrectionView;
        stdout.write(json ? pretty(view) : correctionDetails(view));
        return 0;
      }
      case 'corrections-accept':
      case 'corrections-reject':
      case 'corrections-apply': {
        const decision =
          command === 'corrections-accept'
            ? { state: 'accepted' }
            : command === 'corrections-reject'
              ? { state: 'rejected', reason: parsed.reason }
              : { state: 'applied', recordVersion: parsed.recordVersion };
        const headers = parsed.ifMatch ? { 'if-match': `"${parsed.ifMatch}"` } : undefined;
        const view = (await call('POST', `/v1/corrections/${encodeURIComponent(arg!)}/decision`, decision, headers)) as CorrectionView;
        stdout.write(json ? pretty(view) : `${view.state} ${describeCorrection(view)}\n`);
        return 0;
      }
      case 'sync-status': {
        const lag = (await call('GET', '/v1/ops/sync/lag')) as LagView;
        const provinces = (await call('GET', '/v1/ops/sync/provinces')) as ProvincesView;
        stdout.write(json ? pretty({ lag, provinces }) : syncReport(lag, provinces));
        return 0;
      }
      case 'sync-replay-dead-letters': {
        const result = (await call('POST', '/v1/ops/sync/dead-letters/replay')) as { replayed: number };
        stdout.write(json ? pretty(result) : `replayed ${result.replayed} dead-lettered status${result.replayed === 1 ? '' : 'es'}\n`);
        return 0;
      }
      case 'remove': {
        const result = (await call('DELETE', `/v1/adapters/${encodeURIComponent(arg!)}`)) as { id: string; drained: boolean; waitedMs: number };
        stdout.write(json ? pretty(result) : `removed ${result.id} (${result.drained ? 'drained' : 'not fully drained'} after ${result.waitedMs} ms)\n`);
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof CliError) {
      stderr.write(`motlan: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  return 2;
}

interface AdapterView {
  id: string;
  registry: string;
  endpoint: string;
  tls: string;
  source: string;
  state: string;
  reason: string;
  revision: number | null;
  owner: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
  timeoutMs: number;
  maxConcurrency: number;
  retry: { attempts: number; backoffMs: number };
  breaker: Record<string, number>;
  routing: { provinces: string[] } | null;
  contractVersion: string | null;
  adapterVersion: string | null;
  datasets: string[];
}

interface HealthView {
  id: string;
  registry: string;
  endpoint: string;
  state: string;
  grpcHealth: string;
  resilience: {
    breaker: { state: string; consecutiveFailures: number; remainingOpenMs: number; opened: number };
    inFlight: number;
    maxConcurrency: number;
    calls: number;
    retries: number;
    errors: Record<string, number>;
    rejected: Record<string, number>;
    recent: { windowMs: number; calls: number; errors: number; errorRate: number; latencyMs: { p50: number; p95: number; p99: number; max: number } | null };
  };
}

const COMMANDS: Record<string, Set<string>> = {
  adapters: new Set(['register', 'update', 'list', 'show', 'health', 'remove']),
  procedures: new Set(['list', 'put', 'delete']),
  subscriptions: new Set(['list', 'show', 'create', 'add', 'delete', 'remove', 'replay-dead-letters']),
  corrections: new Set(['file', 'list', 'show', 'accept', 'reject', 'apply']),
  sync: new Set(['status', 'replay-dead-letters']),
  evidence: new Set(['keys', 'rotate-key', 'revoke-key']),
  audit: new Set(['verify']),
};
const PROCEDURE_ARGS: Record<string, string> = { put: '<procedure.json>', delete: '<code>' };
const SUBSCRIPTION_ARGS: Record<string, string> = {
  show: '<id>',
  create: '<subscription.json>',
  add: '<subscription.json>',
  delete: '<id>',
  remove: '<id>',
};
const CORRECTION_ARGS: Record<string, string> = {
  file: '<correction.json>',
  list: '<registry>',
  show: '<id>',
  accept: '<id>',
  reject: '<id>',
  apply: '<id>',
};
const CORRECTION_STATES = ['open', 'accepted', 'rejected', 'applied'];
const NEEDS_ARG: Record<string, string> = { register: '<manifest.json>', update: '<manifest.json>', show: '<id>', health: '<id>', remove: '<id>' };

function parse(
  argv: readonly string[],
  env: Env,
):
  | {
      command: string;
      arg?: string;
      url: string;
      json: boolean;
      reason?: string;
      state?: string;
      recordVersion?: string;
      ifMatch?: string;
      audit?: { from?: Date; to?: Date; file?: string };
    }
  | undefined {
  // An evidence key id is a base64url thumbprint and may start with "-" (as in "-wQ3…"): a token
  // with one dash that is not -h is an argument, not an option, so it is masked from parseArgs.
  const MASK = '\u0000';
  const unmask = <T>(value: T): T => (typeof value === 'string' && value.startsWith(MASK) ? (value.slice(1) as T) : value);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.map((a) => (/^-[^-]/.test(a) && a !== '-h' ? MASK + a : a)),
      options: {
        url: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        reason: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        file: { type: 'string' },
        state: { type: 'string' },
        'record-version': { type: 'string' },
        'if-match': { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    if (String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
  const values = Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [k, unmask(v)])) as typeof parsed.values;
  const positionals = parsed.positionals.map(unmask);
  if (values.help || positionals.length === 0) return undefined;
  const [group, command, arg, ...rest] = positionals;
  const commands = COMMANDS[group];
  if (!commands) throw new UsageError(`unknown command "${group}" (the CLI has: ${Object.keys(COMMANDS).join(', ')})`);
  if (!command || !commands.has(command)) throw new UsageError(command ? `unknown ${group} command "${command}"` : `which ${group} command?`);
  const needs =
    group === 'adapters'
      ? NEEDS_ARG[command]
      : group === 'procedures'
        ? PROCEDURE_ARGS[command]
        : group === 'subscriptions'
          ? SUBSCRIPTION_ARGS[command]
          : group === 'corrections'
            ? CORRECTION_ARGS[command]
            : group === 'evidence' && command === 'revoke-key'
              ? '<kid>'
              : undefined;
  if (needs && !arg) throw new UsageError(`${group} ${command} needs ${needs}`);
  if (!needs && arg) throw new UsageError(`${group} ${command} takes no argument`);
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
  if (group !== 'audit' && (values.from !== undefined || values.to !== undefined || values.file !== undefined))
    throw new UsageError('--from, --to and --file are options of audit verify');
  if (values.reason !== undefined && !(group === 'evidence' && command === 'revoke-key') && !(group === 'corrections' && command === 'reject'))
    throw new UsageError('--reason is an option of evidence revoke-key and corrections reject');
  if (group === 'corrections') checkCorrectionOptions(command, values);
  else if (values.state !== undefined || values['record-version'] !== undefined || values['if-match'] !== undefined)
    throw new UsageError('--state, --record-version and --if-match are options of corrections commands');
  if (group === 'audit') {
    const from = isoTime('--from', values.from);
    const to = isoTime('--to', values.to);
    if (from && to && from > to) throw new UsageError('--from is after --to');
    return { command: 'audit-verify', url: '', json: values.json === true, audit: { from, to, file: values.file } };
  }
  if (group === 'evidence') return { command: `evidence-${command}`, arg, url: '', json: values.json === true, reason: values.reason };
  return {
    command: group === 'sync' || group === 'procedures' || group === 'subscriptions' || group === 'corrections' ? `${group}-${command}` : command,
    arg,
    url: (values.url ?? defaultUrl(env)).replace(/\/+$/, ''),
    json: values.json === true,
    reason: values.reason,
    state: values.state,
    recordVersion: values['record-version'],
    ifMatch: values['if-match'],
  };
}

/** The options each corrections command takes, checked before anything is sent (the gateway would refuse the same, less plainly). */
function checkCorrectionOptions(command: string, values: { reason?: string; state?: string; 'record-version'?: string; 'if-match'?: string }): void {
  if (values.state !== undefined && command !== 'list') throw new UsageError('--state is an option of corrections list');
  if (values.state !== undefined && !CORRECTION_STATES.includes(values.state))
    throw new UsageError(`--state must be one of ${CORRECTION_STATES.join(', ')}, got "${values.state}"`);
  if (command === 'reject') {
    const reason = values.reason?.trim() ?? '';
    if (reason.length < 3 || reason.length > 500) throw new UsageError('corrections reject needs --reason <text> of 3 to 500 characters');
  }
  if (values['record-version'] !== undefined && command !== 'apply') throw new UsageError('--record-version is an option of corrections apply');
  if (command === 'apply' && !/^[1-9]\d{0,19}$/.test(values['record-version'] ?? ''))
    throw new UsageError('corrections apply needs --record-version <n>: the record version (a positive whole number) that holds the new value');
  if (values['if-match'] !== undefined) {
    if (!['accept', 'reject', 'apply'].includes(command)) throw new UsageError('--if-match is an option of corrections accept, reject and apply');
    if (!/^[1-9]\d{0,8}$/.test(values['if-match'])) throw new UsageError(`--if-match must be a correction revision such as 2, got "${values['if-match']}"`);
  }
}

function isoTime(option: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(time.getTime())) throw new UsageError(`${option} must be an ISO 8601 time such as 2025-06-01T08:00:00Z, got "${value}"`);
  return time;
}

function defaultUrl(env: Env): string {
  return env.MOTLAN_URL || `http://127.0.0.1:${env.PORT || 3000}`;
}

async function resolveToken(env: Env, cwd: string): Promise<string> {
  if (env.MOTLAN_TOKEN) return env.MOTLAN_TOKEN.trim();
  const dataDir = resolveDataDir(env, cwd);
  if (!existsSync(devIssuerPrivateKeyFile(dataDir))) {
    throw new CliError(`no token: set MOTLAN_TOKEN to a token with scopes adapters:read adapters:write:<registry> (no dev issuer in ${dataDir} to issue one)`);
  }
  return new DevTokenIssuer({ dataDir }).issue({
    sub: 'operator-cli',
    // A development machine's own operator: administrator of every registry's adapters and of the procedure catalog.
    scope:
      'adapters:read adapters:admin procedures:read procedures:write subscriptions:read subscriptions:write corrections:write corrections:admin ops:read ops:write',
    ttlSec: 300,
    issuer: env.MOTLAN_TOKEN_ISSUER || DEFAULT_DEV_ISSUER,
    audience: env.MOTLAN_TOKEN_AUDIENCE || DEFAULT_TOKEN_AUDIENCE,
  });
}

function readManifest(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function request(
  fetchImpl: Fetch,
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetchImpl(base + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...extraHeaders,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(`cannot reach the gateway at ${base} (${cause}); is it running? (npm start)`);
  }
  const text = await response.text();
  let payload: unknown = undefined;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    payload = text;
  }
  if (!response.ok) throw new CliError(problemText(response.status, payload));
  return payload;
}

function problemText(status: number, payload: unknown): string {
  if (payload && typeof payload === 'object' && 'code' in payload) {
    const problem = payload as { code: string; detail?: string; invalidParams?: { name: string; reason: string }[] } & Record<string, unknown>;
    const params = (problem.invalidParams ?? []).map((p) => `\n  - ${p.name}: ${p.reason}`).join('');
    // Members that tell the operator what to do next (the scope to ask for, the state or revision now).
    const hints = PROBLEM_HINTS.filter((k) => typeof problem[k] === 'string' || typeof problem[k] === 'number')
      .map((k) => `\n  ${k}: ${String(problem[k])}`)
      .join('');
    return `${status} ${problem.code}: ${problem.detail ?? ''}${params}${hints}`;
  }
  return `${status}: ${typeof payload === 'string' ? payload.slice(0, 200) : 'no details'}`;
}

const PROBLEM_HINTS = ['requiredScope', 'state', 'currentRevision', 'subscriptionId'] as const;

function describeAdapter(view: AdapterView): string {
  const shard = view.routing ? ` provinces ${view.routing.provinces.join(',')}` : '';
  return `${view.id} → ${view.registry} at ${view.endpoint}${shard}: ${view.state}, datasets ${view.datasets.join(', ') || '-'}`;
}

function table(adapters: AdapterView[]): string {
  if (adapters.length === 0) return 'no adapters\n';
  const rows = [
    ['ID', 'REGISTRY', 'ENDPOINT', 'TLS', 'PROVINCES', 'STATE', 'SOURCE', 'REV', 'OWNER'],
    ...adapters.map((a) => [
      a.id,
      a.registry,
      a.endpoint,
      a.tls,
      a.routing?.provinces.join(',') ?? 'all',
      a.state,
      a.source,
      a.revision === null ? '-' : String(a.revision),
      a.owner ?? '-',
    ]),
  ];
  return columns(rows);
}

/** Rows of cells as aligned columns, the first row being the header. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function details(view: AdapterView): string {
  const lines: [string, string][] = [
    ['id', view.id],
    ['registry', view.registry],
    ['endpoint', view.endpoint],
    ['tls', view.tls],
    ['provinces', view.routing?.provinces.join(', ') ?? 'all'],
    ['state', `${view.state} (${view.reason})`],
    ['contract', `${view.contractVersion ?? '-'} (adapter ${view.adapterVersion ?? '-'})`],
    ['datasets', view.datasets.join(', ') || '-'],
    ['timeout', `${view.timeoutMs} ms`],
    ['max concurrency', String(view.maxConcurrency)],
    ['retry', `${view.retry.attempts} attempts, backoff ${view.retry.backoffMs} ms`],
    [
      'breaker',
      Object.entries(view.breaker)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ],
    ['source', view.source],
    ['owner', view.owner ?? '-'],
    ['revision', view.revision === null ? '-' : `${view.revision} by ${view.updatedBy} at ${view.updatedAt}`],
  ];
  return lines.map(([k, v]) => `${(k + ':').padEnd(17)}${v}`).join('\n') + '\n';
}

function healthReport(health: HealthView): string {
  const r = health.resilience;
  const latency = r.recent.latencyMs
    ? `p50 ${r.recent.latencyMs.p50} ms, p95 ${r.recent.latencyMs.p95} ms, p99 ${r.recent.latencyMs.p99} ms, max ${r.recent.latencyMs.max} ms`
    : 'no calls';
  const errors =
    Object.entries(r.errors)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const lines: [string, string][] = [
    ['adapter', `${health.id} (${health.registry} at ${health.endpoint})`],
    ['grpc health', health.grpcHealth],
    ['describe', health.state],
    [
      'breaker',
      `${r.breaker.state}${r.breaker.state === 'open' ? `, probes in ${r.breaker.remainingOpenMs} ms` : ''} (opened ${r.breaker.opened} times, ${r.breaker.consecutiveFailures} failures in a row)`,
    ],
    ['in flight', `${r.inFlight} of ${r.maxConcurrency}`],
    [`last ${r.recent.windowMs / 1000} s`, `${r.recent.calls} calls, ${r.recent.errors} errors (${(r.recent.errorRate * 100).toFixed(1)} %), ${latency}`],
    ['since start', `${r.calls} calls, ${r.retries} retries, errors: ${errors}, refused: busy ${r.rejected.busy}, circuit open ${r.rejected.circuit_open}`],
  ];
  return lines.map(([k, v]) => `${(k + ':').padEnd(14)}${v}`).join('\n') + '\n';
}

interface ProcedureEntryView {
  code: string;
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  procedure: { name: string; access: { registry: string; dataset: string }[] };
}
interface ProcedureListView {
  source: string;
  location: string;
  catalogVersion: string;
  procedures: ProcedureEntryView[];
}

function registriesOf(entry: ProcedureEntryView): string {
  return entry.procedure.access.map((a) => `${a.registry}/${a.dataset}`).join(', ');
}

function procedureTable(list: ProcedureListView): string {
  const header = `catalog ${list.catalogVersion} (${list.source}: ${list.location})\n`;
  if (list.procedures.length === 0) return `${header}no procedures\n`;
  const rows = [
    ['CODE', 'VER', 'UPDATED BY', 'UPDATED AT', 'READS', 'NAME'],
    ...list.procedures.map((p) => [p.code, String(p.version), p.updatedBy ?? '-', p.updatedAt ?? '-', registriesOf(p), p.procedure.name]),
  ];
  return header + columns(rows);
}

interface LagView {
  groups: {
    group: string;
    status: string;
    totalLag: number;
    maxTimeLagMs: number;
    partitions: { topic: string; partition: number; lag: number; status: string }[];
  }[];
}
interface ProvincesView {
  totals: { provinces: number; provincesAllGreen: number; communes: Record<string, number> };
  provinces: { code: string; name: string; communes: number; green: number; yellow: number; red: number; pending: number; failed: number }[];
}

function syncReport(lag: LagView, provinces: ProvincesView): string {
  // As wide as the longest group name (the registry-event relay's are longer than the portal's).
  const width = Math.max(28, ...lag.groups.map((g) => g.group.length));
  const lines = lag.groups.map((g) => `${g.group.padEnd(width)} ${g.status.padEnd(4)} lag ${g.totalLag} (time lag ${(g.maxTimeLagMs / 1000).toFixed(1)} s)`);
  const { totals } = provinces;
  lines.push(
    '',
    `${totals.provincesAllGreen} of ${totals.provinces} provinces with 100 % of communes GREEN; communes: ${totals.communes.GREEN} GREEN, ${totals.communes.YELLOW} YELLOW, ${totals.communes.RED} RED`,
  );
  for (const p of provinces.provinces.filter((p) => p.green < p.communes).sort((a, b) => b.red - a.red || b.yellow - a.yellow)) {
    lines.push(`  ${p.code} ${p.name}: ${p.red} RED, ${p.yellow} YELLOW of ${p.communes}; pending ${p.pending}, failed ${p.failed}`);
  }
  return lines.join('\n') + '\n';
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

interface SubscriptionView {
  id: string;
  subscriber: string;
  sourceRegistry: string;
  dataset: string;
  eventTypes: string[];
  fields: string[];
  procedure: string;
  legalBasis?: string;
  createdAt?: string;
  createdBy: string;
}

function describeSubscription(s: SubscriptionView): string {
  return `${s.subscriber} to ${s.sourceRegistry}/${s.dataset} ${s.eventTypes.join(',')} under ${s.procedure} (${s.id})`;
}

function subscriptionTable(list: SubscriptionView[]): string {
  if (list.length === 0) return 'no subscriptions\n';
  return columns([
    ['ID', 'SUBSCRIBER', 'SOURCE', 'EVENTS', 'FIELDS', 'PROCEDURE', 'BY'],
    ...list.map((s) => [s.id, s.subscriber, `${s.sourceRegistry}/${s.dataset}`, s.eventTypes.join(','), s.fields.join(','), s.procedure, s.createdBy]),
  ]);
}

function subscriptionDetails(s: SubscriptionView): string {
  const lines: [string, string][] = [
    ['id', s.id],
    ['subscriber', s.subscriber],
    ['source', `${s.sourceRegistry}/${s.dataset}`],
    ['events', s.eventTypes.join(', ')],
    ['fields', s.fields.join(', ')],
    ['procedure', s.procedure],
    ['legal basis', s.legalBasis ?? '-'],
    ['created', `${s.createdAt ?? '-'} by ${s.createdBy}`],
  ];
  return lines.map(([k, v]) => `${(k + ':').padEnd(13)}${v}`).join('\n') + '\n';
}

interface CorrectionView {
  id: string;
  registry: string;
  dataset: string;
  subjectId: string;
  field: string;
  valueSeen: unknown;
  valueProposed: unknown;
  evidenceRef: string;
  officerId: string;
  purpose: string;
  filedBy: string;
  communeCode: string | null;
  route: string;
  delivery: string | null;
  state: string;
  reason: string | null;
  recordVersion: string | null;
  filedAt: string;
  updatedAt: string;
  history: { state: string; at: string; by: string; reason?: string; recordVersion?: string }[];
}

function describeCorrection(c: CorrectionView): string {
  const route = c.route === 'adapter' ? `over the adapter (${c.delivery ?? '-'})` : 'to the operator queue';
  return `${c.registry}/${c.dataset} ${c.field} of ${c.subjectId} ${route} (${c.id}, revision ${c.history.length})`;
}

function correctionTable(list: CorrectionView[], registry: string, state: string | undefined): string {
  if (list.length === 0) return `no ${state ?? 'open or accepted'} corrections for ${registry}\n`;
  return columns([
    ['ID', 'STATE', 'DATASET', 'SUBJECT', 'FIELD', 'ROUTE', 'FILED AT', 'BY'],
    ...list.map((c) => [c.id, c.state, c.dataset, c.subjectId, c.field, c.route, c.filedAt, c.filedBy]),
  ]);
}

function correctionDetails(c: CorrectionView): string {
  const lines: [string, string][] = [
    ['id', c.id],
    ['record', `${c.registry}/${c.dataset} ${c.subjectId}`],
    ['field', c.field],
    ['value seen', JSON.stringify(c.valueSeen)],
    ['proposed', JSON.stringify(c.valueProposed)],
    ['evidence', c.evidenceRef],
    ['filed', `${c.filedAt} by ${c.filedBy} (officer ${c.officerId}${c.communeCode ? `, commune ${c.communeCode}` : ''}) under ${c.purpose}`],
    ['route', c.route === 'adapter' ? `adapter, delivery ${c.delivery ?? '-'}` : 'operator queue'],
    ['state', `${c.state}${c.reason ? ` (${c.reason})` : ''}${c.recordVersion ? ` in record version ${c.recordVersion}` : ''}`],
    ['revision', String(c.history.length)],
  ];
  const history = c.history.map(
    (h) => `  ${h.at}  ${h.state.padEnd(8)} by ${h.by}${h.reason ? `: ${h.reason}` : ''}${h.recordVersion ? ` (record version ${h.recordVersion})` : ''}`,
  );
  return lines.map(([k, v]) => `${(k + ':').padEnd(12)}${v}`).join('\n') + '\nhistory:\n' + history.join('\n') + '\n';
}
