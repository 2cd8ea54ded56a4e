/**
 * The keyed relay on the embedded event log (real files in a temp directory) with a scripted
 * destination: order per key, attempts in place then the retry topic, dead letters for refusals
 * and invalid messages, waiting out an outage without spending attempts, an outcome per message.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import type { ConsumedMessage } from '@motlan/event-log/event-log.port.js';
import { DlqHeaders } from '@motlan/events/topics.js';
import { KeyedRelay, RelayTransientError, type RelayAnswer, type RelayOutcome, type RelayTarget } from './keyed-relay.js';

interface Item {
  key: string;
  n: number;
}

const TOPICS = { main: 'relay.main', retry: 'relay.retry', dlq: 'relay.dlq' };

/** A destination the test scripts: per item number, what it answers (in turn); default accepted. */
class ScriptedTarget implements RelayTarget<Item, string> {
  readonly calls: number[] = [];
  readonly outcomes: Array<[number, RelayOutcome<string>['outcome']]> = [];
  readonly refusals: Array<[number, string]> = [];
  readonly script = new Map<number, Array<'fail' | 'reject' | 'duplicate'>>();
  down = false;
  /** Keys whose destination is down (a target with several destinations). */
  readonly downKeys = new Set<string>();

  parse(message: ConsumedMessage) {
    const value = JSON.parse(message.value ?? 'null') as Item | null;
    if (!value || typeof value.n !== 'number') return { ok: false as const, reason: 'not an item' };
    return { ok: true as const, message: value };
  }

  keyOf(item: Item): string {
    return item.key;
  }

  async deliver(item: Item): Promise<RelayAnswer<string>> {
    this.calls.push(item.n);
    if (this.down || this.downKeys.has(item.key)) throw new RelayTransientError('down');
    const next = this.script.get(item.n)?.shift();
    if (next === 'fail') throw new RelayTransientError('flaky');
    if (next === 'reject') return { result: 'rejected', reason: 'no such record' };
    return { result: next === 'duplicate' ? 'duplicate' : 'accepted', ack: `ack-${item.n}` };
  }

  async isDown(item: Item): Promise<boolean> {
    return this.down || this.downKeys.has(item.key);
  }

  async settled(item: Item, outcome: RelayOutcome<string>): Promise<void> {
    this.outcomes.push([item.n, outcome.outcome]);
    if (outcome.outcome === 'dead_lettered' && outcome.refusal !== undefined) this.refusals.push([item.n, outcome.refusal]);
  }
}

let dir: string;
let log: FileEventLog;
let relay: KeyedRelay<Item, string> | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'motlan-keyed-relay-'));
  log = new FileEventLog({ dir, partitions: 1, pollMs: 10, fsync: false });
});

afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(target: ScriptedTarget, overrides: Partial<ConstructorParameters<typeof KeyedRelay>[2]> = {}): Promise<void> {
  relay = new KeyedRelay(
    log,
    target,
    {
      destination: 'scripted',
      topics: TOPICS,
      groups: { main: 'relay', retry: 'relay-retry' },
      partitions: 1,
      deliveryTimeoutMs: 100,
      inlineAttempts: 2,
      inlineBackoffMs: 1,
      maxAttempts: 4,
      retryBackoffMs: 5,
      outageBackoffMaxMs: 250,
      ...overrides,
    },
    'TestRelay',
  );
  return relay.start();
}

const append = (items: Array<Item | string>) =>
  log.append(
    TOPICS.main,
    items.map((item) => (typeof item === 'string' ? { key: 'k', value: item } : { key: item.key, value: JSON.stringify(item) })),
  );

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function deadLetters(): Promise<Array<{ key: string; reason: string }>> {
  const found: Array<{ key: string; reason: string }> = [];
  const reader = await log.consume({ group: 'dlq-reader', topics: [TOPICS.dlq], fromBeginning: true, ephemeral: true }, async (m) => {
    found.push({ key: m.key, reason: m.headers?.[DlqHeaders.reason] ?? '' });
  });
  await reader.caughtUp();
  await reader.stop();
  return found;
}

