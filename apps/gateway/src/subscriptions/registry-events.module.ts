import { Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnModuleDestroy, type Provider } from '@nestjs/common';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import { embeddedChangeEventLog } from '@motlan/events/embedded-change-event-log.js';
import { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import type { KeyedRelay } from '@motlan/event-log/keyed-relay.js';
import type { RegistryDeliveryMessage } from '@motlan/registry-events/registry-delivery.js';
import { RegistryDeliveryTarget, RegistryEventFanout, registryDeliveryRelay } from '@motlan/registry-events/registry-event-relay.js';
import { SubscriptionService } from '@motlan/registry-events/subscription.service.js';
import { CorrectionService } from '@motlan/corrections/correction.service.js';
import type { DeliveryAckResult } from '@motlan/registry-client/registry-client.port.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { registryEventMetrics } from './registry-event-metrics.js';

/** The background jobs of registry events in a worker process: the fan-out and the relay. */
export class RegistryEventJobs {
  constructor(
    readonly fanout: RegistryEventFanout,
    readonly relay: KeyedRelay<RegistryDeliveryMessage, DeliveryAckResult>,
    /** The log the change events are read from, when it was opened for the fan-out alone (embedded). */
    private readonly ownedChangeLog: EventLog | null,
  ) {}

  async start(): Promise<void> {
    await this.relay.start();
    await this.fanout.start();
  }

  async stop(): Promise<void> {
    await this.fanout.stop();
    await this.relay.stop();
    await this.ownedChangeLog?.close();
  }
}

/**
 * Starts the subscription reader in every role (the api answers from it, the worker fans out by
 * it) and, in a worker, the jobs once the gateway is up (not awaited: the gateway serves while the
 * log is unreachable; a start that fails is tried again).
 */
export class RegistryEventsLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RegistryEvents');
  private started?: Promise<void>;
  private stopping = false;

  constructor(private readonly jobs: RegistryEventJobs | null) {}

  onApplicationBootstrap(): void {
    if (!this.jobs) return;
    const jobs = this.jobs;
    this.started = (async () => {
      for (let attempt = 1; !this.stopping; attempt++) {
        try {
          await jobs.start();
          return;
        } catch (error) {
          this.logger.warn({ attempt, reason: (error as Error).message }, 'registry event relay not started; retrying');
          await jobs.stop().catch(() => undefined);
          await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5000)));
        }
      }
    })();
  }

  /** Resolves once the worker's jobs run and follow every subscription made so far (tests wait on it). */
  async following(): Promise<void> {
    await this.started;
    await this.jobs?.fanout.settledFollowing();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await this.started?.catch(() => undefined);
    await this.jobs?.stop();
  }
}

/**
 * Registry-to-registry events and corrections (docs/registry-events.md): the subscriptions and
 * corrections stores (every role; the API's controllers are wired with the gateway's others), and in the worker role the fan-out from the registries' change
 * events to the deliveries topic and the relay from it to the subscribers' adapters.
 */
@Module({})
export class RegistryEventsModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const { worker } = config.roles;
    const workerProviders: Provider[] = [
      {
        provide: RegistryDeliveryTarget,
        inject: [AdapterPool, AuditSink, CorrectionService, GatewayMetrics],
        useFactory: (pool: AdapterPool, audit: AuditSink, corrections: CorrectionService, metrics: GatewayMetrics) => {
          const target = new RegistryDeliveryTarget(pool, audit, registryEventMetrics(metrics));
          // A correction's delivery moves its life cycle (the registry applied it, or refused it).
          target.onSettled((delivery, outcome) => corrections.onDelivery(delivery, outcome));
          return target;
        },
      },
      {
        provide: RegistryEventJobs,
        inject: [EventLog, SubscriptionService, RegistryClient, RegistryDeliveryTarget],
        useFactory: (log: EventLog, subscriptions: SubscriptionService, registries: RegistryClient, target: RegistryDeliveryTarget) => {
          // Change events: on Kafka the shared log; embedded, the simulator's log in the data directory.
          const changeLog = config.kafkaBrokers ? null : embeddedChangeEventLog(config.dataDir);
          return new RegistryEventJobs(
            new RegistryEventFanout(changeLog ?? log, log, subscriptions, registries),
            registryDeliveryRelay(log, target, config.registryEvents.relay),
            changeLog,
          );
        },
      },
    ];
    return {
      module: RegistryEventsModule,
      providers: [
        {
          provide: SubscriptionService,
          inject: [EventLog, PurposeCatalog, AdapterPool, AuditSink],
          useFactory: async (log: EventLog, purposes: PurposeCatalog, pool: AdapterPool, audit: AuditSink) => {
            const service = new SubscriptionService(
              log,
              purposes,
              (subscriber, source, dataset, type) => pool.accepts(subscriber, source, dataset, type),
              audit,
            );
            await service.start();
            return service;
          },
        },
        {
          provide: CorrectionService,
          inject: [EventLog, AdapterPool, PurposeCatalog, AuditSink],
          useFactory: async (log: EventLog, pool: AdapterPool, purposes: PurposeCatalog, audit: AuditSink) => {
            const service = new CorrectionService(log, pool, purposes, audit);
            await service.start();
            return service;
          },
        },
        ...(worker ? workerProviders : []),
        {
          provide: RegistryEventsLifecycle,
          inject: worker ? [RegistryEventJobs] : [],
          useFactory: (jobs?: RegistryEventJobs) => new RegistryEventsLifecycle(jobs ?? null),
        },
      ],
      exports: [SubscriptionService, CorrectionService, RegistryEventsLifecycle, ...(worker ? [RegistryDeliveryTarget] : [])],
    };
  }
}
