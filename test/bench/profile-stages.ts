/**
 * CPU by stage of a lookup (issue 15, item 2), from a V8 CPU profile of a gateway process:
 *
 *   BENCH_CPU_PROF=gateway npm run bench:lookup
 *   node dist/test/bench/profile-stages.js .data/bench/profiles/gateway-<time>.cpuprofile \
 *     --bench .data/bench/lookup-bench-<time>.json --phase cachedProduction
 *
 * `--phase` (from the bench's `phases`: cachedProduction, cachedEmbedded, prefill) keeps only the
 * samples taken during that measured run: the bench records each window on the clock V8 profiles
 * use (CLOCK_MONOTONIC, µs), so no start-up, warm-up or other phase is counted; `--from-us/--to-us`
 * give a window by hand. With the phase's request count, each stage is also given in µs per request.
 *
 * How a sample is attributed: from the sampled function up its stack to the nearest frame of the
 * project's own code (dist/apps, dist/libs), whose file (or function) names the stage; so the
 * SHA-256 of the audit chain counts as "audit record", a Redis command issued by the rate limiter
 * as "rate limit"; a library that does one stage's work (jose, class-validator, prom-client, pino)
 * names its stage whoever calls it. Samples with no project frame on their stack (work run from a socket or a timer:
 * HTTP parsing, the response write, Redis replies, kafkajs I/O, GC) go by the nearest library frame.
 * Each sample counts once. The sampling interval bounds the precision (1 ms at Node's default;
 * --cpu-prof-interval lowers it); asynchronous continuations lose their caller, so "Redis client"
 * and "Kafka client" hold reply parsing that belongs to the cache read, the rate limit or the audit.
 * Not a test.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Project code: the stage of the nearest frame that matches, in this order. */
