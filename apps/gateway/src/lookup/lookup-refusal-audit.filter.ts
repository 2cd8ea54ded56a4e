import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { sendProblem } from '../common/problem.js';
import { toProblem } from '../common/problem.filter.js';
import { clientOf } from '../auth/client-auth.guard.js';
import { auditedErrors } from './lookup.service.js';

/**
 * Lookup routes: a request refused before it reached the lookup service (bad token, malformed
 * headers, path or body) is still an attempt to read citizen data, so it is audited too. What the
 * caller sent is recorded only as far as it is well-formed enough to be worth recording.
 */
@Catch()
export class LookupRefusalAuditFilter implements ExceptionFilter {
  private readonly logger = new Logger('LookupRefusalAudit');

  constructor(private readonly audit: AuditSink) {}

  async catch(error: unknown, host: ArgumentsHost): Promise<void> {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { problem, retryAfterSeconds } = toProblem(error, request, this.logger);
    if (!(error !== null && typeof error === 'object' && auditedErrors.has(error))) {
      const params = (request.params ?? {}) as Record<string, string | undefined>;
      const header = (name: string) => {
        const value = request.headers[name];
        return typeof value === 'string' && value.length <= 64 ? value : null;
      };
      const client = clientOf(request);
      try {
        await this.audit.append({
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
