/** Errors of the simulated registries, mapped to gRPC status codes and HTTP statuses at the edges. */

/** The request cannot be served as asked (unknown dataset or field, malformed id): INVALID_ARGUMENT / 400. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
}

/** A registry name the simulator does not run: 404 on the control API. */
export class UnknownRegistryError extends Error {
  override readonly name = 'UnknownRegistryError';
}

/** The subject has no record in this dataset (only for run-time changes; lookups answer found = false). */
export class SubjectNotFoundError extends Error {
  override readonly name = 'SubjectNotFoundError';
}

/** Injected failure: the registry is down or the call drew an error. UNAVAILABLE on gRPC. */
export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';
}

/** An extra adapter id the simulator does not run: 404 on the control API. */
export class UnknownAdapterError extends Error {
  override readonly name = 'UnknownAdapterError';
}
