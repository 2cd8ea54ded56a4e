import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ProcedureCatalogAuditRecord } from '@motlan/audit/audit-record.js';
import type { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { ConflictError, ErrorCodes, InvalidRequestError, NotFoundError, UnavailableError } from '@motlan/errors/domain-error.js';
import type { ProcedureCatalogFileDto, ProcedureDto } from '@motlan/procedure-catalog/procedure-catalog-file.dto.js';
import { ProcedureChangeUnconfirmedError, type ChangeVerdict, type ProcedureCatalogLog } from '@motlan/procedure-catalog/procedure-catalog-log.js';
import { procedureProblems, type Procedure, type PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import type { AdapterPool } from '@motlan/registry-client/adapter-pool.js';

/** Who changes the catalog (for the audit trail). */
export interface ProcedureActor {
  clientId: string;
  requestId: string;
}

/** One procedure as the operator API answers it: its version and the procedure as in the catalog file. */
export interface ProcedureView {
  code: string;
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  procedure: ProcedureDto;
}

export interface ProcedureListView {
  /** `log`: run-time data on the procedure catalog log; `file`: a fixed file (MOTLAN_PROCEDURE_CATALOG), read-only. */
  source: 'log' | 'file';
  /** The log's topic, or the file. */
  location: string;
  /** Version label of the catalog file the catalog was seeded from. */
  catalogVersion: string;
  procedures: ProcedureView[];
}

/**
 * The procedure catalog's use cases for operators: list, put and remove procedures. A change is
 * checked (structure by the DTO, names and the e-form here), ordered on this instance, appended to
 * the procedure catalog log with the version it expects, and answered once the log's verdict is
 * known (so a stale version is 409 even when the other writer is another instance), then audited.
 */
export class ProcedureCatalogService implements OnModuleDestroy {
  private readonly logger = new Logger('ProcedureCatalog');
  private changeQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly catalog: PurposeCatalog,
    /** Null when a fixed file is the catalog. */
    private readonly log: ProcedureCatalogLog | null,
    private readonly audit: AuditSink,
    private readonly pool: AdapterPool,
    private readonly file: string,
  ) {}

  /** Reads the log to its end (seeding it when empty); the registries the catalog names become known to the pool. */
  async start(seed: () => ProcedureCatalogFileDto): Promise<void> {
    if (this.log) await this.log.start(seed, () => this.registriesChanged());
    else this.registriesChanged();
    this.logger.log(
      { source: this.log ? this.log.topic : this.file, procedures: this.catalog.procedures.length, version: this.catalog.version },
      `procedure catalog ${this.catalog.version}: ${this.catalog.procedures.length} procedures`,
    );
  }

  /** Called by the log after every accepted change, on every instance. */
  registriesChanged(): void {
    this.pool.nameRegistries(this.catalog.registries());
  }

  async onModuleDestroy(): Promise<void> {
    await this.log?.stop();
  }

  list(): ProcedureListView {
    return {
      source: this.log ? 'log' : 'file',
      location: this.log ? this.log.topic : this.file,
      catalogVersion: this.catalog.version,
      procedures: this.catalog.procedures.map(view),
    };
  }

  get(code: string): ProcedureView {
    const procedure = this.catalog.procedure(code);
    if (!procedure) throw notFound(code);
    return view(procedure);
  }

  /**
   * Creates or replaces a procedure. `expectedVersion` (If-Match or the body's `version`) is the
   * version the operator read, 0 for "must not exist yet"; without it the change applies to
   * whatever version is in force.
   */
  async put(
    code: string,
    procedure: ProcedureDto,
    expectedVersion: number | undefined,
    actor: ProcedureActor,
  ): Promise<{ view: ProcedureView; created: boolean }> {
    const log = this.writable();
    if (procedure.code !== code) {
      throw new InvalidRequestError(ErrorCodes.procedureCodeMismatch, `the body's code ${procedure.code.slice(0, 20)} differs from the path's ${code}`, [
        { name: 'code', reason: 'must equal the code in the path' },
      ]);
    }
    const problems = procedureProblems(procedure);
    if (problems.length > 0) {
      throw new InvalidRequestError(
        ErrorCodes.validation,
        `invalid procedure: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        problems.map((p) => ({ name: p.path, reason: p.message })),
      );
    }
    return this.serialized(async () => {
      this.checkVersion(log, code, expectedVersion);
      const verdict = accepted(await this.appendChecked(log, code, procedure, actor));
      const after = verdict.after!;
      // Described registries are checked now; one without an adapter yet is checked when it registers.
      this.catalog.checkAgainst(this.pool.snapshot(), [after]);
      await this.record(actor, verdict.before ? 'update' : 'create', code, verdict.version, verdict.before, after);
      return { view: view(after), created: verdict.before === null };
    });
  }

  async remove(code: string, expectedVersion: number | undefined, actor: ProcedureActor): Promise<{ code: string; version: number }> {
    const log = this.writable();
    return this.serialized(async () => {
      if (!this.catalog.procedure(code)) throw notFound(code);
      this.checkVersion(log, code, expectedVersion);
      const verdict = accepted(await this.appendChecked(log, code, null, actor));
      await this.record(actor, 'remove', code, verdict.version, verdict.before, null);
      return { code, version: verdict.version };
    });
  }

  private writable(): ProcedureCatalogLog {
    if (!this.log) {
      throw new ConflictError(
        ErrorCodes.procedureCatalogFixed,
        `the procedure catalog is the file ${this.file} (MOTLAN_PROCEDURE_CATALOG); change the file and restart, or unset the variable to manage it here`,
      );
    }
    return this.log;
  }

  private checkVersion(log: ProcedureCatalogLog, code: string, expected: number | undefined): void {
    const current = log.liveVersion(code);
    if (expected !== undefined && expected !== current) {
      throw new ConflictError(
        ErrorCodes.procedureVersionConflict,
        current === 0
          ? `procedure ${code} is not in the catalog (version ${expected} was expected)`
          : `procedure ${code} is at version ${current}, not ${expected}: read it again and apply your change to that version`,
        { procedure: code, currentVersion: current },
      );
    }
  }

  private async appendChecked(log: ProcedureCatalogLog, code: string, procedure: ProcedureDto | null, actor: ProcedureActor): Promise<ChangeVerdict> {
    try {
      return await log.append({ code, procedure, updatedBy: actor.clientId });
    } catch (error) {
      const unconfirmed = error instanceof ProcedureChangeUnconfirmedError;
      this.logger.error(
        { code, reason: (error as Error).message },
        unconfirmed ? 'procedure change appended but not read back in time' : 'procedure change not stored',
      );
      throw new UnavailableError(
        ErrorCodes.procedureCatalogUnavailable,
        unconfirmed
          ? `the change of procedure ${code} was stored but is not confirmed yet; read the procedure again before retrying`
          : `the procedure catalog log cannot be written now; nothing was changed`,
        5,
      );
    }
  }

  private async record(
    actor: ProcedureActor,
    action: ProcedureCatalogAuditRecord['action'],
    code: string,
    version: number,
    before: Procedure | null,
    after: Procedure | null,
  ): Promise<void> {
    // The change is durable and in force; a failed audit write is an operational alarm, not a reason to undo it.
    await this.audit
      .append({
        type: 'procedure_catalog',
        time: new Date().toISOString(),
        requestId: actor.requestId,
        clientId: actor.clientId,
        action,
        code,
        version,
        before: before?.definition ?? null,
        after: after?.definition ?? null,
      })
      .catch((error: Error) => this.logger.error({ code, reason: error.message }, 'audit write failed for a procedure catalog change'));
  }

  private serialized<T>(change: () => Promise<T>): Promise<T> {
    const result = this.changeQueue.then(change, change);
    this.changeQueue = result.catch(() => undefined);
    return result;
  }
}

function accepted(verdict: ChangeVerdict): Extract<ChangeVerdict, { accepted: true }> {
  // Another writer (another instance) changed the procedure between our check and our append.
  if (!verdict.accepted)
    throw new ConflictError(ErrorCodes.procedureVersionConflict, 'the procedure was changed by another request at the same time: read it again and retry');
  return verdict;
}

function notFound(code: string): NotFoundError {
  return new NotFoundError(ErrorCodes.procedureNotFound, `procedure ${code} is not in the procedure catalog`, { procedure: code });
}

function view(procedure: Procedure): ProcedureView {
  return {
    code: procedure.code,
    version: procedure.revision.version,
    updatedAt: procedure.revision.updatedAt,
    updatedBy: procedure.revision.updatedBy,
    procedure: procedure.definition!,
  };
}
