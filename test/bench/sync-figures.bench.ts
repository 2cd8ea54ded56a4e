/**
 * `npm run bench` (third part), `npm run bench:figures` alone: start time and memory of the
 * per-commune sync figures against the number of statuses ever relayed, on the embedded sync log
 * (docs/decisions/0001-bounded-sync-figures.md). Statuses and their outcomes are written straight
 * to the log (not through HTTP), spread over the 3,321 communes; all but the last 100 delivered,
 * one in 200 dead-lettered. After 1,000 and after BENCH_FIGURES_STATUSES (default 1,000,000)
 * statuses:
 *
 *  - catch-up: a figures process reads what was written since the last snapshot (the first time:
 *    everything, as every start did before the snapshot) and leaves a snapshot when it stops, as a
 *    running gateway does every MOTLAN_SYNC_FIGURES_SNAPSHOT_MS;
 *  - start: a fresh figures process restores that snapshot: its ready time and RSS are the result
 *    (target after 1,000,000: ready ≤ 10 s, RSS ≤ 300 MB, the same order as after 1,000).
 *
 * Each start runs in its own process (node --expose-gc), so its RSS is its own. Not a test.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Topics } from '@motlan/events/topics.js';
import type { DossierStatusMessage } from '@motlan/dossier-relay/dossier-status.js';
import type { SyncOutcome } from '@motlan/dossier-relay/sync-outcome.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import type { LogMessage } from '@motlan/event-log/event-log.port.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { benchLog, dist, machine, report, runBench, summaryTable, type SummaryRow } from './bench-support.js';

const log = benchLog('sync-figures');
const TOTAL = Number(process.env.BENCH_FIGURES_STATUSES ?? 1_000_000);
const FIRST = 1_000;
const PENDING_AT_END = 100;
const BATCH = 10_000;

interface StartResult {
  readyMs: number;
  rssAtReadyMb: number;
  rssMb: number;
  heapUsedMb: number;
  held: { communes: number; open: number; settled: number };
  totals: { received: number; delivered: number; pending: number; failed: number };
}

async function startFigures(logDir: string, snapshotFile: string): Promise<StartResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', path.join(dist, 'test/bench/sync-figures-start.js'), logDir, snapshotFile], {
    maxBuffer: 1 << 20,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no result from the figures process: ${stdout.slice(0, 500)}`);
  return JSON.parse(line.slice('RESULT '.length)) as StartResult;
}

/** Writes statuses [from, to) and the outcomes of all but the last PENDING_AT_END of them. */
async function relay(syncLog: FileEventLog, communes: readonly { code: string; provinceCode: string }[], from: number, to: number): Promise<void> {
  const acceptedAt = new Date().toISOString();
  for (let start = from; start < to; start += BATCH) {
    const end = Math.min(to, start + BATCH);
    const statuses: LogMessage[] = [];
    const outcomes: LogMessage[] = [];
    for (let i = start; i < end; i++) {
      const commune = communes[i % communes.length];
      const dossierId = `BENCH-${commune.code}-${i}`;
      const status: DossierStatusMessage = {
        dossierId,
        procedureCode: '1.004222',
        communeCode: commune.code,
        provinceCode: commune.provinceCode,
        status: 2,
        subjectType: 'citizen',
        receivedAt: '2026-11-23T09:15:00+07:00',
        sequence: 1,
        acceptedAt,
        requestId: `bench-${i}`,
        clientId: 'bench',
      };
      statuses.push({ key: dossierId, value: JSON.stringify(status) });
      if (i >= to - PENDING_AT_END) continue;
      const outcome: SyncOutcome = {
        dossierId,
        sequence: 1,
        communeCode: commune.code,
        provinceCode: commune.provinceCode,
        outcome: i % 200 === 0 ? 'dead_lettered' : 'delivered',
        at: acceptedAt,
        acceptedAt,
      };
      outcomes.push({ key: dossierId, value: JSON.stringify(outcome) });
    }
    await syncLog.append(Topics.dossierSync, statuses);
    await syncLog.append(Topics.dossierSyncOutcomes, outcomes);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  if (!(TOTAL > FIRST)) throw new Error(`BENCH_FIGURES_STATUSES must be more than ${FIRST} (the baseline round), got ${process.env.BENCH_FIGURES_STATUSES}`);
  const communes = VnAdminDirectory.load().communes();
  const dir = mkdtempSync(path.join(tmpdir(), 'motlan-bench-figures-'));
  const logDir = path.join(dir, 'sync-log');
  const snapshotFile = path.join(dir, 'sync-figures', 'snapshot.json');
  const syncLog = new FileEventLog({ dir: logDir, partitions: 3 });
  const rounds: { statuses: number; writeMs: number; catchUp: StartResult; start: StartResult }[] = [];
  try {
    let written = 0;
    for (const count of [FIRST, TOTAL]) {
      log(`relaying statuses ${written + 1}–${count} into the embedded log`);
      const writeStart = performance.now();
      // The last PENDING_AT_END of the earlier round were left pending; they stay so (in flight).
      await relay(syncLog, communes, written, count);
      const writeMs = Math.round(performance.now() - writeStart);
      written = count;
      log(`written in ${(writeMs / 1000).toFixed(1)} s; catching up from the last snapshot`);
      const catchUp = await startFigures(logDir, snapshotFile);
      log(`caught up in ${(catchUp.readyMs / 1000).toFixed(1)} s; starting from the snapshot`);
      const start = await startFigures(logDir, snapshotFile);
      rounds.push({ statuses: count, writeMs, catchUp, start });
    }
  } finally {
    await syncLog.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const table = [
    'statuses   | start from snapshot: ready   RSS     heap | catch-up since last snapshot: time   RSS  | held: communes  open  settled | received  delivered  pending  failed',
    ...rounds.map(
      (r) =>
        `${String(r.statuses).padStart(10)} | ${`${(r.start.readyMs / 1000).toFixed(2)} s`.padStart(28)} ${`${r.start.rssMb} MB`.padStart(7)} ${`${r.start.heapUsedMb} MB`.padStart(7)} | ${`${(r.catchUp.readyMs / 1000).toFixed(1)} s`.padStart(34)} ${`${r.catchUp.rssAtReadyMb} MB`.padStart(6)} | ${String(r.start.held.communes).padStart(14)} ${String(r.start.held.open).padStart(5)} ${String(r.start.held.settled).padStart(8)} | ${String(r.start.totals.received).padStart(8)} ${String(r.start.totals.delivered).padStart(10)} ${String(r.start.totals.pending).padStart(8)} ${String(r.start.totals.failed).padStart(7)}`,
    ),
  ];
  const [first, last] = [rounds[0], rounds.at(-1)!];
  // The larger of the RSS at ready and after a full GC: what the process holds once it answers.
  const rss = (r: StartResult) => Math.max(r.rssAtReadyMb, r.rssMb);
  const count = TOTAL.toLocaleString('en');
  const forTarget = TOTAL === 1_000_000 ? '' : ' (set for 1,000,000)';
  const summary: SummaryRow[] = [
    {
      figure: `worker figures after ${count} relayed statuses: RSS`,
      value: `${rss(last.start)} MB`,
      baseline: `${rss(first.start)} MB after ${FIRST.toLocaleString('en')}`,
      target: `<= 300 MB${forTarget}`,
      met: rss(last.start) <= 300,
    },
    {
      figure: `worker figures after ${count} relayed statuses: ready`,
      value: `${(last.start.readyMs / 1000).toFixed(2)} s`,
      baseline: `${(first.start.readyMs / 1000).toFixed(2)} s after ${FIRST.toLocaleString('en')}`,
      target: `<= 10 s${forTarget}`,
      met: last.start.readyMs <= 10_000,
    },
  ];
  const results = {
    bench: 'sync-figures',
    machine: machine(),
    target: { readyMs: 10_000, rssMb: 300 },
    met: last.start.readyMs <= 10_000 && rss(last.start) <= 300,
    rounds,
    summary,
  };
  table.push('', ...summaryTable(summary));
  report('sync-figures', table, results, started, log);
}

runBench(main);
