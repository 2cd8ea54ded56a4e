import { Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ArchiveSealer } from '@motlan/citizen-archive/archive-sealer.js';
import { CitizenArchiveIntake } from '@motlan/citizen-archive/citizen-archive-intake.js';
import { CitizenArchiveStore } from '@motlan/citizen-archive/citizen-archive-store.port.js';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { ResultArchiver } from './result-archiver.js';

/**
 * Starts the results job once the gateway is up (not awaited: it catches up when the log is
 * reachable), and on shutdown stops it and lets the evidence still queued reach the store.
 */
export class CitizenArchiveLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private started?: Promise<void>;

  constructor(
    private readonly intake: CitizenArchiveIntake,
    private readonly results: ResultArchiver | null,
  ) {}

  onApplicationBootstrap(): void {
    this.started = this.results?.start().catch((error: Error) => {
      new Logger('CitizenArchive').error({ reason: error.message }, 'cannot follow the dossier statuses: returned results are not archived');
    });
  }

  /** Resolves once the results job follows the statuses (tests wait on it). */
  async whenStarted(): Promise<void> {
    await this.started;
  }

  async onModuleDestroy(): Promise<void> {
    await this.started;
    await this.results?.stop().catch(() => undefined);
    await this.intake.flush();
  }
}

/**
 * The citizen's archive behind its routes: the intake the lookup path hands released evidence to
 * (api role), and the job that archives returned results from the dossier statuses (worker role,
 * config.archive.results). The store and the sealer come from the infrastructure module.
 */
@Module({})
export class CitizenArchiveModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: CitizenArchiveModule,
      providers: [
        {
          provide: CitizenArchiveIntake,
          inject: [CitizenArchiveStore, ArchiveSealer],
          useFactory: (store: CitizenArchiveStore, sealer: ArchiveSealer) =>
            new CitizenArchiveIntake(store, sealer, { maxQueued: config.archive.queueMax, retentionMs: config.archive.retentionDays * 86_400_000 }),
        },
        {
          provide: ResultArchiver,
          inject: [EventLog, CitizenArchiveIntake],
          useFactory: (log: EventLog, intake: CitizenArchiveIntake) => (config.archive.results ? new ResultArchiver(log, intake, config.archive.group) : null),
        },
        {
          provide: CitizenArchiveLifecycle,
          inject: [CitizenArchiveIntake, ResultArchiver],
          useFactory: (intake: CitizenArchiveIntake, results: ResultArchiver | null) => new CitizenArchiveLifecycle(intake, results),
        },
      ],
      exports: [CitizenArchiveIntake, CitizenArchiveLifecycle],
    };
  }
}
