/**
 * Throughput and Redis commands per request of the per-client rate limit, libs/rate-limit's Lua
 * token bucket against rate-limiter-flexible (docs/decisions/0005-rate-limit-kept.md), on the Redis
 * named by REDIS_URL (use a private one: the bench writes `bench:rl:*` keys and reads INFO).
 *
 *  - motlan: RedisRateLimiter.take (one EVALSHA of the token bucket script);
 *  - rlf: RateLimiterRedis.consume (fixed window: points per duration);
 *  - rlf bursty: BurstyRateLimiter (a sustained window, then a burst window when it is exceeded:
 *    rate-limiter-flexible's nearest thing to a bucket with a burst).
 *
 * Each runs BENCH_REQUESTS (default 100,000) requests spread over 1,000 clients, BENCH_IN_FLIGHT
 * (default 64) at a time, twice: with a limit no client reaches (every request allowed) and with
 * 1 request/s and a burst of 5 (nearly every request refused). Every client uses the same ioredis
 * options (auto-pipelining on). Per request: commands sent (round trips, counted on the client's
 * connection) and commands Redis executed (INFO commandstats, which counts those a script runs).
 *
 * rate-limiter-flexible is not a dependency: it is loaded from a scratch install named by DECIDE_DIR
 *   mkdir /tmp/decide && cd /tmp/decide && npm init -y && npm install --save-exact rate-limiter-flexible@11.4.0
 *   REDIS_URL=redis://127.0.0.1:6479 DECIDE_DIR=/tmp/decide node dist/test/bench/rate-limit-redis.bench.js
 * Not a test.
 */
import 'reflect-metadata';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Redis } from 'ioredis';
import { RedisRateLimiter } from '@motlan/rate-limit/redis-rate-limiter.adapter.js';
import type { RateLimit } from '@motlan/rate-limit/rate-limiter.port.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const CLIENTS = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** The part of rate-limiter-flexible's API the bench uses. */
interface Consumer {
  consume(key: string, points?: number): Promise<unknown>;
}
interface Rlf {
  RateLimiterRedis: new (options: { storeClient: Redis; points: number; duration: number; keyPrefix: string }) => Consumer;
  RateLimiterRes: new () => object;
  BurstyRateLimiter: new (rate: Consumer, burst: Consumer) => Consumer;
}

type Take = (clientId: string) => Promise<boolean>;

interface Run {
  perSecond: number;
  sentPerRequest: number;
  executedPerRequest: number;
  allowed: number;
}

/** Commands sent on the connections a limiter uses. */
let sent = 0;

function counted(client: Redis): Redis {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
    sent++;
    return send(...args);
  };
  return client;
}

function redisClient(url: string): Redis {
  return counted(new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: 0, commandTimeout: 1000, enableAutoPipelining: true }));
}

