import { Catch, HttpException, Injectable, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ErrorCodes } from '@motlan/errors/domain-error.js';
import { clientOf } from '../auth/client-auth.guard.js';
import { AnonymousRateLimitedError, AnonymousRefusals } from '../edge/anonymous-refusals.js';
import { problemType, sendProblem, type Problem } from './problem.js';

/** An error carrying a stable code and a 4xx/5xx status (DomainError, AuthError from libs/auth). */
interface CodedError {
  code: string;
  status: number;
  message: string;
  retryAfterSeconds?: number;
  extensions?: Record<string, unknown>;
  title?: string;
}

function isCodedError(error: unknown): error is CodedError {
  const e = error as Partial<CodedError> | null;
  return !!e && typeof e.code === 'string' && typeof e.status === 'number' && e.status >= 400 && e.status < 600;
}

/** Fastify's own errors (body parsing, size limits, content type) carry statusCode and an FST_ code. */
interface FastifyError {
  statusCode?: number;
  code?: string;
  message: string;
}

const TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  503: 'Service unavailable',
};

/**
 * Turns any error into an RFC 9457 problem document with a stable code. Only errors we did not
 * anticipate become 500; they are logged with their stack, and the caller sees no internals.
 */
export function toProblem(error: unknown, request: { id: string; url: string }, logger?: Logger): { problem: Problem; retryAfterSeconds?: number } {
  const base = { instance: request.url.split('?')[0], requestId: request.id };
  if (error instanceof DomainError || isCodedError(error)) {
    const e = error as CodedError;
    const extensions = error instanceof DomainError ? error.extensions : (e.extensions ?? {});
    return {
      problem: {
        type: problemType(e.code),
        title: e.title ?? TITLES[e.status] ?? 'Error',
        status: e.status,
        code: e.code,
        detail: e.message,
        ...extensions,
        ...base,
      },
      retryAfterSeconds: e.retryAfterSeconds,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    // Our own refusals are DomainErrors; HttpExceptions come from the framework (routing, body parsing).
    const code =
      status === 404
        ? ErrorCodes.routeNotFound
        : status === 405
          ? ErrorCodes.methodNotAllowed
          : status === 413
            ? ErrorCodes.bodyTooLarge
            : status === 415
              ? 'unsupported_media_type'
              : status === 400
                ? ErrorCodes.malformedBody
                : `http_${status}`;
    if (status >= 500) logger?.error({ err: error }, 'http exception');
    return {
      problem: {
        type: problemType(code),
        title: TITLES[status] ?? 'Error',
        status,
        code,
        detail: status === 404 ? 'no such route' : status >= 500 ? 'internal error' : status === 400 ? 'request body is not valid JSON' : error.message,
        ...base,
      },
    };
  }
  const fastifyError = error as FastifyError;
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    const code = status === 413 ? ErrorCodes.bodyTooLarge : status === 415 ? 'unsupported_media_type' : ErrorCodes.malformedBody;
    return {
      problem: { type: problemType(code), title: TITLES[status] ?? 'Invalid request', status, code, detail: safeFastifyDetail(fastifyError), ...base },
    };
  }
  logger?.error({ err: error }, 'unexpected error');
  return {
    problem: {
      type: problemType(ErrorCodes.internal),
      title: 'Internal error',
      status: 500,
      code: ErrorCodes.internal,
      detail: 'the gateway failed to process this request; it has been logged',
      ...base,
    },
  };
}

function safeFastifyDetail(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is larger than the gateway accepts';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'content type not supported; send application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'body is empty but content-type is application/json';
    default:
      return 'request body is not valid JSON';
  }
}

/**
 * The global filter: every error becomes a problem document, and every refused request is
 * recorded in the audit trail (who tried what, and why it was refused) — an attack or a misbehaving
 * client shows there, not only in logs. Lookup routes record their refusals themselves, with the
 * lookup's details (LookupRefusalAuditFilter), and never reach this filter.
 */
@Catch()
@Injectable()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  constructor(
    private readonly audit: AuditSink,
    private readonly anonymous: AnonymousRefusals,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const client = clientOf(request);
    let answer = toProblem(error, request, this.logger);
    // Refusals without a verified client are limited per source address (AnonymousRefusals); our own failures (5xx) are not the caller's.
    if (client === undefined && answer.problem.status < 500) {
      const decision = this.anonymous.admit(request.ip);
      if (!decision.allowed) answer = toProblem(new AnonymousRateLimitedError(decision.retryAfterMs), request, this.logger);
    }
    const { problem, retryAfterSeconds } = answer;
    const record = {
      type: 'refusal',
      time: new Date().toISOString(),
      requestId: request.id,
      method: request.method,
      route: request.routeOptions?.url ?? 'unmatched',
      clientId: client?.clientId ?? null,
      status: problem.status,
      code: problem.code,
    } as const;
    // The answer does not wait for the audit write: a refusal releases nothing.
    void (client === undefined ? this.anonymous.record(request.ip, problem.code, record) : this.audit.append(record)).catch((auditError: Error) =>
      this.logger.error({ reason: auditError.message }, 'audit write failed for a refused request'),
    );
    sendProblem(reply, problem, retryAfterSeconds);
  }
}