describe('KeyedRelay', () => {
  it('delivers in order per key and settles each message once', async () => {
    const target = new ScriptedTarget();
    target.script.set(2, ['duplicate']);
    await start(target);
    await append([1, 2, 3].map((n) => ({ key: 'a', n })));
    await until('three outcomes', () => target.outcomes.length === 3);
    expect(target.calls).toEqual([1, 2, 3]);
    expect(target.outcomes).toEqual([
      [1, 'delivered'],
      [2, 'duplicate'],
      [3, 'delivered'],
    ]);
    expect(relay?.stats).toMatchObject({ delivered: 2, duplicates: 1, deadLettered: 0 });
  });

  it('moves a message that keeps failing to the retry topic, keeps its key’s later messages behind it, and delivers both in order', async () => {
    const target = new ScriptedTarget();
    target.script.set(1, ['fail', 'fail']);
    await start(target);
    await append([
      { key: 'a', n: 1 },
      { key: 'a', n: 2 },
    ]);
    await until('both delivered', () => target.outcomes.length === 2);
    expect(target.outcomes.map(([n]) => n)).toEqual([1, 2]);
    expect(relay?.stats.retried).toBe(2);
  });

  it('dead-letters a refusal, a message that failed maxAttempts times and an invalid one, with their reasons; other keys keep flowing', async () => {
    const target = new ScriptedTarget();
    target.script.set(1, ['reject']);
    target.script.set(2, ['fail', 'fail', 'fail', 'fail']);
    await start(target);
    await append([{ key: 'a', n: 1 }, { key: 'b', n: 2 }, 'not json at all', { key: 'c', n: 3 }]);
    await until('three outcomes', () => target.outcomes.length === 3);
    expect(target.refusals).toEqual([[1, 'no such record']]);
    expect(target.outcomes).toEqual(
      expect.arrayContaining([
        [1, 'dead_lettered'],
        [2, 'dead_lettered'],
        [3, 'delivered'],
      ]),
    );
    const letters = await deadLetters();
    expect(letters.map((l) => l.reason).sort()).toEqual([
      'scripted failed 4 times: flaky',
      'scripted rejected it: no such record',
      expect.stringMatching(/^unreadable: .*not valid JSON/),
    ]);
  });

  it('waits out an outage of the destination without spending attempts, then delivers', async () => {
    const target = new ScriptedTarget();
    target.down = true;
    await start(target, { maxAttempts: 1 });
    await append([{ key: 'a', n: 1 }]);
    await until('the relay waiting', () => (relay?.stats.outageWaits ?? 0) >= 2);
    expect(target.outcomes).toEqual([]);
    target.down = false;
    await until('delivered', () => target.outcomes.length === 1);
    expect(target.outcomes).toEqual([[1, 'delivered']]);
    expect(relay?.stats.deadLettered).toBe(0);
  });

  it('parks a message whose destination is down (onOutage park): other destinations keep flowing, its key keeps its order', async () => {
    const target = new ScriptedTarget();
    target.downKeys.add('a');
    await start(target, { onOutage: 'park', outageBackoffMaxMs: 50, maxAttempts: 1 });
    await append([
      { key: 'a', n: 1 },
      { key: 'b', n: 2 },
      { key: 'a', n: 3 },
      { key: 'b', n: 4 },
    ]);
    await until('the other destination’s messages', () => target.outcomes.length === 2);
    expect(target.outcomes).toEqual([
      [2, 'delivered'],
      [4, 'delivered'],
    ]);
    await until('a parked a few times', () => (relay?.stats.outageWaits ?? 0) >= 2);
    target.downKeys.clear();
    await until('all delivered', () => target.outcomes.length === 4);
    expect(target.outcomes.slice(2)).toEqual([
      [1, 'delivered'],
      [3, 'delivered'],
    ]);
    expect(relay?.stats.deadLettered).toBe(0);
  });
});
