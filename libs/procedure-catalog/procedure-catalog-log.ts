/**
 * The procedure catalog stored on the EventLog port: one message per change, key = procedure code,
 * value = the procedure with its version (a tombstone with the version in its headers on removal).
 * Kafka keeps it in a compacted topic, the embedded profile in the file log. Every instance reads
 * the log from the beginning with an ephemeral reader at start and follows it, so a change made on
 * one instance is in force on all within the reader's poll interval.
 *
 * Versions and optimistic concurrency are decided by the log order, the same on every instance: a
 * change is accepted when its procedure is not in force (a creation) or when it names the version
 * in force plus one; anything else lost a race with another writer and is ignored everywhere. The
 * writer learns the verdict from its own reader (it waits for its message to come back), and
 * a writer that lost appends the winning message again, so that compaction, which keeps the last
 * message of a key, keeps the winner.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { plainToInstance, Type } from 'class-transformer';
import { Equals, IsISO8601, IsInt, IsObject, IsOptional, IsString, MaxLength, Min, MinLength, ValidateNested, validateSync } from 'class-validator';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';
import type { ConsumedMessage, LogMessage, RunningConsumer, EventLog } from '@motlan/event-log/event-log.port.js';
import { ProcedureDto, type ProcedureCatalogFileDto } from './procedure-catalog-file.dto.js';
import { Procedure, procedureProblems, type PurposeCatalog } from './purpose-catalog.js';

/** Headers of every message: what a tombstone cannot carry in its value. */
export const ProcedureLogHeaders = {
  version: 'motlan-procedure-version',
  changeId: 'motlan-change-id',
  updatedBy: 'motlan-updated-by',
  updatedAt: 'motlan-updated-at',
} as const;

/** The value of one message (a put); removals are tombstones. */
export class ProcedureLogRecordDto {
  @Equals(1, { message: 'format must be 1' })
  format!: number;

  @IsInt()
  @Min(1)
  version!: number;

  @IsString()
  @MinLength(1)
  @MaxLength(64)
  changeId!: string;

  @IsISO8601({ strict: true })
  updatedAt!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  updatedBy!: string;

  /** Seed messages only: the `version` label of the catalog file that seeded the log. */
  @IsOptional()
  @IsString()
  @MaxLength(40)
  catalogVersion?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  catalogDescription?: string;

  @IsObject()
  @ValidateNested()
  @Type(() => ProcedureDto)
  procedure!: ProcedureDto;
}

/** One change to append: a put (procedure) or a removal (procedure null). */
export interface ProcedureChange {
  code: string;
  procedure: ProcedureDto | null;
  updatedBy: string;
}

/** The verdict of the log on a change. */
export type ChangeVerdict = { accepted: true; version: number; before: Procedure | null; after: Procedure | null } | { accepted: false };

export interface ProcedureCatalogLogOptions {
  topic: string;
  /** Partitions of the topic when this instance creates it (Kafka); one keeps every change in one order. */
  partitions?: number;
  /** How long a writer waits for its own change to come back through the reader. */
  applyTimeoutMs: number;
}

/** A change already appended whose verdict could not be waited for. */
export class ProcedureChangeUnconfirmedError extends Error {
  override readonly name = 'ProcedureChangeUnconfirmedError';
}

interface Accepted {
  version: number;
  changeId: string;
  live: boolean;
  /** The accepted message as appended, to append again after a lost race. */
  message: LogMessage;
}

/** Reader group prefix (ephemeral: one private group per instance and start). */
const READER_GROUP = 'motlan-procedure-catalog';

export class ProcedureCatalogLog {
  private readonly logger = new Logger('ProcedureCatalog');
  /** Per code, the last accepted change (also of removed procedures, so versions keep counting). */
  private readonly accepted = new Map<string, Accepted>();
  private readonly waiters = new Map<string, (verdict: ChangeVerdict) => void>();
  private reader?: RunningConsumer;
  /** Told after every accepted change once started (and once at the start), e.g. to tell the adapter pool. */
  private onChange: () => void = () => undefined;

  constructor(
    private readonly log: EventLog,
    private readonly catalog: PurposeCatalog,
    private readonly options: ProcedureCatalogLogOptions,
  ) {}

  get topic(): string {
    return this.options.topic;
  }

  /**
   * Creates the topic if needed, seeds it from the catalog file when it has never held anything,
   * and reads it up to its end before resolving: the gateway serves lookups with the whole catalog.
   */
  async start(seed: () => ProcedureCatalogFileDto, onChange: () => void = () => undefined): Promise<void> {
    const { topic } = this.options;
    await this.log.ensureTopics([topic], this.options.partitions ?? 1, { compacted: true });
    const empty = (await this.log.endOffsets(topic)).every((p) => p.offset === '0');
    this.reader = await this.log.consume({ group: READER_GROUP, topics: [topic], fromBeginning: true, ephemeral: true }, (message) => this.handle(message));
    await this.reader.caughtUp();
    if (empty && this.accepted.size === 0) {
      const file = seed();
      // Two instances starting on an empty log both seed: the second's copies lose (same versions) and change nothing.
      const verdicts = await Promise.all(
        file.procedures.map((procedure) =>
          this.append({ code: procedure.code, procedure, updatedBy: 'seed' }, { catalogVersion: file.version, catalogDescription: file.description }),
        ),
      );
      this.logger.log(
        { topic, procedures: verdicts.filter((v) => v.accepted).length, version: file.version },
        `procedure catalog log seeded from catalog ${file.version}`,
      );
    }
    this.onChange = onChange;
    onChange();
  }

