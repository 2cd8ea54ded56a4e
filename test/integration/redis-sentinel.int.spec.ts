/**
 * Redis that fails over: a primary, a replica and three sentinels (deploy/redis-dev
 * startRedisSentinel, Debian's redis-server), the production-profile gateway as a real process
 * configured with REDIS_SENTINELS / REDIS_SENTINEL_NAME, the harness's Kafka broker and the
 * simulator over gRPC. Under a steady lookup load the primary is killed (SIGKILL):
 *
 * - every lookup is still answered: while no primary is reachable the cache, the fetch coordinator
 *   and the rate limiter fail open (answers come from the registries, marked MISS), the revocation
 *   list checks its in-process copy, and the audit trail is in Kafka — so the documented bound on
 *   failed lookups during the gap is 0 (docs/redis-sentinel.md);
 * - the gap, from the kill to the first answer served from the Redis cache again (a HIT, only
 *   possible on the promoted replica: the old primary is dead), is measured and printed;
 * - after the fail-over the cache, the rate limits and the revocations work on the new primary: a
 *   record is cached and served from cache, a limited client is refused once its bucket is empty,
 *   and a token revoked after the fail-over is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { startRedisSentinel, type RedisSentinelHandle } from '../../deploy/redis-dev/redis-dev.mjs';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { httpCall, metricValue, officerHeaders, purposeFor, type HttpAnswer } from '../support/http.js';
import { requireKafkaBrokers } from '../support/services.js';
import { simSamples } from '../support/sim-control.js';

const RUN = randomUUID().slice(0, 8);
const client = (name: string): string => `${name}-${RUN}`;
/** Concurrent lookup loops during the fail-over. */
const WORKERS = 4;
/** Subjects cached before the kill: the load reads them, so a HIT shows Redis serving again. */
const HOT = 20;
/** Successful answers after the first post-kill HIT before the load stops (steady state on the new primary). */
const AFTER_RECOVERY = 40;
/** The limited client: its bucket (in Redis) empties after BURST lookups. */
const RATE = 1;
const BURST = 3;

let sentinel: RedisSentinelHandle | undefined;
let sim: RunningRegistrySim;
let gateway: GatewayProcess | undefined;
let dataDir: string;
let issuer: DevTokenIssuer;
let loadToken: string;
let adminToken: string;
let subjects: string[] = [];

type LookupBody = { code?: string; meta?: { cache: 'HIT' | 'MISS' | 'STALE' } };
const lookup = (token: string, id: string): Promise<HttpAnswer<LookupBody>> =>
  httpCall<LookupBody>(gateway!.url, 'GET', `/v1/registries/population/person/${id}`, {
    token,
    headers: officerHeaders('officer-it', purposeFor('population')),
  });

interface Sample {
  startedMs: number;
  endedMs: number;
  status: number | 'network error';
  code?: string;
  cache?: string;
}