const PROJECT_STAGES: Array<[stage: string, match: RegExp]> = [
  ['token', /\/auth\/(client-auth\.guard|token-verifier|citizen-token|.*revocation)/],
  ['rate limit', /\/rate-limit\/|abuse-protection/],
  ['request check', /lookup-request\.dto|\/common\/(validation|flat-dto-check)|\/edge\/|\/identifiers\/|prefill\.dto/],
  ['purpose', /\/procedure-catalog\/|purpose/],
  ['cache read', /\/registry-cache\/|record-reader\.service|\/redis\//],
  ['evidence', /\/evidence\//],
  ['audit record', /\/audit\/|\/event-log\/|\/access-log\/|\/files\/append-only/],
  ['citizen archive', /\/citizen-archive\//],
  ['data-quality checks', /\/data-quality\//],
  ['HTTP hooks (request id, security headers, request log)', /gateway-app\.factory/],
  ['metrics', /\/metrics\//],
  ['errors / problem answers', /\/errors\/|problem\.filter|refusal/],
  ['logging', /\/logging\//],
];
/** Functions of the lookup service that are a stage of their own. */
const PROJECT_FUNCTIONS: Array<[stage: string, match: RegExp]> = [
  ['minimization', /^(pick|selectFields)$/],
  ['audit record', /^(auditRecord|recordAccesses|recordOrRefuse)$/],
];
/** Libraries that do one stage's work whoever calls them: they win over the project frame above. */
const DECISIVE_LIBRARIES: Array<[stage: string, match: RegExp]> = [
  ['token', /node_modules\/jose\//],
  ['request check', /node_modules\/class-(validator|transformer)\//],
  ['metrics', /node_modules\/prom-client\//],
  ['logging', /node_modules\/pino/],
];
/** No project frame on the stack: the nearest library frame. */
const LIBRARY_STAGES: Array<[stage: string, match: RegExp]> = [
  ['Kafka client (audit produce; replies unattributed)', /node_modules\/kafkajs\//],
  ['Redis client (replies unattributed)', /node_modules\/(ioredis|redis-parser|@ioredis)\//],
  ['response write', /fastify\/lib\/(reply|hooks|error-handler)|fast-json-stringify|_http_outgoing|node:net|stream_base_commons|writev|\bsend\b/],
  ['HTTP parse and routing', /fastify\/|find-my-way|_http_(server|common|incoming)|avvio|light-my-request/],
  ['Nest framework', /@nestjs\//],
  ['rxjs (Nest interceptors)', /node_modules\/rxjs\//],
];
const SPECIAL = new Map([
  ['(garbage collector)', 'garbage collection'],
  ['(idle)', 'idle'],
  ['(program)', 'V8 / native, no JS frame'],
]);

function parse(): { profile: string; fromUs?: number; toUs?: number; requests?: number } {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { bench: { type: 'string' }, phase: { type: 'string' }, 'from-us': { type: 'string' }, 'to-us': { type: 'string' }, requests: { type: 'string' } },
  });
  const [profile] = positionals;
  if (!profile) {
    throw new Error('usage: profile-stages.js <profile.cpuprofile> [--bench <lookup-bench-….json> --phase <name>] [--from-us N --to-us N] [--requests N]');
  }
  let window: { fromUs?: number; toUs?: number; requests?: number } = {};
  if (values.bench || values.phase) {
    if (!values.bench || !values.phase) throw new Error('--bench and --phase go together');
    const phases =
      (JSON.parse(readFileSync(values.bench, 'utf8')) as { phases?: Record<string, { fromUs: number; toUs: number; requests: number }> }).phases ?? {};
    const phase = phases[values.phase];
    if (!phase) throw new Error(`no phase ${values.phase} in ${values.bench} (it has: ${Object.keys(phases).join(', ') || 'none'})`);
    window = phase;
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    profile,
    fromUs: num(values['from-us']) ?? window.fromUs,
    toUs: num(values['to-us']) ?? window.toUs,
    requests: num(values.requests) ?? window.requests,
  };
}

function main(): void {
  const args = parse();
  const profile = JSON.parse(readFileSync(args.profile, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const stageCache = new Map<number, string>();
  const stageOf = (leaf: number): string => {
    const cached = stageCache.get(leaf);
    if (cached) return cached;
    const special = SPECIAL.get(byId.get(leaf)!.callFrame.functionName);
    let stage = special;
    let library: string | undefined;
    for (let id: number | undefined = leaf; !stage && id !== undefined; id = parent.get(id)) {
      const { url, functionName } = byId.get(id)!.callFrame;
      const decisive = DECISIVE_LIBRARIES.find(([, m]) => m.test(url))?.[0];
      if (decisive) {
        stage = decisive;
      } else if (/\/dist\/(apps|libs)\//.test(url)) {
        stage =
          PROJECT_FUNCTIONS.find(([, m]) => m.test(functionName))?.[0] ??
          PROJECT_STAGES.find(([, m]) => m.test(url))?.[0] ??
          `other project code (${url.replace(/^.*\/dist\//, '')})`;
      } else if (!library && url) {
        library = LIBRARY_STAGES.find(([, m]) => m.test(url))?.[0];
      }
    }
    stage ??= library ?? 'other (Node internals, other libraries)';
    stageCache.set(leaf, stage);
    return stage;
  };

  const fromUs = args.fromUs ?? -Infinity;
  const toUs = args.toUs ?? Infinity;
  const totals = new Map<string, number>();
  /** Where the unattributed time is, to refine the patterns above: the sampled function. */
  const others = new Map<string, number>();
  let t = profile.startTime;
  let windowUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    // A sample stands for the time until the next one.
    const span = profile.timeDeltas[i + 1] ?? 0;
    if (t < fromUs || t > toUs) continue;
    windowUs += span;
    const stage = stageOf(profile.samples[i]);
    totals.set(stage, (totals.get(stage) ?? 0) + span);
    if (stage.startsWith('other')) {
      const { functionName, url } = byId.get(profile.samples[i])!.callFrame;
      const where = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}`;
      others.set(where, (others.get(where) ?? 0) + span);
    }
  }
  if (windowUs === 0) throw new Error(`no samples in the window ${fromUs}–${toUs} µs (profile ${profile.startTime}–${profile.endTime})`);

  const busyUs = windowUs - (totals.get('idle') ?? 0);
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]);
  const perRequest = (us: number) => (args.requests ? (us / args.requests).toFixed(1) : '');
  const out = [
    `window ${(windowUs / 1e6).toFixed(2)} s of profile, busy ${((100 * busyUs) / windowUs).toFixed(1)} %${args.requests ? `, ${args.requests} requests` : ''}`,
    '',
    '| stage | CPU ms | % of busy | µs per request |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      ([stage, us]) =>
        `| ${stage} | ${(us / 1000).toFixed(1)} | ${stage === 'idle' ? '' : ((100 * us) / busyUs).toFixed(1)} | ${stage === 'idle' ? '' : perRequest(us)} |`,
    ),
    `| all but idle | ${(busyUs / 1000).toFixed(1)} | 100 | ${perRequest(busyUs)} |`,
    '',
    'Most of "other", by sampled function:',
    ...[...others.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([where, us]) => `  ${(us / 1000).toFixed(1)} ms  ${where}`),
  ];
  process.stdout.write(out.join('\n') + '\n');
}

main();
