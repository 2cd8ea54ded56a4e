/**
 * `motlan audit verify [--from <iso time>] [--to <iso time>] [--file <path>] [--json]`: checks the
 * hash chains of the audit trail (libs/audit/audit-verifier.ts), reading the trail itself rather
 * than asking a gateway: the audit topic (MOTLAN_AUDIT_TOPIC, default motlan.audit.v1) on Kafka
 * when KAFKA_BROKERS is set, else in the embedded file log (MOTLAN_AUDIT_DIR, default
 * <data dir>/audit; an audit.jsonl of an earlier release there that was not moved into the log yet
 * is verified instead); --file verifies a plain JSON-lines file (an exported copy, an earlier
 * release's trail). Exit 0 when intact, 1 with the problems.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveDataDir } from '@motlan/auth/data-dir.js';
import type { TextSink } from '@motlan/auth/token-command.js';
import { readAuditTrailFile, readAuditTrailTopic } from '@motlan/audit/audit-trail-reader.js';
import { AuditTrailVerifier, type AuditVerifyReport } from '@motlan/audit/audit-verifier.js';
import { embeddedAuditLog, legacyAuditFile } from '@motlan/audit/embedded-audit-trail.js';
import { kafkaTopicExists } from '@motlan/events/kafka-client.adapter.js';
import { KafkaConfigError, loadKafkaSettings } from '@motlan/events/kafka-settings.js';
import { Topics } from '@motlan/events/topics.js';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface AuditVerifyOptions {
  from?: Date;
  to?: Date;
  /** A file to verify instead of the configured trail. */
  file?: string;
  json: boolean;
}

export async function runAuditVerify(options: AuditVerifyOptions, env: Env, stdout: TextSink, stderr: TextSink, cwd: string): Promise<number> {
  const verifier = new AuditTrailVerifier({ from: options.from, to: options.to });
  // The same Kafka settings as the gateway's (TLS, SASL), so the CLI reaches a secured cluster too.
  let kafka;
  try {
    kafka = loadKafkaSettings(env, cwd);
  } catch (error) {
    if (!(error instanceof KafkaConfigError)) throw error;
    stderr.write(`motlan: ${error.message}\n`);
    return 2;
  }
  const brokers = kafka?.brokers;
  let source: string;
  const topic = env.MOTLAN_AUDIT_TOPIC?.trim() || Topics.audit;
  const auditDir = path.resolve(cwd, env.MOTLAN_AUDIT_DIR?.trim() || path.join(resolveDataDir(env, cwd), 'audit'));
  // The embedded trail not moved into the log yet (no gateway of this release has started): that file is the trail.
  const legacy =
    !options.file && !brokers?.length && !existsSync(path.join(auditDir, topic)) && existsSync(legacyAuditFile(auditDir))
      ? legacyAuditFile(auditDir)
      : undefined;
  if (!options.file && kafka && brokers) {
    source = `Kafka topic ${topic} (${brokers.join(',')})`;
    if (!(await kafkaTopicExists(kafka, topic, 'motlan-audit-admin'))) {
      stderr.write(`motlan: no audit trail: topic ${topic} does not exist on ${brokers.join(',')}\n`);
      return 1;
    }
    const log = new KafkaEventLog({ ...kafka, clientId: 'motlan-audit-verify' });
    try {
      await readAuditTrailTopic(log, topic, (item) => verifier.push(item));
    } finally {
      await log.close();
    }
  } else if (!options.file && !legacy) {
    source = `topic ${topic} in ${auditDir}`;
    if (!existsSync(path.join(auditDir, topic))) {
      stderr.write(`motlan: no audit trail: ${path.join(auditDir, topic)} does not exist\n`);
      return 1;
    }
    const log = embeddedAuditLog({ dir: auditDir, fsync: false });
    try {
      await readAuditTrailTopic(log, topic, (item) => verifier.push(item));
    } finally {
      await log.close();
    }
  } else {
    const file = path.resolve(cwd, options.file ?? legacy ?? '');
    source = `file ${file}`;
    if (!existsSync(file)) {
      stderr.write(`motlan: no audit trail: ${file} does not exist\n`);
      return 1;
    }
    await readAuditTrailFile(file, (item) => verifier.push(item));
  }
  const report = verifier.report();
  stdout.write(options.json ? JSON.stringify({ source, ...report }, null, 2) + '\n' : text(source, report));
  return report.intact ? 0 : 1;
}

function text(source: string, report: AuditVerifyReport): string {
  const lines: string[] = [`Audit trail: ${source}`];
  const { from, to } = report.range;
  lines.push(
    `Range: ${from || to ? `${from ?? 'start'} .. ${to ?? 'end'} (the first record of each writer in range is taken as its start)` : 'the whole trail'}`,
  );
  const notes = [
    report.duplicates ? `${report.duplicates} exact repeat${report.duplicates === 1 ? '' : 's'} of a record (a retried write; not a problem)` : '',
    report.legacyUnchained ? `${report.legacyUnchained} record${report.legacyUnchained === 1 ? '' : 's'} from before chaining (not verifiable)` : '',
  ].filter(Boolean);
  lines.push(
    `Verified ${report.records} record${report.records === 1 ? '' : 's'} of ${report.writers.length} writer${report.writers.length === 1 ? '' : 's'}${notes.length ? `; ${notes.join('; ')}` : ''}`,
  );
  if (report.writers.length > 0) {
    const rows = [
      ['WRITER', 'SEQ', 'RECORDS', 'FIRST AT', 'LAST AT', 'LAST TIME', 'UNCONFIRMED'],
      ...report.writers.map((w) => [
        w.writer,
        `${w.firstSeq}-${w.lastSeq}`,
        String(w.records),
        w.firstPosition,
        w.lastPosition,
        w.lastTime ?? '-',
        String(w.unconfirmedAbsent),
      ]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    lines.push(
      '',
      ...rows.map(
        (r) =>
          '  ' +
          r
            .map((cell, i) => cell.padEnd(widths[i]))
            .join('  ')
            .trimEnd(),
      ),
    );
  }
  lines.push('');
  if (report.intact) {
    lines.push('INTACT: every chain in range is complete, unaltered and in order (records removed from the very end of a chain cannot be seen).');
  } else {
    lines.push(`NOT INTACT: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`);
    const kind = Math.max(...report.problems.map((p) => p.kind.length));
    for (const p of report.problems) {
      lines.push(`  ${p.kind.toUpperCase().padEnd(kind)}  ${p.writer ? `writer ${p.writer} ` : ''}at ${p.position}: ${p.detail}`);
    }
  }
  return lines.join('\n') + '\n';
}