async function commandsProcessed(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  let calls = 0;
  // Only the commands a limiter sends, not INFO itself.
  for (const match of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (match[1] !== 'info') calls += Number(match[2]);
  return calls;
}

async function run(admin: Redis, take: Take): Promise<Run> {
  const before = await commandsProcessed(admin);
  const sentBefore = sent;
  let next = 0;
  let allowed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        if (await take(`client-${i % CLIENTS}`)) allowed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sentPerRequest = (sent - sentBefore) / REQUESTS;
  const executed = (await commandsProcessed(admin)) - before;
  return { perSecond: REQUESTS / seconds, sentPerRequest, executedPerRequest: executed / REQUESTS, allowed };
}

async function main(): Promise<void> {
  const url = process.env.REDIS_URL;
  if (!url || !process.env.DECIDE_DIR)
    throw new Error('REDIS_URL (a private Redis) and DECIDE_DIR (a scratch install of rate-limiter-flexible) are required; see the header of this file');
  const rlf = createRequire(path.join(process.env.DECIDE_DIR, 'package.json'))('rate-limiter-flexible') as Rlf;
  const admin = new Redis(url);
  const clients: Redis[] = [admin];
  const limiters: Array<{ close(): Promise<void> }> = [];

  const motlan = async (limit: RateLimit, prefix: string): Promise<Take> => {
    const limiter = new RedisRateLimiter({ url, prefix, default: limit, commandTimeoutMs: 1000 });
    limiters.push({ close: () => limiter.onModuleDestroy() });
    // Its connection is its own: count what it sends, as for the others.
    counted((limiter as unknown as { redis: Redis }).redis);
    if (!(await limiter.waitUntilReady())) throw new Error(`redis at ${url} is not reachable`);
    return async (clientId) => (await limiter.take(clientId)).allowed;
  };
  const consumer = (limiter: Consumer): Take => {
    return (clientId) =>
      limiter.consume(clientId).then(
        () => true,
        (refusal: unknown) => {
          if (refusal instanceof rlf.RateLimiterRes) return false;
          throw refusal;
        },
      );
  };
  const rlfClient = (): Redis => {
    const client = redisClient(url);
    clients.push(client);
    return client;
  };
  const flexible = async (limit: RateLimit, prefix: string): Promise<Take> =>
    consumer(new rlf.RateLimiterRedis({ storeClient: rlfClient(), points: limit.perSecond, duration: 1, keyPrefix: prefix }));
  const bursty = async (limit: RateLimit, prefix: string): Promise<Take> => {
    const client = rlfClient();
    // Sustained: perSecond per second; on top of it, `burst` more per burst/perSecond seconds.
    const rate = new rlf.RateLimiterRedis({ storeClient: client, points: limit.perSecond, duration: 1, keyPrefix: `${prefix}rate` });
    const burst = new rlf.RateLimiterRedis({
      storeClient: client,
      points: limit.burst,
      duration: Math.max(1, Math.ceil(limit.burst / limit.perSecond)),
      keyPrefix: `${prefix}burst`,
    });
    return consumer(new rlf.BurstyRateLimiter(rate, burst));
  };

  const regimes: Array<[string, RateLimit]> = [
    ['all allowed', { perSecond: 1_000_000, burst: 1_000_000 }],
    ['mostly refused', { perSecond: 1, burst: 5 }],
  ];
  const kinds: Array<[string, (limit: RateLimit, prefix: string) => Promise<Take>]> = [
    ['motlan lua bucket', motlan],
    ['rlf fixed window', flexible],
    ['rlf bursty', bursty],
  ];
  const results = new Map<string, Run[]>();
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [regime, limit] of regimes) {
        for (const [kind, make] of kinds) {
          const take = await make(limit, `bench:rl:${round}:${regime.replace(' ', '-')}:${kind.replace(/ /g, '-')}:`);
          await take('warm-up');
          const name = `${kind}, ${regime}`;
          results.set(name, [...(results.get(name) ?? []), await run(admin, take)]);
        }
      }
      process.stdout.write(`bench rate-limit: round ${round}/${ROUNDS} done\n`);
    }
    process.stdout.write(
      `bench rate-limit: node ${process.version}, ${REQUESTS} requests over ${CLIENTS} clients, ${IN_FLIGHT} in flight, median of ${ROUNDS} rounds\n`,
    );
    for (const [name, runs] of results) {
      const sorted = [...runs].sort((a, b) => a.perSecond - b.perSecond);
      const mid = sorted[Math.floor(sorted.length / 2)];
      process.stdout.write(
        `  ${name.padEnd(34)} ${Math.round(mid.perSecond).toString().padStart(7)} req/s  ${mid.sentPerRequest.toFixed(2)} sent/req  ${mid.executedPerRequest.toFixed(2)} executed/req  ${mid.allowed} allowed  [${runs.map((r) => Math.round(r.perSecond)).join(', ')}]\n`,
      );
    }
  } finally {
    await admin.eval("for _, k in ipairs(redis.call('KEYS', 'bench:rl:*')) do redis.call('DEL', k) end return 0", 0);
    for (const limiter of limiters) await limiter.close();
    for (const client of clients) client.disconnect();
  }
}

await main();
