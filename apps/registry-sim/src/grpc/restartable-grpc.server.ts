/**
 * What every simulated gRPC endpoint shares (registry adapters, the national portal): start on a
 * port, stop gracefully, crash on demand (kill) and start again, and serve grpc.health.v1 from a
 * fault injector's serving state. Subclasses add their own service.
 */
import * as grpc from '@grpc/grpc-js';
import { healthContract } from '@motlan/contracts/grpc-contracts.js';
import type { HealthHandlers } from '@motlan/contracts/generated/grpc/health/v1/Health.js';
import type { HealthCheckRequest__Output } from '@motlan/contracts/generated/grpc/health/v1/HealthCheckRequest.js';
import type { HealthCheckResponse } from '@motlan/contracts/generated/grpc/health/v1/HealthCheckResponse.js';

/** How long a graceful shutdown may wait for calls in flight (injected latency included). */
const SHUTDOWN_GRACE_MS = 2000;

type HealthWatch = grpc.ServerWritableStream<HealthCheckRequest__Output, HealthCheckResponse>;

/** The serving state health answers from (a FaultInjector). */
export interface ServingState {
  readonly serving: boolean;
  onServingChange(listener: () => void): () => void;
}

export abstract class RestartableGrpcServer {
  /** A grpc-js server cannot bind again once shut down: each start gets a fresh one. */
  private server: grpc.Server | undefined;
  /** Health watches in progress, with what unsubscribes them from serving changes. */
  private readonly watchers = new Map<HealthWatch, () => void>();
  /** Servers stopped by kill(): calls still waiting out a latency there must not take effect. */
  private readonly killed = new WeakSet<grpc.Server>();
  private endpointValue: string | undefined;

  protected constructor(
    /** Name in errors, e.g. the adapter id or "portal". */
    private readonly serverName: string,
    private readonly credentials: grpc.ServerCredentials,
  ) {}

  /** Adds the endpoint's own service to a fresh server (health is added here). */
  protected abstract addServices(server: grpc.Server): void;
  /** Full name of that service: health answers for it and for "". */
  protected abstract serviceName(): string;
  protected abstract servingState(): ServingState;
  /** Called on every health Check (counts). */
  protected onHealthCheck(): void {}

  /** host:port the server listens on, once started (kept after a stop: where it would come back). */
  get endpoint(): string {
    if (this.endpointValue === undefined) throw new Error(`${this.serverName} gRPC server not started`);
    return this.endpointValue;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Binds `host:port` (port 0 picks a free one) and resolves with the endpoint. Again after a stop. */
  start(host: string, port: number): Promise<string> {
    if (this.server) return Promise.reject(new Error(`${this.serverName} gRPC server already started`));
    const server = new grpc.Server();
    this.addServices(server);
    server.addService(healthContract().Health.service, this.healthHandlers());
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      server.bindAsync(address, this.credentials, (error, boundPort) => {
        if (error) {
          server.forceShutdown();
          return reject(new Error(`${this.serverName}: cannot listen on ${address}: ${error.message}`));
        }
        this.server = server;
        this.endpointValue = host.includes(':') ? `[${host}]:${boundPort}` : `${host}:${boundPort}`;
        resolve(this.endpointValue);
      });
    });
  }

  /** Ends health watches, lets calls in flight finish for a moment, then closes the rest. */
  async stop(): Promise<void> {
    const server = this.detach();
    if (!server) return;
    for (const call of this.endWatches()) call.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Stops at once, like a crash: calls in flight and health watches are cancelled, connections
   * closed, and new ones refused until the next start.
   */
  kill(): void {
    const server = this.detach();
    if (!server) return;
    this.killed.add(server);
    this.endWatches();
    server.forceShutdown();
  }

  /** Whether `server` was killed (a call that waited out an injected latency must then do nothing). */
  protected wasKilled(server: grpc.Server): boolean {
    return this.killed.has(server);
  }

  private detach(): grpc.Server | undefined {
    const server = this.server;
    this.server = undefined;
    return server;
  }

  private endWatches(): HealthWatch[] {
    const calls = [...this.watchers.keys()];
    for (const unsubscribe of this.watchers.values()) unsubscribe();
    this.watchers.clear();
    return calls;
  }

  private healthHandlers(): HealthHandlers {
    const state = this.servingState();
    const status = (): HealthCheckResponse => ({ status: state.serving ? 'SERVING' : 'NOT_SERVING' });
    const known = (service: string): boolean => service === '' || service === this.serviceName();
    return {
      Check: (call, callback) => {
        this.onHealthCheck();
        if (!known(call.request.service)) {
          return callback({ code: grpc.status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
        }
        callback(null, status());
      },
      Watch: (call) => {
        if (!known(call.request.service)) {
          call.write({ status: 'SERVICE_UNKNOWN' });
          return;
        }
        call.write(status());
        this.watchers.set(
          call,
          state.onServingChange(() => call.write(status())),
        );
        call.on('cancelled', () => {
          this.watchers.get(call)?.();
          this.watchers.delete(call);
        });
      },
    };
  }
}
