import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { AuditEntry } from '@motlan/audit/audit-record.js';
import { sendProblem } from '../common/problem.js';
import { toProblem } from '../common/problem.filter.js';
import { clientOf } from '../auth/client-auth.guard.js';
import { AnonymousRateLimitedError, AnonymousRefusals } from '../edge/anonymous-refusals.js';
import { auditedErrors } from './lookup.service.js';

/**
 * Lookup routes: a request refused before it reached the lookup service (bad token, malformed
 * headers, path or body) is still an attempt to read citizen data, so it is audited too. What the
 * caller sent is recorded only as far as it is well-formed enough to be worth recording.
 */
@Catch()
export class LookupRefusalAuditFilter implements ExceptionFilter {
  private readonly logger = new Logger('LookupRefusalAudit');

  constructor(
    private readonly audit: AuditSink,
    private readonly anonymous: AnonymousRefusals,
  ) {}

  async catch(error: unknown, host: ArgumentsHost): Promise<void> {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const client = clientOf(request);
    let answer = toProblem(error, request, this.logger);
    // Refusals without a verified client are limited per source address (AnonymousRefusals); our own failures (5xx) are not the caller's.
    if (client === undefined && answer.problem.status < 500) {
      const decision = this.anonymous.admit(request.ip);
      if (!decision.allowed) answer = toProblem(new AnonymousRateLimitedError(decision.retryAfterMs), request, this.logger);
    }
    const { problem, retryAfterSeconds } = answer;
    if (!(error !== null && typeof error === 'object' && auditedErrors.has(error))) {
      const params = (request.params ?? {}) as Record<string, string | undefined>;
      const header = (name: string) => {
        const value = request.headers[name];
        return typeof value === 'string' && value.length <= 64 ? value : null;
      };
      const append = (record: AuditEntry) => (client === undefined ? this.anonymous.record(request.ip, problem.code, record) : this.audit.append(record));
      try {
        await append({
          type: 'access',
          time: new Date().toISOString(),
          requestId: request.id,
          clientId: client?.clientId ?? null,
          officerId: header('x-officer-id'),
          purpose: header('x-purpose'),
          dossierId: header('x-dossier-id'),
          registry: short(params.registry),
          dataset: short(params.dataset),
          subjectId: short(params.subjectId),
          fields: [],
          outcome: 'refused',
          status: problem.status,
          code: problem.code,
        });
      } catch (auditError) {
        this.logger.error({ reason: (auditError as Error).message }, 'audit write failed for a refused request');
      }
    }
    sendProblem(reply, problem, retryAfterSeconds);
  }
}

function short(value: string | undefined): string | null {
  return value !== undefined && value.length <= 64 ? value : null;
}
