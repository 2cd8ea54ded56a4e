import type { Provider } from '@nestjs/common';
import type { GatewayConfig } from '../config/gateway.config.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Token = abstract new (...args: any[]) => unknown;

/** The timings, audit topic and clock a worker's projection runs with (the service indicators' settings serve every ops projection). */
export function projectionSettings(config: GatewayConfig): { snapshotIntervalMs: number; publishIntervalMs: number; auditTopic: string; now: () => number } {
  const { snapshotIntervalMs, publishIntervalMs } = config.serviceIndicators;
  return { snapshotIntervalMs, publishIntervalMs, auditTopic: config.audit.topic, now: Date.now };
}

/**
 * Where an ops report reads its figures: this process's projection when it also runs the worker
 * role (no publication lag), else what the workers published.
 */
export function reportSourceProvider<Projection, Store>(
  worker: boolean,
  source: Token,
  live: { projection: Token; create: (projection: Projection) => unknown },
  published: { store: Token; create: (store: Store) => unknown },
): Provider {
  return worker
    ? { provide: source, inject: [live.projection], useFactory: live.create }
    : { provide: source, inject: [published.store], useFactory: published.create };
}
