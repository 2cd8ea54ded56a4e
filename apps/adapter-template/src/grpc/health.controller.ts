import { Controller } from '@nestjs/common';
import { GrpcMethod, GrpcStatus, RpcException } from '@nestjs/microservices';
import { map, of, type Observable } from 'rxjs';
import type { HealthCheckRequest__Output } from '@motlan/contracts/generated/grpc/health/v1/HealthCheckRequest.js';
import type { HealthCheckResponse } from '@motlan/contracts/generated/grpc/health/v1/HealthCheckResponse.js';
import { ServingStatusService } from '../records/serving-status.service.js';

/** The services health answers for: the whole server ("") and the adapter contract. */
const KNOWN_SERVICES = new Set(['', 'motlan.adapter.v1.RegistryAdapter']);

/**
 * The standard grpc.health.v1.Health service (proto/grpc/health/v1/health.proto), which the
 * gateway's readiness and adapter health use, and which grpc-health-probe understands.
 */
@Controller()
export class HealthController {
  constructor(private readonly serving: ServingStatusService) {}

  @GrpcMethod('Health', 'Check')
  async check(request: HealthCheckRequest__Output): Promise<HealthCheckResponse> {
    if (!KNOWN_SERVICES.has(request.service)) throw new RpcException({ code: GrpcStatus.NOT_FOUND, message: `unknown service "${request.service}"` });
    return { status: await this.serving.status() };
  }

  /** A server stream: the status now, then each change, until the client cancels or the adapter stops. */
  @GrpcMethod('Health', 'Watch')
  watch(request: HealthCheckRequest__Output): Observable<HealthCheckResponse> {
    // The health protocol answers SERVICE_UNKNOWN rather than an error for a service it does not serve.
    if (!KNOWN_SERVICES.has(request.service)) return of({ status: 'SERVICE_UNKNOWN' });
    return this.serving.watch().pipe(map((status) => ({ status })));
  }
}
