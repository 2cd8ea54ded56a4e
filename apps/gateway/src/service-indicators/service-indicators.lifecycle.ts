import type { EventLog } from '@motlan/event-log/event-log.port.js';
import { ProjectionLifecycle } from '@motlan/projection/projection-lifecycle.js';
import type { IndicatorsViewStore } from '@motlan/service-indicators/indicators-view-store.port.js';
import type { ServiceIndicatorsProjection } from '@motlan/service-indicators/service-indicators.projection.js';

interface Closable {
  close(): Promise<void>;
}

/** The service indicators' projection started and stopped with the application, their stores closed (libs/projection). */
export class ServiceIndicatorsLifecycle extends ProjectionLifecycle {
  constructor(projection: ServiceIndicatorsProjection | null, closables: { view: IndicatorsViewStore; snapshots: Closable; auditLog: EventLog | null }) {
    super(projection, [closables.view, closables.snapshots, closables.auditLog], { context: 'ServiceIndicators', figures: 'service indicators' });
  }
}