  /** The version a change of `code` would get (versions keep counting across a removal). */
  nextVersion(code: string): number {
    return (this.accepted.get(code)?.version ?? 0) + 1;
  }

  /** The version in force, 0 when the procedure is not in the catalog. */
  liveVersion(code: string): number {
    const accepted = this.accepted.get(code);
    return accepted?.live ? accepted.version : 0;
  }

  /**
   * Appends a change as the next version of its procedure and waits for the log's verdict.
   * @throws ProcedureChangeUnconfirmedError when the change was appended but did not come back in time
   */
  async append(change: ProcedureChange, seedInfo: { catalogVersion?: string; catalogDescription?: string } = {}): Promise<ChangeVerdict> {
    const version = this.nextVersion(change.code);
    const changeId = randomUUID();
    const updatedAt = new Date().toISOString();
    const headers = {
      [ProcedureLogHeaders.version]: String(version),
      [ProcedureLogHeaders.changeId]: changeId,
      [ProcedureLogHeaders.updatedBy]: change.updatedBy,
      [ProcedureLogHeaders.updatedAt]: updatedAt,
    };
    const value = change.procedure
      ? JSON.stringify({ format: 1, version, changeId, updatedAt, updatedBy: change.updatedBy, ...seedInfo, procedure: change.procedure })
      : null;
    const verdict = new Promise<ChangeVerdict>((resolve) => this.waiters.set(changeId, resolve));
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.log.append(this.options.topic, [{ key: change.code, value, headers }]);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ProcedureChangeUnconfirmedError(`change ${changeId} of procedure ${change.code} not read back within ${this.options.applyTimeoutMs} ms`),
            ),
          this.options.applyTimeoutMs,
        );
      });
      return await Promise.race([verdict, timeout]);
    } finally {
      clearTimeout(timer);
      this.waiters.delete(changeId);
    }
  }

  async stop(): Promise<void> {
    await this.reader?.stop();
  }

  /** Applies one message of the log: every instance reaches the same verdict on it. */
  private async handle(message: ConsumedMessage): Promise<void> {
    const code = message.key;
    const headers = message.headers ?? {};
    const changeId = headers[ProcedureLogHeaders.changeId];
    const version = Number(headers[ProcedureLogHeaders.version]);
    const problem = !PURPOSE_PATTERN.test(code)
      ? 'key is not a procedure code'
      : !changeId || !Number.isSafeInteger(version) || version < 1
        ? `headers ${ProcedureLogHeaders.changeId} and ${ProcedureLogHeaders.version} are required`
        : undefined;
    if (problem) return this.refuse(message, problem);
    const record = message.value === null ? null : this.parse(message);
    if (record === undefined) return;
    if (record && (record.procedure.code !== code || record.version !== version || record.changeId !== changeId)) {
      return this.refuse(message, 'value does not match its key and headers');
    }
    const previous = this.accepted.get(code);
    if (previous?.changeId === changeId) return; // delivered again, or a winner appended again after a lost race
    const live = previous?.live === true;
    const wins = record ? !live || version === previous.version + 1 : live && version === previous.version + 1;
    if (!wins) {
      this.waiters.get(changeId)?.({ accepted: false });
      // Ours lost: the winner goes last again, so that compaction keeps it.
      if (this.waiters.has(changeId) && previous) await this.log.append(this.options.topic, [previous.message]);
      return;
    }
    const before = this.catalog.procedure(code) ?? null;
    let after: Procedure | null = null;
    if (record) {
      const revision = { version, updatedAt: record.updatedAt, updatedBy: record.updatedBy };
      after = Procedure.fromDefinition(record.procedure, this.catalog.onDrift, revision);
      this.catalog.put(after);
      if (record.catalogVersion) this.catalog.version = record.catalogVersion;
      if (record.catalogDescription) this.catalog.description = record.catalogDescription;
    } else {
      this.catalog.remove(code);
    }
    this.accepted.set(code, { version, changeId, live: record !== null, message: { key: code, value: message.value, headers } });
    this.waiters.get(changeId)?.({ accepted: true, version, before, after });
    this.onChange();
  }

  /** The value as a validated record, or undefined (refused and logged). */
  private parse(message: ConsumedMessage): ProcedureLogRecordDto | undefined {
    let json: unknown;
    try {
      json = JSON.parse(message.value!);
    } catch {
      this.refuse(message, 'value is not JSON');
      return undefined;
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      this.refuse(message, 'value is not a JSON object');
      return undefined;
    }
    const record = plainToInstance(ProcedureLogRecordDto, json);
    let problems: string[];
    try {
      const errors = validateSync(record, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
      problems = errors.length > 0 ? errors.map((e) => e.property) : procedureProblems(record.procedure).map((p) => `${p.path}: ${p.message}`);
    } catch (error) {
      // A shape the checks did not foresee must not stop the reader (it would retry the message for ever).
      problems = [`cannot be checked (${(error as Error).message})`];
    }
    if (problems.length > 0) {
      this.refuse(message, `invalid procedure: ${problems.slice(0, 5).join('; ')}`);
      return undefined;
    }
    return record;
  }

  /**
   * A message no gateway wrote (or a later format): left out of the catalog on every instance
   * alike, and reported at error level with where it is, so that it is never lost silently.
   */
  private refuse(message: ConsumedMessage, reason: string): void {
    const changeId = message.headers?.[ProcedureLogHeaders.changeId];
    if (changeId) this.waiters.get(changeId)?.({ accepted: false });
    this.logger.error({ topic: message.topic, partition: message.partition, offset: message.offset, reason }, 'procedure catalog log: message ignored');
  }
}
