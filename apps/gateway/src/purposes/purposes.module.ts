import { Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { PurposeCatalog, type CatalogDrift } from '@motlan/purposes/purpose-catalog.js';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { REGISTRY_NAMES, type GatewayConfig } from '../config/gateway.config.js';

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
 * The procedure catalog (purposes). The file is read and validated here, while the module tree is
 * built, before any provider connects to anything: a bad catalog stops the start with the file and
 * JSON path of each problem, and leaves no connection or timer behind. Registry names must be
 * ones the gateway knows at start (the national registries and MOTLAN_ADAPTERS), so a typo is
 * caught rather than silently granting nothing.
 */
@Module({})
export class PurposesModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const catalog = PurposeCatalog.load(config.procedureCatalogFile, {
      knownRegistries: [...new Set([...REGISTRY_NAMES, ...Object.keys(config.adapters)])],
      onDrift: reportDrift,
    });
    return {
      module: PurposesModule,
      providers: [
        {
          provide: PurposeCatalog,
          useFactory: () => {
            logger.log(
              { version: catalog.version, procedures: catalog.procedures.length, file: config.procedureCatalogFile },
              `procedure catalog ${catalog.version}: ${catalog.procedures.length} procedures`,
            );
            return catalog;
          },
        },
        PurposeCatalogCheck,
      ],
      exports: [PurposeCatalog],
    };
  }
}
