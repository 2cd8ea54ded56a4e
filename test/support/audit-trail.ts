/**
 * The embedded audit trail as e2e suites read it: the audit topic of the file log under the audit
 * directory (MOTLAN_AUDIT_DIR, default <data dir>/audit), one partition file whose lines are the
 * log's messages: each carries one write batch as its value, the records' JSON texts one per line
 * (libs/audit/audit-trail-codec.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Topics } from '@motlan/events/topics.js';

/** The partition file holding the trail. */
export function auditTrailFile(auditDir: string, topic: string = Topics.audit): string {
  return path.join(auditDir, topic, '0.jsonl');
}

/** Every record written so far, in write order (none while nothing was written). */
export function readAuditRecords<T = Record<string, unknown>>(auditDir: string, topic: string = Topics.audit): T[] {
  const file = auditTrailFile(auditDir, topic);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => (JSON.parse(line) as { v: string }).v.split('\n'))
    .map((text) => JSON.parse(text) as T);
}