beforeAll(async () => {
  const brokers = requireKafkaBrokers();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-sentinel-it-'));
  sentinel = await startRedisSentinel({ detached: false }).catch((error: Error) => {
    throw new Error(
      `${error.message}\nThis suite starts a primary, a replica and three sentinels with Debian's redis-server (\`apt-get install -y redis-server\`).`,
    );
  });
  sim = await startRegistrySim({ seed: 17, persons: 5_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  issuer = new DevTokenIssuer({ dataDir });
  await issuer.ensureKeys();
  loadToken = await issuer.issue({ sub: client('commune-load'), scope: 'population:read', ttlSec: 3600 });
  adminToken = await issuer.issue({ sub: client('security-ops'), scope: 'tokens:revoke population:read', ttlSec: 3600 });
  subjects = await simSamples(sim.controlUrl, 'population', 'person', HOT + 10);
  gateway = await startGatewayProcess({
    MOTLAN_DATA_DIR: dataDir,
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    ...sentinel.env,
    KAFKA_BROKERS: brokers.join(','),
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-sentinel-it-${RUN}`,
    MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.sentinel-it-${RUN}`,
    MOTLAN_REGISTRY_TIMEOUT_MS: '10000',
    // No in-process near cache: a HIT is then Redis serving, which is what the gap is measured on.
    MOTLAN_CACHE_LOCAL_TTL_MS: '0',
    MOTLAN_RATE_LIMIT_PER_SECOND: String(RATE),
    MOTLAN_RATE_LIMIT_BURST: String(BURST),
    // The load client has a limit it never reaches, so its bucket is still taken in Redis on every
    // lookup (a client marked unlimited would skip the limiter) and the fail-open path is exercised.
    MOTLAN_RATE_LIMIT_OVERRIDES: `${client('commune-load')}=100000:100000,${client('security-ops')}=unlimited`,
  });
  // Warm up: the first lookups wait for the audit producer; then cache the hot subjects.
  let last = '';
  await eventually(
    'a first 200 from the gateway on Sentinel',
    async () => {
      const answer = await lookup(loadToken, subjects[0]);
      last = `${answer.status} ${answer.body.code ?? ''}`;
      return answer.status === 200 ? true : undefined;
    },
    60_000,
    250,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last answer ${last}\n${gateway?.output()}`);
  });
  for (const id of subjects.slice(0, HOT)) {
    await eventually(
      `subject ${subjects.indexOf(id)} cached`,
      async () => ((await lookup(loadToken, id)).body.meta?.cache === 'HIT' ? true : undefined),
      10_000,
      50,
    );
  }
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
  await sim?.stop();
  await sentinel?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('Redis Sentinel fail-over under lookup load', () => {
  const samples: Sample[] = [];
  let killedAtMs = 0;

  it('the primary is killed during lookups: every lookup is answered, the cache serves again from the promoted replica', async () => {
    const [oldPrimary, replica] = sentinel!.nodes;
    expect(await sentinel!.primaryPort()).toBe(oldPrimary.port);
    const failOpenBefore = (await metricValue(gateway!.url, /^motlan_rate_limit_fail_open_total /)) ?? 0;
    let stop = false;
    let recoveredAt: number | undefined;
    let afterRecovery = 0;
    const t0 = performance.now();
    const now = (): number => performance.now() - t0;
    const worker = async (w: number): Promise<void> => {
      for (let i = w; !stop; i += WORKERS) {
        const startedMs = now();
        const sample: Sample = await lookup(loadToken, subjects[i % HOT]).then(
          (a) => ({ startedMs, endedMs: now(), status: a.status, code: a.body.code, cache: a.body.meta?.cache }),
          () => ({ startedMs, endedMs: now(), status: 'network error' as const }),
        );
        samples.push(sample);
        if (killedAtMs > 0 && sample.startedMs > killedAtMs && sample.cache === 'HIT') recoveredAt ??= sample.endedMs;
        if (recoveredAt !== undefined && sample.status === 200 && ++afterRecovery >= AFTER_RECOVERY) stop = true;
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    // Steady load first: some answers served from the cache before the kill.
    await eventually('50 lookups before the kill', async () => (samples.filter((s) => s.cache === 'HIT').length >= 50 ? true : undefined), 30_000, 10);
    process.kill(oldPrimary.pid, 'SIGKILL');
    killedAtMs = now();
    // The load stops by itself once the cache has served AFTER_RECOVERY answers after the fail-over.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      load,
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          stop = true;
          reject(new Error(`no answer from the Redis cache within 60 s of killing the primary:\n${gateway!.output()}`));
        }, 60_000);
      }),
    ]).finally(() => clearTimeout(timer));

    const during = samples.filter((s) => s.startedMs > killedAtMs && s.endedMs < recoveredAt!);
    const failed = samples.filter((s) => s.status !== 200);
    const gapMs = Math.round(recoveredAt! - killedAtMs);
    const failOpen = ((await metricValue(gateway!.url, /^motlan_rate_limit_fail_open_total /)) ?? 0) - failOpenBefore;
    console.log(
      `Sentinel fail-over: gap ${gapMs} ms from SIGKILL of the primary to the first answer from the Redis cache; ` +
        `${samples.length} lookups, ${during.length} during the gap (${during.filter((s) => s.cache === 'MISS').length} answered from the registry), ` +
        `${failed.length} failed ${JSON.stringify(failed.slice(0, 5))}; rate limiter failed open ${failOpen} times`,
    );
    // The documented bound: no lookup fails during a fail-over (docs/redis-sentinel.md).
    expect(failed).toEqual([]);
    expect(during.length).toBeGreaterThan(0);
    expect(await sentinel!.primaryPort()).toBe(replica.port);
  }, 120_000);

  it('after the fail-over: the cache stores and serves on the new primary', async () => {
    const id = subjects[HOT];
    expect((await lookup(loadToken, id)).body.meta?.cache).toBe('MISS');
    await eventually(
      'the new record served from the cache',
      async () => ((await lookup(loadToken, id)).body.meta?.cache === 'HIT' ? true : undefined),
      10_000,
      50,
    );
  });

  it('after the fail-over: a limited client is refused once its bucket in Redis is empty, and nothing fails open', async () => {
    const token = await issuer.issue({ sub: client('commune-limited'), scope: 'population:read', ttlSec: 3600 });
    const failOpenBefore = (await metricValue(gateway!.url, /^motlan_rate_limit_fail_open_total /)) ?? 0;
    const answers: HttpAnswer<LookupBody>[] = [];
    for (let i = 0; i < BURST + 3; i++) answers.push(await lookup(token, subjects[i]));
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].body.code).toBe('rate_limited');
    expect((await metricValue(gateway!.url, /^motlan_rate_limit_fail_open_total /)) ?? 0).toBe(failOpenBefore);
  });

  it('after the fail-over: a token revoked now is refused', async () => {
    const token = await issuer.issue({ sub: client('commune-victim'), scope: 'population:read', ttlSec: 3600 });
    expect((await lookup(token, subjects[0])).status).toBe(200);
    const revoked = await httpCall(gateway!.url, 'POST', '/v1/admin/revocations', { token: adminToken, body: { jti: decodeJwt(token).jti, reason: 'leaked' } });
    expect(revoked.status).toBe(201);
    const answer = await lookup(token, subjects[0]);
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 401, code: 'token_revoked' });
  });
});
