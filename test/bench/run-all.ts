/**
 * `npm run bench`: the benchmark set of issue 15, one bench after the other, each in its own
 * process (its own Redis and Kafka unless REDIS_URL and KAFKA_BROKERS are set), then one summary
 * table of every figure beside its baseline from the same run and the target, met or
 * missed. A bench that fails (any non-2xx answer included) stops the set with exit code 1.
 * The summary is also written to .data/bench/summary-<time>.json. Not a test.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { benchLog, dist, machine, report, repoRoot, runBench, summaryTable, type SummaryRow } from './bench-support.js';

const log = benchLog('all');

/** Script, and the name its results file starts with (report()'s first argument). */
const BENCHES = [
  { script: 'lookup.bench.js', results: 'lookup-bench-' },
  { script: 'dossier-sync.bench.js', results: 'dossier-sync-bench-' },
  { script: 'sync-figures.bench.js', results: 'sync-figures-' },
];

function run(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dist, 'test/bench', script)], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${script} failed (exit code ${code ?? signal})`))));
  });
}

/** The results file a bench wrote in this run: the newest of its name, written after `since`. */
function resultsOf(prefix: string, since: number): { file: string; summary: SummaryRow[] } {
  const dir = path.join(repoRoot, '.data', 'bench');
  const file = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= since)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!file) throw new Error(`no ${prefix}*.json written in this run`);
  const { summary } = JSON.parse(readFileSync(file, 'utf8')) as { summary?: SummaryRow[] };
  if (!summary) throw new Error(`${file} has no summary`);
  return { file, summary };
}

async function main(): Promise<void> {
  const started = Date.now();
  const files: string[] = [];
  const rows: SummaryRow[] = [];
  for (const { script, results } of BENCHES) {
    log(`running ${script}`);
    await run(script);
    const { file, summary } = resultsOf(results, started);
    files.push(path.relative(repoRoot, file));
    rows.push(...summary);
  }
  const missed = rows.filter((r) => r.met === false).length;
  const table = [
    'Summary of this run (issue 15 targets):',
    '',
    ...summaryTable(rows),
    '',
    `${missed} of ${rows.filter((r) => r.met !== undefined).length} targets missed.`,
  ];
  report('summary', table, { machine: machine(), files, rows }, started, log);
}

runBench(main);
