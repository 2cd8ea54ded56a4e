/**
 * The production profile against real servers: a real Redis (shared cache, coalescing), a real
 * Kafka broker (change events, dead-letter topic) and the registry simulator over real gRPC.
 * The test harness (test/support) starts private servers unless REDIS_URL / KAFKA_BROKERS are set.
 */
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { ChangeEventPublisher } from '@motlan/events/change-event-publisher.service.js';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';
import { recordChangedEvent } from '@motlan/events/registry-change-event.js';
import { DlqHeaders, Topics } from '@motlan/events/topics.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { CacheInvalidationService } from '../../apps/gateway/src/cache-invalidation/cache-invalidation.service.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { ChangeEventRelay } from '../../apps/registry-sim/src/events/change-event-relay.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, metricValue, officerHeaders, purposeFor } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl, restartKafka, restartRedis, stopKafka, stopRedis } from '../support/services.js';
import { simCalls, simControl, simSamples } from '../support/sim-control.js';

const SCOPES = 'population:read residence:read land:read business:read civil-status:read';
const GROUP = `motlan-cache-sync-it-${randomUUID().slice(0, 8)}`;

let redisUrl: string;
let brokers: string[];
let sim: RunningRegistrySim;
let publisher: ChangeEventPublisher;
let relay: ChangeEventRelay;
let dataDir: string;
let token: string;
const AUDIT_TOPIC = `motlan.audit.v1.pp-${randomUUID().slice(0, 8)}`;
const gateways: NestFastifyApplication[] = [];
const urls: string[] = [];

/**
 * A gateway instance of this suite. Records stay fresh for `maxAgeCapSeconds` (default 10 minutes,
 * so that no test but the stale one depends on how fast a loaded machine serves its requests: with
 * a 2 s cap, 200 concurrent lookups spread over more than 2 s made a second registry call, rightly).
 */
async function startGateway(maxAgeCapSeconds = 600): Promise<string> {
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: brokers.join(','),
    MOTLAN_CACHE_SYNC_GROUP: GROUP,
    // An audit topic of this run's own: on the shared broker the default one holds every earlier
    // suite's records, and each gateway's worker projections (access log, indicators, data quality)
    // replay it from the start, which kept the CPU busy while these tests measured (CI: 2 registry
    // calls for 200 concurrent lookups, an older change event not consumed within 30 s).
    MOTLAN_AUDIT_TOPIC: AUDIT_TOPIC,
    // Dossier sync has its own suite (portal-sync.int.spec.ts); no worker here.
    MOTLAN_PORTAL_SYNC_WORKER: 'false',
    // 200 concurrent lookups from one client: rate limits have their own suite (abuse.int.spec.ts).
    MOTLAN_RATE_LIMIT_PER_SECOND: '0',
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
    // Coalescing is counted in registry calls: a call timed out on a loaded machine and retried would
    // count twice (CI saw 2 for 1). No test here depends on a registry timing out (faults are
    // "down", answered at once, or 100 ms of latency).
    MOTLAN_REGISTRY_TIMEOUT_MS: '10000',
    MOTLAN_CACHE_MAX_AGE_CAP_SECONDS: String(maxAgeCapSeconds),
  });
  const { app } = await createGatewayApp(config, pino({ level: 'silent' }));
  await app.listen(0, '127.0.0.1');
  // A new audit topic: the first audited request must not race its creation (503 audit_unavailable).
  await app.get(AuditSink).ready();
  gateways.push(app);
  // Change events published before an instance follows them are not for it (its cache is new).
  const cacheSync = app.get(CacheInvalidationService);
  await eventually('the change events followed', async () => (cacheSync.isStarted() ? true : undefined), 60_000);
  return app.getUrl();
}

type LookupBody = { meta?: { cache: string; version: string; ageSeconds: number }; data?: Record<string, unknown>; code?: string };
const lookup = (base: string, registry: string, dataset: string, id: string, fields = '') =>
  httpCall<LookupBody>(base, 'GET', `/v1/registries/${registry}/${dataset}/${id}${fields ? `?fields=${fields}` : ''}`, {
    token,
    headers: officerHeaders('officer-it', purposeFor(registry)),
  });
