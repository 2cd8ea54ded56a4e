/**
 * The simulated national public-service portal on its own gRPC endpoint:
 * motlan.portal.v1.NationalPortal (DeliverDossierStatus) and grpc.health.v1.Health. The ledger
 * decides and records each delivery; the fault injector slows it down, fails it, or takes the
 * portal down (UNAVAILABLE, health NOT_SERVING) like the registries' faults do.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { portalContract } from '@motlan/contracts/grpc-contracts.js';
import type { NationalPortalHandlers } from '@motlan/contracts/generated/motlan/portal/v1/NationalPortal.js';
import { RestartableGrpcServer, type ServingState } from '../grpc/restartable-grpc.server.js';
import type { FaultInjector } from '../registries/fault-injector.js';
import { RegistryUnavailableError } from '../registries/sim-errors.js';
import type { PortalLedger } from './portal-ledger.js';

export const PORTAL_SERVICE_NAME = 'motlan.portal.v1.NationalPortal';
export class PortalGrpcServer extends RestartableGrpcServer {
  constructor(
    private readonly ledger: PortalLedger,
    private readonly faults: FaultInjector,
    private readonly logger: Logger,
  ) {
    super('portal', grpc.ServerCredentials.createInsecure());
  }

  protected addServices(server: grpc.Server): void {
    server.addService(portalContract().NationalPortal.service, this.portalHandlers(server));
  }

  protected serviceName(): string {
    return PORTAL_SERVICE_NAME;
  }

  protected servingState(): ServingState {
    return this.faults;
  }

  private portalHandlers(server: grpc.Server): NationalPortalHandlers {
    return {
      DeliverDossierStatus: (call, callback) => {
        this.faults
          .apply('deliver')
          .then(() => {
            // Killed while the call waited out its latency: a crashed portal records nothing. A call
            // the client gave up on (its deadline passed) is still recorded, as a real portal that
            // did not notice would: the client's retry then meets DUPLICATE.
            if (this.wasKilled(server)) return;
            const decision = this.ledger.deliver(call.request);
            const status = call.request.status;
            this.logger.debug(
              {
                idempotencyKey: call.request.idempotencyKey,
                commune: status?.communeCode,
                status: status?.status,
                result: decision.result,
                requestId: call.request.requestId,
              },
              'dossier status delivered',
            );
            callback(null, decision.result === 'REJECTED' ? { result: 'REJECTED', reason: decision.reason } : { result: decision.result });
          })
          .catch((error: unknown) => {
            if (error instanceof RegistryUnavailableError) {
              const details = this.faults.serving ? 'portal failed the call (simulated error rate)' : 'portal is down (simulated)';
              return callback({ code: grpc.status.UNAVAILABLE, details });
            }
            this.logger.error({ err: error }, 'portal delivery failed');
            callback({ code: grpc.status.INTERNAL, details: 'internal error in the portal simulator' });
          });
      },
    };
  }
}
