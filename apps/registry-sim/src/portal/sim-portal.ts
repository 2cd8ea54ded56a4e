/**
 * The simulated national portal as tests and the control API drive it (`sim.portal`): what it
 * received, its faults, the dossiers and procedures it refuses, and an abrupt stop and start of its
 * gRPC server.
 */
import type { Logger } from 'pino';
import { FaultInjector, parseFaultPatch, type FaultPatch, type FaultSettings } from '../registries/fault-injector.js';
import { PortalLedger, parseRejectionRules, type PortalRejectionRules, type PortalStats, type RecordedPortalStatus } from './portal-ledger.js';
import { PortalGrpcServer } from './portal-grpc.server.js';

/** The portal's state as `GET /sim/portal` shows it: its counts plus where it listens and what it is told to do. */
export interface SimPortalInfo extends PortalStats {
  /** host:port; kept while stopped. */
  endpoint: string;
  running: boolean;
  /** Health as the portal reports it: NOT_SERVING while `down`. */
  serving: boolean;
  faults: FaultSettings;
  rejections: PortalRejectionRules;
}

export class SimPortal {
  private readonly ledger = new PortalLedger();
  private readonly injector: FaultInjector;
  private readonly server: PortalGrpcServer;
  private host: string | undefined;
  private configuredPort = 0;
  private starting: Promise<string> | undefined;

  constructor(
    private readonly logger: Logger,
    /** Source of randomness for errorRate; injectable so tests can be exact. */
    random: () => number = Math.random,
  ) {
    this.injector = new FaultInjector({}, random);
    this.server = new PortalGrpcServer(this.ledger, this.injector, logger);
  }

  /** host:port of the portal's gRPC endpoint; kept while it is stopped, updated when it restarts. */
  get endpoint(): string {
    return this.server.endpoint;
  }

  get running(): boolean {
    return this.server.running;
  }

  /** Binds the first time (port 0 = ephemeral); the simulator calls it once. */
  async listen(host: string, port: number): Promise<string> {
    this.host = host;
    this.configuredPort = port;
    return this.server.start(host, port);
  }

  /** Accepted, duplicate and rejected deliveries in total, by commune and by province. */
  stats(): PortalStats {
    return this.ledger.stats();
  }

  /** Accepted statuses of one dossier in arrival order; empty when none. */
  statusesOf(dossierId: string): RecordedPortalStatus[] {
    return this.ledger.statusesOf(dossierId);
  }

  /** What its health service says, or STOPPED when the server is not running. */
  get health(): 'SERVING' | 'NOT_SERVING' | 'STOPPED' {
    if (!this.server.running) return 'STOPPED';
    return this.injector.serving ? 'SERVING' : 'NOT_SERVING';
  }

  get faults(): FaultSettings {
    return this.injector.settings;
  }

  /** Merges `patch` into the faults: latencyMs, errorRate (UNAVAILABLE), down (UNAVAILABLE, NOT_SERVING). @throws InvalidRequestError */
  setFaults(patch: FaultPatch): FaultSettings {
    return this.injector.update(parseFaultPatch(patch));
  }

  clearFaults(): FaultSettings {
    return this.injector.reset();
  }

  get rejections(): PortalRejectionRules {
    return this.ledger.rejectionRules;
  }

  /**
   * Refuses (REJECTED, with a reason) every new delivery of these dossiers or procedures until
   * clearRejections(); merged with the rules already set. Statuses already accepted stay accepted.
   * @throws InvalidRequestError
   */
  reject(rules: { dossierIds?: string[]; procedureCodes?: string[] }): PortalRejectionRules {
    const result = this.ledger.reject(parseRejectionRules(rules));
    this.logger.info({ rejections: result }, 'portal rejection rules set');
    return result;
  }

  clearRejections(): PortalRejectionRules {
    return this.ledger.clearRejections();
  }

  /** Back to as started: nothing received, no counts, no rejection rules, no faults. */
  reset(): void {
    this.ledger.reset();
    this.injector.reset();
  }

  /** Stops the gRPC server at once, like a crash: calls in flight fail CANCELLED and are not recorded; new ones UNAVAILABLE. */
  stop(): Promise<void> {
    this.server.kill();
    this.logger.info('portal stopped');
    return Promise.resolve();
  }

  /**
   * Starts a stopped portal again on the port it had; with port 0 configured it moves to another
   * ephemeral port when its old one has been taken meanwhile. Keeps what it received. Resolves with
   * the endpoint; does nothing to a running portal.
   */
  start(): Promise<string> {
    if (this.server.running) return Promise.resolve(this.server.endpoint);
    // Two starts at once would bind twice and leak one server: the second waits for the first.
    this.starting ??= this.restart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  info(): SimPortalInfo {
    return {
      ...this.stats(),
      endpoint: this.server.endpoint,
      running: this.server.running,
      serving: this.injector.serving,
      faults: this.faults,
      rejections: this.rejections,
    };
  }

  /** Graceful stop, for the simulator's own stop. */
  close(): Promise<void> {
    return this.server.stop();
  }

  private async restart(): Promise<string> {
    if (this.host === undefined) throw new Error('portal not started yet');
    const previous = this.server.endpoint;
    const previousPort = Number(previous.slice(previous.lastIndexOf(':') + 1));
    let endpoint: string;
    try {
      endpoint = await this.server.start(this.host, previousPort);
    } catch (error) {
      if (this.configuredPort !== 0) throw error;
      endpoint = await this.server.start(this.host, 0);
    }
    this.logger.info({ endpoint }, 'portal started');
    return endpoint;
  }
}
