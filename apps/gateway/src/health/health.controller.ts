import { Controller, Get, HttpException, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { DatasetCatalogService } from '@motlan/registry-client/dataset-catalog.service.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import { ResilientRegistryClient } from '@motlan/registry-client/resilient-registry.client.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';

/** Liveness (the process answers) and readiness (every registry adapter answers its health check). */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registries: RegistryClient,
    private readonly catalog: DatasetCatalogService,
    private readonly cache: RegistryCache,
    private readonly resilience: ResilientRegistryClient,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Every registry adapter is reachable, described and SERVING (503 with details otherwise)' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult | object> {
    const states = new Map(this.catalog.snapshot().map((s) => [s.registry, s]));
    try {
      return await this.health.check([
        // A degraded cache does not make the gateway unready: lookups go to the registries meanwhile.
        async () => {
          const { state, ...details } = this.cache.availability();
          const indicator = this.indicators.check('cache');
          return state === 'up' ? indicator.up(details) : indicator.degraded(details);
        },
        ...this.registries.registries().map((registry) => async () => {
          const indicator = this.indicators.check(`registry:${registry}`);
          const serving = await this.registries.health(registry);
          const state = states.get(registry);
          const guard = this.resilience.state(registry);
          // The breaker informs but does not decide readiness: an open breaker is the gateway protecting itself (and
          // serving STALE), and the adapter's own health check already says whether it can answer.
          const breaker = guard && { state: guard.breaker.state, remainingOpenMs: guard.breaker.remainingOpenMs, inFlight: guard.inFlight };
          const details = { grpcHealth: serving, catalog: state?.state ?? 'unknown', datasets: state?.datasets.map((d) => d.name) ?? [], breaker };
          return serving === 'SERVING' && state?.state === 'described' ? indicator.up(details) : indicator.down({ ...details, reason: state?.reason });
        }),
      ]);
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
