import type { MonitoredGroup } from '@motlan/consumer-lag/lag-monitor.js';
import { Topics } from '@motlan/events/topics.js';
import { RegistryEventGroups, RegistryEventTopics } from './registry-event-topics.js';

/**
 * The consumer groups of registry events the lag monitor watches, with the same WARN/ERR rules as
 * the dossier relay's (docs/registry-events.md, "Monitoring"): the relay and its retry group on
 * the deliveries topics, and, when `fanoutSources` is given, the fan-out on the change topics of
 * the registries some subscription names (read at every poll: a new subscription's source shows up
 * at the next one). The fan-out is left out where the change events are not on the monitored log
 * (the embedded profile reads them from the simulator's own log).
 */
export function registryEventLagGroups(fanoutSources?: () => readonly string[]): MonitoredGroup[] {
  return [
    { group: RegistryEventGroups.relay, topics: () => [RegistryEventTopics.deliveries] },
    { group: RegistryEventGroups.relayRetry, topics: () => [RegistryEventTopics.deliveriesRetry] },
    ...(fanoutSources ? [{ group: RegistryEventGroups.fanout, topics: () => fanoutSources().map((r) => Topics.registryChanges(r)) }] : []),
  ];
}
