import { Logger } from '@nestjs/common';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { readTextIfExists } from '@motlan/files/atomic-file.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import type { LogMessage, EventLog } from '@motlan/event-log/event-log.port.js';
import { splitChained } from './audit-chain.js';
import { encodeAuditMessages, parseTrailText } from './audit-trail-codec.js';

export interface EmbeddedAuditTrailOptions {
  /** The log's directory: the trail is `<dir>/<topic>/0.jsonl`. */
  dir: string;
  /** fsync after each write batch (MOTLAN_AUDIT_FSYNC): survives a power loss, costs a disk flush per batch. */
  fsync: boolean;
  pollMs?: number;
}

/**
 * The embedded profile's audit trail: the audit topic of a file log of its own, one partition
 * (one file, every writer's chain in it), readable by the gateway's user only. Several gateway
 * processes may share it: every write batch is one O_APPEND write.
 */
export function embeddedAuditLog(options: EmbeddedAuditTrailOptions): EventLog {
  return new FileEventLog({ dir: options.dir, partitions: 1, private: true, fsync: options.fsync, pollMs: options.pollMs });
}

/** Where releases before the event log kept the embedded audit trail: one chained record per line. */
export function legacyAuditFile(dir: string): string {
  return path.join(dir, 'audit.jsonl');
}

/**
 * Moves the audit file of an earlier release into the log, once: when the audit topic is still
 * empty, its records are appended as they are (text unchanged, so every chain still verifies), in
 * file order, in one append, in messages as the sink writes them (each run of consecutive records
 * of one writer, one record per line: audit-trail-codec.ts); then the file is renamed to
 * `audit.jsonl.migrated` (kept: it is the original evidence). When the topic already holds records, nothing is moved and the file stays
 * where it is, with a warning: appending it behind newer records would not lose anything either,
 * but which records a crash in the middle of a move left behind is for an operator to decide
 * (`motlan audit verify --file` checks the file on its own). Blank lines are dropped; lines that
 * are not JSON objects are moved as they are, so the verifier still reports them. Resolves with
 * the number of records moved.
 */
export async function migrateLegacyAuditFile(file: string, log: EventLog, topic: string): Promise<number> {
  const text = await readTextIfExists(file);
  if (text === undefined) return 0;
  const logger = new Logger('AuditSink');
  if ((await log.endOffsets(topic)).some(({ offset }) => offset !== '0')) {
    logger.warn(
      { file, topic },
      'audit file of an earlier release left in place: the audit log already holds records; verify the file with `motlan audit verify --file`',
    );
    return 0;
  }
  const messages: LogMessage[] = [];
  let records = 0;
  let run: { writer: string; texts: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = parseTrailText(line);
    const writer = record ? (splitChained(record).chain?.writer ?? '') : '';
    if (run?.writer !== writer) {
      if (run) messages.push(...encodeAuditMessages(run.writer, run.texts));
      run = { writer, texts: [] };
    }
    run.texts.push(line);
    records++;
  }
  if (run) messages.push(...encodeAuditMessages(run.writer, run.texts));
  await log.append(topic, messages);
  await rename(file, `${file}.migrated`);
  logger.log({ file, records, messages: messages.length, topic }, 'audit file of an earlier release moved into the audit log');
  return records;
}
