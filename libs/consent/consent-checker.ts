import { ErrorCodes, ForbiddenError, UnavailableError } from '@motlan/errors/domain-error.js';
import { CONSENT_ID_PATTERN, consentMismatch, ConsentInvalidReasons, type Consent, type ConsentInvalidReason, type ConsentUse } from './consent.js';
import { ConsentStore, ConsentStoreUnavailableError } from './consent-store.port.js';

/** What the refusal names: the read, never the consent's own contents (they are the citizen's). */
export interface ConsentTarget {
  procedure: string;
  registry: string;
  dataset: string;
}

const REASON_TEXT: Record<ConsentInvalidReason, string> = {
  unknown: 'there is no consent with this reference',
  other_subject: 'the consent was given by another citizen than the one this record concerns',
  other_procedure: 'the consent is for another procedure',
  other_dossier: 'the consent is for another dossier (X-Dossier-Id)',
  other_commune: "the consent is for another commune than this client's",
  dataset_not_covered: 'the consent does not cover this registry dataset',
  expired: 'the consent has expired',
  revoked: 'the citizen has taken the consent back',
};

/**
 * Holds a sensitive read to the citizen's consent: finds the consent the client names (403
 * `consent_required` when it names none, `consent_invalid` with `reason: unknown` when there is no
 * such consent) and checks that it covers the read (`consent_invalid` with the first reason it
 * does not). Reads the store on every check, so a revocation holds from the next lookup on; a store
 * that cannot answer refuses the read (503 `consent_unavailable`).
 */
export class ConsentChecker {
  constructor(
    private readonly store: ConsentStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The consent `ref` names. */
  async find(ref: string | undefined, target: ConsentTarget): Promise<Consent> {
    if (ref === undefined) {
      throw new ForbiddenError(
        ErrorCodes.consentRequired,
        `${target.registry}/${target.dataset} is sensitive and procedure ${target.procedure} has no legal basis to read it without consent; send the id of the citizen's consent in X-Consent-Ref`,
        { ...target },
      );
    }
    // Not an id this gateway gives: no need to ask the store.
    const consent = CONSENT_ID_PATTERN.test(ref) ? await this.read(ref) : null;
    if (!consent) throw invalid(ConsentInvalidReasons.unknown, target);
    return consent;
  }

  /** Refuses unless `consent` covers `use` now. */
  assertCovers(consent: Consent, use: ConsentUse): void {
    const reason = consentMismatch(consent, use, this.now());
    if (reason !== null) throw invalid(reason, { procedure: use.procedure, registry: use.registry, dataset: use.dataset });
  }

  private read(id: string): Promise<Consent | null> {
    return withConsentStore(() => this.store.get(id));
  }
}

/** Runs a store operation; a store that cannot answer becomes 503 `consent_unavailable`. */
export async function withConsentStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ConsentStoreUnavailableError) {
      throw new UnavailableError(ErrorCodes.consentUnavailable, 'consents cannot be read or written now; nothing was read or changed, try again', 2);
    }
    throw error;
  }
}

function invalid(reason: ConsentInvalidReason, target: ConsentTarget): ForbiddenError {
  return new ForbiddenError(ErrorCodes.consentInvalid, `X-Consent-Ref does not allow reading ${target.registry}/${target.dataset}: ${REASON_TEXT[reason]}`, {
    reason,
    ...target,
  });
}
