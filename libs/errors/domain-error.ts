/**
 * Errors the gateway answers with on purpose. Each carries a stable machine `code` (documented,
 * never renamed), the HTTP status it maps to, and a human `detail` that is safe to show a caller
 * (no personal data, no internals). The HTTP edge turns them into RFC 9457 problem+json once.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    /** Extra members of the problem document (e.g. `invalidParams`, `registry`). */
    readonly extensions: Record<string, unknown> = {},
    /** Seconds a client should wait before retrying (503/429), sent as Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export interface InvalidParam {
  name: string;
  reason: string;
}

/** 400: the request is malformed. */
export class InvalidRequestError extends DomainError {
  constructor(code: string, detail: string, invalidParams: InvalidParam[] = []) {
    super(code, 400, 'Invalid request', detail, invalidParams.length ? { invalidParams } : {});
  }
}

/** 403: the caller is known but not allowed. */
export class ForbiddenError extends DomainError {
  constructor(code: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(code, 403, 'Forbidden', detail, extensions);
  }
}

/** 404: the registry answered that it has no such record, or the registry/dataset does not exist. */
export class NotFoundError extends DomainError {
  constructor(code: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(code, 404, 'Not found', detail, extensions);
  }
}

/** 409: the request conflicts with the current state (an id already taken, an entry managed elsewhere). */
export class ConflictError extends DomainError {
  constructor(code: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(code, 409, 'Conflict', detail, extensions);
  }
}

/** 412: the request's If-Match names a revision that is no longer the current one (someone changed it first). */
export class PreconditionFailedError extends DomainError {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCodes.preconditionFailed, 412, 'Precondition failed', detail, extensions);
  }
}

/** 422: the request is well-formed but cannot be carried out as asked (e.g. the adapter it names fails its checks). */
export class UnprocessableError extends DomainError {
  constructor(code: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(code, 422, 'Unprocessable request', detail, extensions);
  }
}

/** 503: a registry (or a backing service) cannot answer now; the client may retry later. */
export class UnavailableError extends DomainError {
  constructor(code: string, detail: string, retryAfterSeconds = 5, extensions: Record<string, unknown> = {}) {
    super(code, 503, 'Service unavailable', detail, extensions, retryAfterSeconds);
  }
}

/** Stable error codes answered by the gateway. Documented in README ("Errors"). */
export const ErrorCodes = {
  validation: 'validation_failed',
  malformedBody: 'malformed_body',
  bodyTooLarge: 'body_too_large',
  invalidSubjectId: 'invalid_subject_id',
  invalidPurpose: 'invalid_purpose',
  unknownRegistry: 'unknown_registry',
  unknownDataset: 'unknown_dataset',
  unknownField: 'unknown_field',
  subjectNotFound: 'subject_not_found',
  missingScope: 'missing_scope',
  purposeUnknown: 'purpose_unknown',
  purposeNotAllowed: 'purpose_not_allowed',
  fieldNotAllowed: 'field_not_allowed',
  consentRequired: 'consent_required',
  consentInvalid: 'consent_invalid',
  consentUnavailable: 'consent_unavailable',
  consentNotFound: 'consent_not_found',
  consentLimitReached: 'consent_limit_reached',
  consentRequestNotFound: 'consent_request_not_found',
  consentRequestInvalid: 'consent_request_invalid',
  communeRequired: 'commune_required',
  noEForm: 'no_eform',
  registryUnavailable: 'registry_unavailable',
  registryNotConnected: 'registry_not_connected',
  registryTimeout: 'registry_timeout',
  registryBusy: 'registry_busy',
  registryCircuitOpen: 'registry_circuit_open',
  auditUnavailable: 'audit_unavailable',
  adapterNotFound: 'adapter_not_found',
  adapterExists: 'adapter_exists',
  adapterManagedByConfig: 'adapter_managed_by_config',
  adapterIdMismatch: 'adapter_id_mismatch',
  insecureNotAllowed: 'insecure_transport_not_allowed',
  tlsMaterialUnreadable: 'tls_material_unreadable',
  tlsMaterialInvalid: 'tls_material_invalid',
  adapterEndpointNotAllowed: 'adapter_endpoint_not_allowed',
  registryNotPermitted: 'registry_not_permitted',
  adapterOwnerMismatch: 'adapter_owner_mismatch',
  adapterUnreachable: 'adapter_unreachable',
  adapterContractMismatch: 'adapter_contract_mismatch',
  adapterRegistryMismatch: 'adapter_registry_mismatch',
  adapterDatasetMismatch: 'adapter_dataset_mismatch',
  adapterRoutingConflict: 'adapter_routing_conflict',
  catalogUnavailable: 'catalog_unavailable',
  procedureNotFound: 'procedure_not_found',
  procedureCodeMismatch: 'procedure_code_mismatch',
  procedureVersionConflict: 'procedure_version_conflict',
  /** If-Match names a revision other than the current one (corrections' decisions). */
  preconditionFailed: 'precondition_failed',
  procedureCatalogFixed: 'procedure_catalog_fixed',
  procedureCatalogUnavailable: 'procedure_catalog_unavailable',
  unknownCommune: 'unknown_commune',
  unknownProvince: 'unknown_province',
  scopeProvinceMismatch: 'scope_province_mismatch',
  scopeCommuneMismatch: 'scope_commune_mismatch',
  communeMismatch: 'commune_mismatch',
  dossierCommuneMismatch: 'dossier_commune_mismatch',
  dossierBindingUnavailable: 'dossier_binding_unavailable',
  dossierNotBound: 'dossier_not_bound',
  syncQueueUnavailable: 'sync_queue_unavailable',
  rateLimited: 'rate_limited',
  bodyTooDeep: 'body_too_deep',
  requestTimeout: 'request_timeout',
  revocationUnavailable: 'revocation_unavailable',
  invalidCursor: 'invalid_cursor',
  accessLogUnavailable: 'access_log_unavailable',
  archiveItemNotFound: 'archive_item_not_found',
  archiveUnavailable: 'archive_unavailable',
  shareInvalid: 'share_invalid',
  routeNotFound: 'route_not_found',
  methodNotAllowed: 'method_not_allowed',
  internal: 'internal_error',
} as const;
