import { Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { ProcedureCatalogFileDto } from '@motlan/procedure-catalog/procedure-catalog-file.dto.js';
import { ProcedureCatalogLog } from '@motlan/procedure-catalog/procedure-catalog-log.js';
import { PurposeCatalog, type CatalogDrift } from '@motlan/procedure-catalog/purpose-catalog.js';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { ProcedureCatalogService } from './procedure-catalog.service.js';

const logger = new Logger('PurposeCatalog');

/**
 * Once the adapters are described, compares the catalog with their datasets. A field or dataset
 * the catalog names but an adapter lacks is a warning, not a refusal to start: adapters come and
 * go at run time (operator catalog), such a field can never be returned anyway, and refusing would
 * take every other procedure down with it. Registries described later are checked on first use.
 */
@Injectable()
export class PurposeCatalogCheck implements OnApplicationBootstrap {
  constructor(
    private readonly purposes: PurposeCatalog,
    private readonly pool: AdapterPool,
  ) {}

  onApplicationBootstrap(): void {
    this.purposes.checkAgainst(this.pool.snapshot());
  }
}

function reportDrift(drift: CatalogDrift): void {
  const what = drift.datasetMissing
    ? `registry ${drift.registry} has no dataset ${drift.dataset}`
    : `dataset ${drift.registry}/${drift.dataset} has no field ${drift.missingFields.join(', ')}`;
  logger.warn(drift, `procedure catalog: ${drift.procedure} names what the adapters do not describe (${what}); never returned`);
}

/**
 * The procedure catalog (purposes), run-time data: read from the procedure catalog log (a
 * compacted Kafka topic in production, the file log embedded) before the gateway serves, seeded
 * from the shipped file when the log is empty, and changed through the operator API. With
 * MOTLAN_PROCEDURE_CATALOG set, that file is the catalog, read-only. Either file is read and
 * validated here, while the module tree is built, so a bad file stops the start with the JSON path
 * of each problem before anything connects. Registry names are checked by form only: a catalog
 * may name a registry before its adapter registers.
 */
@Module({})
export class PurposesModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const { fixedFile, topic, applyTimeoutMs } = config.procedures;
    const file = config.procedureCatalogFile;
    const seed: ProcedureCatalogFileDto = PurposeCatalog.loadFile(file);
    const catalog = fixedFile ? PurposeCatalog.fromFile(seed, { onDrift: reportDrift }) : PurposeCatalog.empty({ onDrift: reportDrift });
    return {
      module: PurposesModule,
      // Global: what a procedure may read, and its name, are asked by the lookup, prefill, consent
      // and access-log features alike; one catalog instance serves them all.
      global: true,
      providers: [
        { provide: PurposeCatalog, useValue: catalog },
        {
          provide: ProcedureCatalogService,
          inject: [EventLog, AuditSink, AdapterPool],
          useFactory: async (log: EventLog, audit: AuditSink, pool: AdapterPool) => {
            const store = fixedFile ? null : new ProcedureCatalogLog(log, catalog, { topic, applyTimeoutMs });
            const service = new ProcedureCatalogService(catalog, store, audit, pool, file);
            // Lookups are decided by the catalog from the first request: read the log to its end before serving.
            await service.start(() => seed);
            return service;
          },
        },
        PurposeCatalogCheck,
      ],
      // ProceduresController is the GatewayModule's, beside the auth guards it needs.
      exports: [PurposeCatalog, ProcedureCatalogService],
    };
  }
}
