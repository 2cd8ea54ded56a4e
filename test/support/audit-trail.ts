/**
 * The embedded audit trail as e2e suites read it: the audit topic of the file log under the audit
 * directory (MOTLAN_AUDIT_DIR, default <data dir>/audit), one partition file whose lines carry each
 * record's JSON text as their value.
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
    .map((line) => JSON.parse((JSON.parse(line) as { v: string }).v) as T);
}
