import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ADAPTER_CONFIG, type AdapterConfig } from './config/adapter.config.js';
import { GrpcStatusFilter } from './grpc/grpc-status.filter.js';
import { HealthController } from './grpc/health.controller.js';
import { RegistryAdapterController } from './grpc/registry-adapter.controller.js';
import { InMemoryRecordSource } from './records/in-memory-record-source.adapter.js';
import { LookupService } from './records/lookup.service.js';
import { RecordSource } from './records/record-source.port.js';
import { ServingStatusService } from './records/serving-status.service.js';

/** The one wiring place of the adapter: which RecordSource serves the lookups is decided here. */
@Module({})
export class AdapterTemplateModule {
  static register(config: AdapterConfig): DynamicModule {
    return {
      module: AdapterTemplateModule,
      controllers: [RegistryAdapterController, HealthController],
      providers: [
        { provide: ADAPTER_CONFIG, useValue: config },
        LookupService,
        ServingStatusService,
        InMemoryRecordSource,
        // REPLACE with your own source, e.g. { provide: RecordSource, useClass: PostgresRecordSource }.
        { provide: RecordSource, useExisting: InMemoryRecordSource },
        { provide: APP_FILTER, useClass: GrpcStatusFilter },
      ],
    };
  }
}
