import { Controller, Get, HttpException, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';

/** Liveness (the process answers) and readiness (every registry adapter answers its health check). */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly pool: AdapterPool,
    private readonly cache: RegistryCache,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up', security: [] })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Every registry with adapters has one that is reachable, described and SERVING (503 with details otherwise)', security: [] })
  @ApiOkResponse({ description: 'Ready: the health document (status "ok", info and details per check)' })
  @ApiServiceUnavailableResponse({ description: 'Not ready: the same health document (application/json, not a problem), with the failing checks' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult | object> {
    // A registry nobody has registered an adapter for yet does not make this instance unready.
    const states = this.pool.snapshot().filter((s) => s.state !== 'no_adapter');
    try {
      return await this.health.check([
        // A degraded cache does not make the gateway unready: lookups go to the registries meanwhile.
        async () => {
          const { state, ...details } = this.cache.availability();
          const indicator = this.indicators.check('cache');
          return state === 'up' ? indicator.up(details) : indicator.degraded(details);
        },
        ...states.map((state) => async () => {
          const indicator = this.indicators.check(`registry:${state.registry}`);
          const serving = await this.pool.health(state.registry);
          // Breakers inform but do not decide readiness: an open breaker is the gateway protecting itself (and
          // serving STALE), and the adapters' own health checks already say whether they can answer.
          const breakers = Object.fromEntries(
            this.pool.adaptersOf(state.registry).map((a) => {
              const guard = a.guarded.state();
              return [a.id, { state: guard.breaker.state, remainingOpenMs: guard.breaker.remainingOpenMs, inFlight: guard.inFlight }];
            }),
          );
          const details = { grpcHealth: serving, catalog: state.state, adapters: state.adapters, datasets: state.datasets.map((d) => d.name), breakers };
          return serving === 'SERVING' && state.state === 'described' ? indicator.up(details) : indicator.down({ ...details, reason: state.reason });
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
