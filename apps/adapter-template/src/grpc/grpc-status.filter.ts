import { Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { GrpcStatus, RpcException } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { InvalidLookupError, RecordSourceUnavailableError } from '../records/record-errors.js';

/** What grpc-js turns into the call's status: a numeric `code` and the `details` text. */
interface GrpcError {
  code: GrpcStatus;
  details: string;
}

/**
 * Every error of every handler, as the gRPC status the adapter contract asks for: INVALID_ARGUMENT
 * for the caller's fault (the gateway answers 400 naming it), UNAVAILABLE when the registry cannot
 * answer (the gateway retries, or serves a STALE copy), INTERNAL for anything else, logged here
 * with its stack; the caller learns nothing of the internals. Without this filter Nest would answer
 * UNKNOWN, which the gateway counts as an internal failure too, but gives no reason.
 */
@Catch()
export class GrpcStatusFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger(GrpcStatusFilter.name);

  catch(exception: unknown): Observable<never> {
    return throwError(() => this.toStatus(exception));
  }

  private toStatus(exception: unknown): GrpcError {
    if (exception instanceof InvalidLookupError) return { code: GrpcStatus.INVALID_ARGUMENT, details: exception.message };
    if (exception instanceof RecordSourceUnavailableError) return { code: GrpcStatus.UNAVAILABLE, details: exception.message };
    if (exception instanceof RpcException) {
      const error = exception.getError();
      if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') {
        return { code: error.code, details: 'message' in error ? String(error.message) : exception.message };
      }
    }
    this.logger.error({ err: exception }, 'handler failed');
    return { code: GrpcStatus.INTERNAL, details: 'internal error in the registry adapter' };
  }
}
