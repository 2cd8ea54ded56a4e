/**
 * Why a lookup cannot be answered, independent of gRPC; GrpcStatusFilter maps each to the status
 * code the contract asks for, once, at the edge.
 */

/** The caller's fault (unknown dataset or field, an id that cannot be parsed): INVALID_ARGUMENT. */
export class InvalidLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidLookupError';
  }
}

/** The registry cannot answer now (database down, overloaded): UNAVAILABLE, which the gateway retries. */
export class RecordSourceUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordSourceUnavailableError';
  }
}
