import { describe, expect, it } from '@jest/globals';
import { registryEventLagGroups } from './registry-event-lag-groups.js';

describe('registryEventLagGroups', () => {
  it('watches the relay and its retry group on the deliveries topics', () => {
    const groups = registryEventLagGroups();
    expect(groups.map((g) => [g.group, g.topics()])).toEqual([
      ['motlan-registry-events-relay', ['motlan.registry-events.deliveries.v1']],
      ['motlan-registry-events-relay-retry', ['motlan.registry-events.deliveries.retry.v1']],
    ]);
  });

  it('adds the fan-out over the change topics of the subscribed sources, read again at every poll', () => {
    let sources = ['civil-status'];
    const fanout = registryEventLagGroups(() => sources).find((g) => g.group === 'motlan-registry-events-fanout')!;
    expect(fanout.topics()).toEqual(['motlan.registry.civil-status.changes.v1']);
    sources = ['civil-status', 'population'];
    expect(fanout.topics()).toEqual(['motlan.registry.civil-status.changes.v1', 'motlan.registry.population.changes.v1']);
    sources = [];
    expect(fanout.topics()).toEqual([]);
  });
});
