/**
 * The shared revocation list against a real Redis (the Jest global setup provides one; see
 * test/support/services.ts): a revocation on one instance is enforced by another within a second,
 * through the notification and, when that is missed, through the version poll.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireRedisUrl } from '../../test/support/services.js';
import { RedisRevocationList, type RedisRevocationListOptions } from './redis-revocation-list.adapter.js';
import { revocationRetentionMs, RevocationUnavailableError, type RevocationSubject } from './revocation-list.port.js';

const RETENTION = revocationRetentionMs(3600, 30);
const lists: RedisRevocationList[] = [];
let redis: Redis;
let prefix: string;

function list(options: Partial<RedisRevocationListOptions> = {}): RedisRevocationList {
  const created = new RedisRevocationList({ url: requireRedisUrl(), prefix, retentionMs: RETENTION, ...options });
  lists.push(created);
  return created;
}

/** Ms until `check` holds (polled every 5 ms), or throws after `timeoutMs`. */
async function msUntil(check: () => boolean, timeoutMs = 3000): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - started;
}

beforeAll(() => {
  redis = new Redis(requireRedisUrl());
});

beforeEach(() => {
  prefix = `motlan:revocations:test:${randomUUID()}:`;
});

afterAll(async () => {
  for (const l of lists) await l.onModuleDestroy();
  redis.disconnect();
});

describe('RedisRevocationList', () => {
  it('a revocation on one instance is enforced on the other within a second (notification)', async () => {
    const [a, b] = [list(), list()];
    expect(await a.start()).toBe(true);
    expect(await b.start()).toBe(true);
    const token: RevocationSubject = { clientId: 'commune-1', tokenId: randomUUID(), issuedAt: Math.floor(Date.now() / 1000) - 60 };
    expect(b.isRevoked(token)).toBe(false);
    await a.revoke({ target: { jti: token.tokenId! }, revokedBy: 'ops' });
    expect(a.isRevoked(token)).toBe(true);
    expect(await msUntil(() => b.isRevoked(token))).toBeLessThan(1000);

    const other: RevocationSubject = { clientId: 'commune-2', tokenId: randomUUID(), issuedAt: Math.floor(Date.now() / 1000) - 60 };
    await b.revoke({ target: { clientId: 'commune-2' }, revokedBy: 'ops', reason: 'decommissioned' });
    expect(await msUntil(() => a.isRevoked(other))).toBeLessThan(1000);
    const listed = await a.list();
    expect(listed.map((e) => `${e.kind}:${e.value}`)).toEqual(['client:commune-2', `jti:${token.tokenId}`]);
    expect(listed[0]).toMatchObject({ revokedBy: 'ops', reason: 'decommissioned' });
  });

  it('an instance that missed the notification catches up through the version poll', async () => {
    const [a, b] = [list(), list({ pollIntervalMs: 200 })];
    await a.start();
    await b.start();
    // Make b deaf to notifications, as during a reconnect.
    (b as unknown as { subscriber: Redis }).subscriber.removeAllListeners('message');
    const token: RevocationSubject = { clientId: 'c', tokenId: randomUUID() };
    await a.revoke({ target: { jti: token.tokenId! }, revokedBy: 'ops' });
    expect(await msUntil(() => b.isRevoked(token))).toBeLessThan(1000);
  });

  it('an instance started later loads the list; expired entries are dropped from Redis', async () => {
    const a = list();
    await a.start();
    await a.revoke({ target: { jti: 'j-old' }, revokedBy: 'ops' });
    const late = list();
    await late.start();
    expect(late.isRevoked({ clientId: 'x', tokenId: 'j-old' })).toBe(true);

    // An instance whose clock runs past the retention prunes j-old when it writes.
    const future = list({ now: () => Date.now() + RETENTION + 1000 });
    await future.start();
    await future.revoke({ target: { jti: 'j-new' }, revokedBy: 'ops' });
    expect(await redis.hkeys(`${prefix}entries`)).toEqual(['jti:j-new']);
    expect(await redis.zcard(`${prefix}expiry`)).toBe(1);
  });

  it('answers unavailable when Redis cannot be written, and keeps what it knows', async () => {
    const down = list({ url: 'redis://127.0.0.1:9' });
    expect(await down.start(300)).toBe(false);
    await expect(down.revoke({ target: { jti: 'x' }, revokedBy: 'ops' })).rejects.toBeInstanceOf(RevocationUnavailableError);
    await expect(down.list()).rejects.toBeInstanceOf(RevocationUnavailableError);
    expect(down.isRevoked({ clientId: 'x', tokenId: 'x' })).toBe(false);
  });
});
