/**
 * Which commune each dossier belongs to, for the dossier relay. The portal keeps the first status
 * it receives per dossier and sequence, so a status reported under the wrong commune is not a
 * harmless duplicate: it replaces the real commune's status and can take its next sequence
 * numbers. A dossier is therefore bound to the commune that first reports it, and every later
 * status must name that commune; only an audited operator action moves it.
 */

/** The commune a dossier is bound to. */
export interface DossierCommuneBinding {
  /** 5-digit (2025) commune code. */
  communeCode: string;
  /** When it was bound (RFC 3339). */
  boundAt: string;
  /** Client id of the system that first reported the dossier, or of the operator who rebound it. */
  boundBy: string;
  /** The operator's reason, for a rebinding. */
  reason?: string;
}

/** Thrown when the binding store cannot be read or written now (answered 503 `dossier_binding_unavailable`). */
export class DossierBindingUnavailableError extends Error {
  override readonly name = 'DossierBindingUnavailableError';
}

/**
 * Durable dossier → commune bindings, shared by every gateway instance of a deployment (Redis in
 * production; a file under the data directory embedded). Every method rejects with
 * {@link DossierBindingUnavailableError} when the store cannot answer: the caller must then refuse,
 * never accept a status unbound.
 */
export abstract class DossierCommuneBindings {
  /**
   * Binds the dossier to `binding` unless it is bound already, in one atomic step (two instances
   * racing for the same dossier end up with one binding), and durably before it resolves. Resolves
   * with the binding in force: `binding` itself when it was absent, otherwise the existing one.
   */
  abstract bindIfAbsent(dossierId: string, binding: DossierCommuneBinding): Promise<DossierCommuneBinding>;

  /** Replaces the dossier's binding (an operator's correction); resolves with the previous one, or null. */
  abstract rebind(dossierId: string, binding: DossierCommuneBinding): Promise<DossierCommuneBinding | null>;

  /** The dossier's binding, or null when no status was accepted for it yet. */
  abstract get(dossierId: string): Promise<DossierCommuneBinding | null>;
}

/** Reads a stored binding back; null for anything that is not one (a torn or foreign entry). */
export function parseBinding(text: string): DossierCommuneBinding | null {
  try {
    const value = JSON.parse(text) as Partial<DossierCommuneBinding> | null;
    if (!value || typeof value.communeCode !== 'string' || typeof value.boundAt !== 'string' || typeof value.boundBy !== 'string') return null;
    return {
      communeCode: value.communeCode,
      boundAt: value.boundAt,
      boundBy: value.boundBy,
      ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
    };
  } catch {
    return null;
  }
}
