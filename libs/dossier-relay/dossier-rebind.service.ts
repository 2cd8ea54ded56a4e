import { Logger } from '@nestjs/common';
import type { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { ErrorCodes, InvalidRequestError, NotFoundError, UnavailableError } from '@motlan/errors/domain-error.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { DossierBindingUnavailableError, type DossierCommuneBinding, type DossierCommuneBindings } from './dossier-commune-bindings.port.js';

/** Who asks for a rebinding, for the audit trail. */
export interface RebindActor {
  clientId: string;
  requestId: string;
}

/** A dossier's binding as the operator API shows it. */
export interface DossierBindingView extends DossierCommuneBinding {
  dossierId: string;
}

export interface RebindResult extends DossierBindingView {
  /** The commune it was bound to before, or null when it had no binding. */
  previousCommuneCode: string | null;
}

/**
 * Operators' view and correction of the dossier → commune bindings (a dossier first reported by
 * the wrong commune system, a dossier moved between communes by a merger). A correction is in
 * force when it resolves and is written to the audit trail with who, from which commune to which,
 * and why. It may also bind a dossier no one has reported yet, so its commune's first status
 * cannot be pre-empted.
 */
export class DossierRebindService {
  private readonly logger = new Logger(DossierRebindService.name);

  constructor(
    private readonly bindings: DossierCommuneBindings,
    private readonly directory: VnAdminDirectory,
    private readonly audit: AuditSink,
  ) {}

  async get(dossierId: string): Promise<DossierBindingView> {
    const binding = await this.guarded(() => this.bindings.get(dossierId));
    if (!binding) throw new NotFoundError(ErrorCodes.dossierNotBound, `dossier ${dossierId} is bound to no commune: no status was accepted for it`);
    return { dossierId, ...binding };
  }

  async rebind(dossierId: string, communeCode: string, reason: string, actor: RebindActor): Promise<RebindResult> {
    if (!this.directory.commune(communeCode)) {
      throw new InvalidRequestError(ErrorCodes.unknownCommune, `no commune with code ${communeCode} (codes are the 3,321 communes of 2025)`, [
        { name: 'communeCode', reason: 'unknown commune' },
      ]);
    }
    const binding: DossierCommuneBinding = { communeCode, boundAt: new Date().toISOString(), boundBy: actor.clientId, reason };
    const previous = await this.guarded(() => this.bindings.rebind(dossierId, binding));
    // The binding is already in force; a failed audit write is an operational alarm, not a reason
    // to undo it (as for adapter catalog changes and token revocations).
    await this.audit
      .append({
        type: 'dossier_commune_rebind',
        time: binding.boundAt,
        requestId: actor.requestId,
        clientId: actor.clientId,
        dossierId,
        before: previous?.communeCode ?? null,
        after: communeCode,
        reason,
      })
      .catch((error: Error) => this.logger.error({ reason: error.message }, 'audit write failed for a dossier rebinding'));
    return { dossierId, ...binding, previousCommuneCode: previous?.communeCode ?? null };
  }

  private async guarded<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof DossierBindingUnavailableError) {
        this.logger.error({ reason: error.message }, 'dossier bindings unavailable');
        throw new UnavailableError(ErrorCodes.dossierBindingUnavailable, 'the dossier bindings cannot be read or written now; retry', 5);
      }
      throw error;
    }
  }
}
