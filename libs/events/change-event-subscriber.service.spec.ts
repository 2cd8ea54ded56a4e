/**
 * Change events over the embedded event log (real files in a temp directory): what the publisher
 * appends reaches the subscriber validated, invalid messages are dead-lettered with their reason,
 * a failing handler is counted and not retried, and a private reader starts at the end. The Kafka
 * path (one group shared by the instances) is covered by test/integration/production-profile.int.spec.ts.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import type { ConsumedMessage } from '@motlan/event-log/event-log.port.js';
import { eventually } from '../../test/support/eventually.js';
import { ChangeEventPublisher } from './change-event-publisher.service.js';
import { ChangeEventSubscriber } from './change-event-subscriber.service.js';
import { recordChangedEvent, type RegistryChangeEvent } from './registry-change-event.js';
import { DlqHeaders, Topics } from './topics.js';

const root = mkdtempSync(path.join(tmpdir(), 'motlan-change-events-'));
const closing: { close(): Promise<void> }[] = [];

function setUp() {
  const dir = path.join(root, randomUUID());
  const log = new FileEventLog({ dir, partitions: 1, pollMs: 10 });
  const publisher = new ChangeEventPublisher({ log: new FileEventLog({ dir, partitions: 1, pollMs: 10 }), ownsLog: true });
  const subscriber = new ChangeEventSubscriber({ log, ownsLog: true });
  closing.push(subscriber, publisher);
  const seen: Array<{ registry: string; event: RegistryChangeEvent }> = [];
  return { dir, log, publisher, subscriber, seen, handler: async (registry: string, event: RegistryChangeEvent) => void seen.push({ registry, event }) };
}

const event = (subjectId: string, version: string) =>
  recordChangedEvent({ registry: 'population', dataset: 'person', subjectId, version, changedFields: ['fullName'], id: randomUUID() });

/** Every dead letter written so far, read back by a reader of its own. */
async function deadLetters(dir: string): Promise<ConsumedMessage[]> {
  const reader = new FileEventLog({ dir, partitions: 1, pollMs: 10 });
  const dead: ConsumedMessage[] = [];
  const running = await reader.consume(
    { group: 'dlq-check', topics: [Topics.registryChangesDlq], fromBeginning: true, ephemeral: true },
    async (m) => void dead.push(m),
  );
  await running.caughtUp();
  await reader.close();
  return dead;
}

afterEach(async () => {
  for (const item of closing.splice(0)) await item.close();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ChangeEventSubscriber on the embedded event log', () => {
  it('delivers what the publisher appends after its start, in order, with its registry; earlier events are not replayed', async () => {
    const { publisher, subscriber, seen, handler } = setUp();
    await publisher.publish('population', event('001099012345', '1'));
    await subscriber.start(['population', 'land'], handler);
    await publisher.publish('population', event('001099012345', '2'));
    await publisher.publish(
      'land',
      recordChangedEvent({ registry: 'land', dataset: 'parcel', subjectId: 'P-1', version: '7', changedFields: ['area'], id: randomUUID() }),
    );
    await eventually('two events delivered', async () => (seen.length >= 2 ? seen : undefined), 5000, 10);
    expect(seen.map(({ registry, event }) => [registry, event.data.subjectId, event.data.version]).sort()).toEqual([
      ['land', 'P-1', '7'],
      ['population', '001099012345', '2'],
    ]);
    expect(subscriber.stats).toEqual({ processed: 2, deadLettered: 0, handlerErrors: 0 });
  });

  it('dead-letters an invalid message with its reason and where it came from, and keeps going', async () => {
    const { dir, publisher, subscriber, seen, handler } = setUp();
    await subscriber.start(['population'], handler);
    const topic = Topics.registryChanges('population');
    const writer = new FileEventLog({ dir, partitions: 1 });
    closing.push(writer);
    await writer.append(topic, [
      { key: 'x', value: 'not json' },
      { key: 'someone-else', value: JSON.stringify(event('001099012345', '3')) },
    ]);
    await publisher.publish('population', event('001099012345', '4'));
    await eventually('the valid event delivered', async () => (seen.length === 1 ? seen : undefined), 5000, 10);
    await eventually('both dead-lettered', async () => (subscriber.stats.deadLettered === 2 ? true : undefined), 5000, 10);
    const dead = await deadLetters(dir);
    expect(dead.map((m) => [m.key, m.headers?.[DlqHeaders.sourceTopic], m.headers?.[DlqHeaders.sourceOffset]])).toEqual([
      ['x', topic, '0'],
      ['someone-else', topic, '1'],
    ]);
    expect(dead[0].headers?.[DlqHeaders.reason]).toMatch(/not JSON/);
    expect(dead[1].headers?.[DlqHeaders.reason]).toMatch(/key differs/);
    expect(seen[0].event.data.version).toBe('4');
    expect(subscriber.stats).toMatchObject({ processed: 1, deadLettered: 2 });
  });

  it('counts a failing handler and moves on instead of retrying (the cache must not stall the stream)', async () => {
    const { publisher, subscriber } = setUp();
    const calls: string[] = [];
    await subscriber.start(['population'], async (_registry, e) => {
      calls.push(e.data.version);
      if (e.data.version === '1') throw new Error('cache down');
    });
    await publisher.publish('population', event('001099012345', '1'));
    await publisher.publish('population', event('001099012345', '2'));
    await eventually('both handled', async () => (calls.length >= 2 ? calls : undefined), 5000, 10);
    expect(calls).toEqual(['1', '2']);
    expect(subscriber.stats).toEqual({ processed: 1, deadLettered: 0, handlerErrors: 1 });
  });
});
