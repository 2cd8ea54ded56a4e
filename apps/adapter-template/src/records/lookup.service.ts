import { Injectable, Logger } from '@nestjs/common';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { subjectIdProblem } from '@motlan/identifiers/subject-id.js';
import { subjectTag } from '@motlan/logging/pino-nest-logger.js';
import { InvalidLookupError } from './record-errors.js';
import { RecordSource } from './record-source.port.js';
import { DATASETS, type DatasetSpec } from './registry-description.js';

export interface LookupQuery {
  dataset: string;
  subjectId: string;
  /** Empty: every field of the dataset. */
  fields: readonly string[];
  /** The gateway's request id, to correlate logs with its audit trail. */
  requestId: string;
}

export type LookupResult = { found: false } | { found: true; record: JsonObject; version: string; asOf: Date };

/**
 * Answers a lookup from the RecordSource: checks the request against what Describe promised
 * (dataset, fields, subject key format), then returns only the fields asked for. Knows nothing of
 * gRPC: errors are InvalidLookupError / RecordSourceUnavailableError.
 */
@Injectable()
export class LookupService {
  private readonly logger = new Logger(LookupService.name);
  private readonly datasets = new Map<string, DatasetSpec>(DATASETS.map((d) => [d.name, d]));

  constructor(private readonly source: RecordSource) {}

  /** @throws InvalidLookupError, RecordSourceUnavailableError */
  async lookup(query: LookupQuery): Promise<LookupResult> {
    const dataset = this.datasets.get(query.dataset);
    if (!dataset) throw new InvalidLookupError(`unknown dataset "${query.dataset}"; this adapter serves ${[...this.datasets.keys()].join(', ')}`);
    const problem = subjectIdProblem(dataset.subjectKey.name, dataset.subjectKey.pattern, query.subjectId);
    if (problem !== null) throw new InvalidLookupError(`subject_id: ${problem}`);
    const known = new Set(dataset.fields.map((f) => f.name));
    const unknown = query.fields.filter((f) => !known.has(f));
    if (unknown.length > 0) throw new InvalidLookupError(`unknown fields of ${dataset.name}: ${unknown.join(', ')}`);

    const record = await this.source.find(dataset.name, query.subjectId);
    // Never the subject id itself in logs: a short non-reversible tag is enough to correlate.
    this.logger.debug({ dataset: dataset.name, subject: subjectTag(query.subjectId), found: record !== null, requestId: query.requestId }, 'lookup');
    if (record === null) return { found: false };
    const wanted = query.fields.length > 0 ? query.fields : [...known];
    const picked: JsonObject = {};
    for (const field of wanted) if (field in record.data) picked[field] = record.data[field];
    return { found: true, record: picked, version: record.version, asOf: record.asOf };
  }
}
