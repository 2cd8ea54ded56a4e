import { Controller, Get, HttpException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { AccessLogLifecycle } from '../access-log/access-log.module.js';
import { CacheInvalidationService } from '../cache-invalidation/cache-invalidation.service.js';
import { SyncLifecycle } from '../dossier-relay/sync-lifecycle.service.js';

/**
 * Probes of a `worker` process (no API; Kubernetes still needs them): live = the process answers,
 * ready = its jobs started (the dossier relay's figures caught up and its delivery worker running,
 * the access-log projector following the audit trail, the change events followed). A process of
 * the `api` role answers these paths with HealthController instead.
 */
@ApiExcludeController()
@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly sync: SyncLifecycle,
    private readonly accessLog: AccessLogLifecycle,
    private readonly cacheSync: CacheInvalidationService,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult | object> {
    const jobs: [string, boolean][] = [
      ['job:dossier-relay', this.sync.isStarted()],
      ['job:access-log-projector', this.accessLog.isStarted()],
      ['job:cache-invalidation', this.cacheSync.isStarted()],
    ];
    try {
      return await this.health.check(
        jobs.map(([name, started]) => async () => {
          const indicator = this.indicators.check(name);
          return started ? indicator.up() : indicator.down({ reason: 'starting (waiting for Kafka or Redis)' });
        }),
      );
    } catch (error) {
      // Terminus reports "down" as a 503 HttpException whose body is the full check result: keep it.
      if (error instanceof HttpException) {
        void reply.status(error.getStatus());
        return error.getResponse() as object;
      }
      throw error;
    }
  }
}