const samples = (registry: string, dataset: string, n: number) => simSamples(sim.controlUrl, registry, dataset, n);
const registryCalls = async (registry: string) => (await simCalls(sim.controlUrl, registry)).lookups;
const setFaults = (registry: string, faults: object | null) =>
  simControl(sim.controlUrl, faults ? 'PUT' : 'DELETE', `/sim/registries/${registry}/faults`, faults ?? undefined);

/** Changes a record in the simulator and publishes its events (one per subject reading it). */
async function changeRecord(registry: string, dataset: string, subjectId: string): Promise<string> {
  const { version } = await simControl<{ version: number }>(sim.controlUrl, 'POST', '/sim/changes', { registry, dataset, subjectId });
  return String(version);
}

/**
 * Waits for a 200 from a new instance: its first lookup waits for the audit topic and its producer,
 * which on a loaded machine can take longer than the audit timeout (the lookup then answers 503
 * audit_unavailable, as it should). Tests start once every instance answers 200.
 */
async function warmUp(url: string): Promise<void> {
  const [warm] = await samples('land', 'parcel', 1);
  let last = '';
  await eventually(
    `a 200 from ${url}`,
    async () => {
      const answer = await lookup(url, 'land', 'parcel', warm);
      last = `${answer.status} ${answer.body.code ?? ''}`;
      return answer.status === 200 ? answer : undefined;
    },
    60_000,
    250,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last answer ${last}`);
  });
}

beforeAll(async () => {
  redisUrl = requireRedisUrl();
  brokers = requireKafkaBrokers();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-it-'));
  sim = await startRegistrySim({ seed: 11, persons: 1_000_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  publisher = new ChangeEventPublisher({ log: new KafkaEventLog({ brokers, clientId: 'motlan-registry-sim-it' }), ownsLog: true });
  relay = new ChangeEventRelay(sim.registries, publisher, pino({ level: 'silent' }));
  const issuer = new DevTokenIssuer({ dataDir });
  token = await issuer.issue({ sub: 'commune-it', scope: SCOPES });
  urls.push(await startGateway(), await startGateway());
  for (const url of urls) await warmUp(url);
}, 120_000);

afterAll(async () => {
  for (const app of gateways) await app.close();
  await relay?.close();
  await sim?.stop();
});

describe('production profile (real Redis + real Kafka)', () => {
  it('miss then hit, shared by two gateway instances through Redis', async () => {
    const [id] = await samples('population', 'person', 1);
    const first = await lookup(urls[0], 'population', 'person', id);
    expect(first.status).toBe(200);
    expect(first.body.meta?.cache).toBe('MISS');
    const second = await lookup(urls[1], 'population', 'person', id);
    expect(second.body.meta?.cache).toBe('HIT');
    expect(second.body.data).toEqual(first.body.data);
  });

  // How fast a change shows is a benchmark figure (logged here), not a bound this test can hold on a
  // loaded machine; what it holds is that the change shows, and that an older event never wins.
  it('a change event shows the new version on every instance; an older event does not overwrite it', async () => {
    const [id] = await samples('population', 'person', 1);
    const before = await lookup(urls[0], 'population', 'person', id);
    // A group new to a partition takes the partition's end when a member is assigned it, so an
    // event appended while the two instances still join (or rebalance) may be skipped, rightly for
    // a cache that holds nothing yet. Change the record until one change has gone through: from
    // then on the group has a committed offset on this subject's partition and misses nothing there.
    let version = '';
    await eventually(
      'a first change applied',
      async () => {
        version = await changeRecord('population', 'person', id);
        const applied = await eventually(
          `change to version ${version} seen`,
          async () => ((await lookup(urls[0], 'population', 'person', id)).body.meta?.version === version ? true : undefined),
          5000,
        ).catch(() => undefined);
        return applied;
      },
      60_000,
    );
    expect(before.body.meta?.version).not.toBe(version);
    const next = await changeRecord('population', 'person', id);
    const started = Date.now();
    const seen = await eventually(
      'second change visible',
      async () => {
        const now = await lookup(urls[1], 'population', 'person', id);
        return now.body.meta?.version === next ? now : undefined;
      },
      30000,
    );
    process.stdout.write(`production-profile: second change visible on the other instance after ${Date.now() - started} ms\n`);
    expect(seen.body.meta?.version).toBe(next);
    // An event announcing an older version arrives late: the newer cached entry stays a HIT. Wait
    // until an instance has consumed and ignored it (its counter moves), then look.
    const ignoredOlder = async () => {
      const counts = await Promise.all(urls.map((url) => metricValue(url, /^motlan_cache_invalidations_total\{result="ignored_older"\}/)));
      return counts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
    };
    const ignoredBefore = await ignoredOlder();
    await publisher.publish(
      'population',
      recordChangedEvent({ registry: 'population', dataset: 'person', subjectId: id, version: version, changedFields: ['fullName'], id: randomUUID() }),
    );
    await eventually('older event consumed and ignored', async () => ((await ignoredOlder()) > ignoredBefore ? true : undefined), 30000).catch(async (e) => {
      for (const url of urls) {
        const r = await fetch(`${url}/metrics`);
        const t = await r.text();
        process.stdout.write(
          `DEBUG ${url} status=${r.status} before=${ignoredBefore}\n` +
            t
              .split('\n')
              .filter((l) => /motlan_change_events|motlan_cache_invalidations/.test(l))
              .join('\n') +
            '\n',
        );
      }
      throw e;
    });
    const after = await lookup(urls[0], 'population', 'person', id);
    expect(after.body.meta).toMatchObject({ cache: 'HIT', version: next });
  }, 120_000);

  it('200 concurrent identical lookups make one registry call, through one and through two instances', async () => {
    const [a, b] = await samples('business', 'enterprise', 2);
    await setFaults('business', { latencyMs: 100 });
    try {
      let calls = await registryCalls('business');
      const one = await Promise.all(Array.from({ length: 200 }, () => lookup(urls[0], 'business', 'enterprise', a)));
      expect(one.every((r) => r.status === 200)).toBe(true);
      expect((await registryCalls('business')) - calls).toBe(1);
      calls = await registryCalls('business');
      const two = await Promise.all(Array.from({ length: 200 }, (_, i) => lookup(urls[i % 2], 'business', 'enterprise', b)));
      expect(two.every((r) => r.status === 200)).toBe(true);
      expect((await registryCalls('business')) - calls).toBe(1);
    } finally {
      await setFaults('business', null);
    }
  });

  it('registry down: cached subjects answered STALE with their age, uncached get 503 + Retry-After', async () => {
    // An instance of its own whose records go stale after 2 s, so the stale answer can be seen.
    const staleUrl = await startGateway(2);
    await warmUp(staleUrl);
    const [cachedId, uncachedId] = await samples('residence', 'household', 2);
    expect((await lookup(staleUrl, 'residence', 'household', cachedId)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2500)); // past the 2 s max-age cap (only a lower bound is asserted)
    await setFaults('residence', { down: true });
    try {
      const stale = await lookup(urls[1], 'residence', 'household', cachedId);
      expect(stale.status).toBe(200);
      expect(stale.headers.get('x-cache')).toBe('STALE');
      expect(stale.body.meta?.ageSeconds).toBeGreaterThanOrEqual(2);
      const missing = await lookup(urls[1], 'residence', 'household', uncachedId);
      expect(missing.status).toBe(503);
      expect(Number(missing.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await setFaults('residence', null);
    }
  });

  it('Redis stopped mid-run: answers keep coming from the registry; Redis back: cache used again', async () => {
    const ids = await samples('land', 'parcel', 3);
    await stopRedis();
    try {
      const during = await lookup(urls[0], 'land', 'parcel', ids[0]);
      expect(during.status).toBe(200);
      expect(during.body.meta?.cache).toBe('MISS');
      const ready = await (await fetch(`${urls[0]}/health/ready`)).json();
      expect(JSON.stringify(ready)).toMatch(/degraded/);
    } finally {
      await restartRedis();
    }
    await eventually('Redis up again in readiness', async () => {
      const ready = (await (await fetch(`${urls[1]}/health/ready`)).json()) as { info?: { cache?: { status: string } } };
      return ready.info?.cache?.status === 'up' ? ready : undefined;
    });
    // Fetched through one instance, a HIT on the other: the shared cache in Redis is used again.
    await eventually('cache used again', async () => {
      const id = (await samples('land', 'parcel', 30))[10 + Math.floor(Math.random() * 20)];
      await lookup(urls[0], 'land', 'parcel', id);
      const again = await lookup(urls[1], 'land', 'parcel', id);
      return again.body.meta?.cache === 'HIT' ? again : undefined;
    });
  });

  it('a scan of every Redis key and value finds no CCCD number and no name of a looked-up person', async () => {
    const ids = await samples('population', 'person', 20);
    const names: string[] = [];
    for (const id of ids) {
      const answer = await lookup(urls[0], 'population', 'person', id);
      names.push(String(answer.body.data?.fullName));
    }
    const redis = new Redis(redisUrl);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      expect(keys.length).toBeGreaterThan(20);
      const dump: string[] = [];
      for (const key of keys) {
        dump.push(key);
        const type = await redis.type(key);
        if (type === 'hash') dump.push(...Object.values(await redis.hgetallBuffer(key)).map((b) => b.toString('latin1')));
        else if (type === 'string') dump.push((await redis.getBuffer(key))?.toString('latin1') ?? '');
      }
      const text = dump.join('\n');
      for (const id of ids) expect(text.includes(id)).toBe(false);
      for (const name of names) {
        expect(text.includes(name)).toBe(false);
        expect(text.includes(Buffer.from(name, 'utf8').toString('latin1'))).toBe(false);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('a malformed change event lands in the DLQ with its reason and the consumer keeps going', async () => {
    const kafka = new Kafka({ clientId: 'it-dlq', brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `it-dlq-${randomUUID()}` });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.registryChangesDlq, fromBeginning: true });
    const marker = `poison-${randomUUID()}`;
    const dead: Array<{ reason: string; value: string }> = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value?.toString() ?? '';
        if (value.includes(marker)) dead.push({ reason: message.headers?.[DlqHeaders.reason]?.toString() ?? '', value });
      },
    });
    try {
      await producer.send({ topic: Topics.registryChanges('population'), messages: [{ key: 'x', value: `{"broken": "${marker}"` }] });
      const [id] = await samples('population', 'person', 1);
      await lookup(urls[0], 'population', 'person', id);
      const version = await changeRecord('population', 'person', id);
      await eventually('poison message dead-lettered', async () => (dead.length > 0 ? dead : undefined));
      expect(dead[0].reason).toMatch(/not JSON/);
      await eventually('later events still applied', async () => {
        const now = await lookup(urls[0], 'population', 'person', id);
        return now.body.meta?.version === version ? now : undefined;
      });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });

  it('Kafka stopped mid-run: lookups refused (their audit records cannot be written); broker back: events published meanwhile are processed', async () => {
    const [id] = await samples('population', 'person', 1);
    await lookup(urls[0], 'population', 'person', id);
    await stopKafka();
    let version: string;
    try {
      // No data leaves unrecorded: the audit topic is on the stopped broker (test/integration/audit-kafka.int.spec.ts).
      const during = await lookup(urls[0], 'population', 'person', id);
      expect(during.status).toBe(503);
      expect(during.body.code).toBe('audit_unavailable');
      // Changed while the broker is down: the simulator's producer retries until it is back.
      version = await changeRecord('population', 'person', id);
    } finally {
      await restartKafka();
    }
    await eventually(
      'event published during the outage processed',
      async () => {
        const now = await lookup(urls[0], 'population', 'person', id);
        return now.body.meta?.version === version ? now : undefined;
      },
      60000,
    );
  }, 120_000);
});
