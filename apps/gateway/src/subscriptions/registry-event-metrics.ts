import type { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import type { RegistryDeliveryObserver } from '@motlan/registry-events/registry-event-relay.js';

/**
 * The relay's deliveries as Prometheus series (docs/metrics.md). Labels stay bounded: registries are
 * those of the adapter catalog (subscriptions and corrections are checked against it), event types a
 * fixed list; never a subject, a subscription or a correction id. Latency is counted for deliveries
 * the subscriber took (delivered or duplicate), not for dead letters.
 */
export function registryEventMetrics(metrics: GatewayMetrics): RegistryDeliveryObserver {
  return {
    settled: (delivery, outcome, latencyMs) => {
      const labels = { subscriber: delivery.target, source: delivery.sourceRegistry, event_type: delivery.eventType };
      metrics.registryEventDeliveries.inc({ ...labels, outcome });
      if (outcome !== 'dead_lettered') metrics.registryEventDeliverySeconds.observe(labels, latencyMs / 1000);
    },
    retried: (delivery) => metrics.registryEventRetries.inc({ subscriber: delivery.target, source: delivery.sourceRegistry, event_type: delivery.eventType }),
  };
}
