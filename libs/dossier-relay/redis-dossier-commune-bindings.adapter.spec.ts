/**
 * The production bindings against a real Redis (the Jest global setup provides one; see
 * test/support/services.ts): one binding per dossier however many instances race for it, kept
 * for every instance, corrected only by rebind; refused, never guessed, when Redis cannot answer.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireRedisUrl } from '../../test/support/services.js';
import { DossierBindingUnavailableError, type DossierCommuneBinding } from './dossier-commune-bindings.port.js';
import { RedisDossierCommuneBindings, type RedisDossierCommuneBindingsOptions } from './redis-dossier-commune-bindings.adapter.js';

const created: RedisDossierCommuneBindings[] = [];
let redis: Redis;
let prefix: string;

function bindings(options: Partial<RedisDossierCommuneBindingsOptions> = {}): RedisDossierCommuneBindings {
  const b = new RedisDossierCommuneBindings({ url: requireRedisUrl(), prefix, ...options });
  created.push(b);
  return b;
}

const binding = (communeCode: string, boundBy = `commune-${communeCode}`): DossierCommuneBinding => ({
  communeCode,
  boundAt: new Date().toISOString(),
  boundBy,
});

beforeAll(() => {
  redis = new Redis(requireRedisUrl());
});

beforeEach(() => {
  prefix = `motlan:dossier-commune:test:${randomUUID()}:`;
});

afterAll(async () => {
  for (const b of created) await b.onModuleDestroy();
  redis.disconnect();
});

describe('RedisDossierCommuneBindings', () => {
  it('binds each dossier once, whichever instance and commune race for it', async () => {
    const [a, b] = [bindings(), bindings()];
    expect(await a.waitUntilReady()).toBe(true);
    expect(await b.waitUntilReady()).toBe(true);
    const codes = ['00004', '10231', '00007', '00010', '00013', '00016'];
    const results = await Promise.all(codes.map((code, i) => (i % 2 ? a : b).bindIfAbsent('H01.14-261206-000181', binding(code))));
    const winners = new Set(results.map((r) => r.communeCode));
    expect(winners.size).toBe(1);
    const [winner] = winners;
    expect(await a.get('H01.14-261206-000181')).toMatchObject({ communeCode: winner });
    expect(await b.get('H01.14-261206-000181')).toMatchObject({ communeCode: winner });
    expect(await redis.keys(`${prefix}*`)).toEqual([`${prefix}H01.14-261206-000181`]);
  });

  it('a rebinding replaces the binding for every instance and returns the previous one', async () => {
    const [a, b] = [bindings(), bindings()];
    await a.waitUntilReady();
    await b.waitUntilReady();
    await a.bindIfAbsent('H01-1', binding('00004'));
    const correction = { ...binding('10231', 'operator'), reason: 'reported by the wrong commune system' };
    expect(await b.rebind('H01-1', correction)).toMatchObject({ communeCode: '00004', boundBy: 'commune-00004' });
    expect(await a.bindIfAbsent('H01-1', binding('00004'))).toEqual(correction);
    expect(await a.rebind('H01-new', binding('00007', 'operator'))).toBeNull();
    expect(await b.get('H01-new')).toMatchObject({ communeCode: '00007' });
    expect(await b.get('H01-none')).toBeNull();
  });

  it('refuses, rather than treat as unbound, a stored value it cannot read', async () => {
    const a = bindings();
    await a.waitUntilReady();
    await redis.set(`${prefix}H01-bad`, 'not json');
    await expect(a.bindIfAbsent('H01-bad', binding('00004'))).rejects.toBeInstanceOf(DossierBindingUnavailableError);
    await expect(a.get('H01-bad')).rejects.toBeInstanceOf(DossierBindingUnavailableError);
    expect(await redis.get(`${prefix}H01-bad`)).toBe('not json');
  });

  it('answers unavailable when Redis cannot be reached', async () => {
    const down = bindings({ url: 'redis://127.0.0.1:9' });
    expect(await down.waitUntilReady(300)).toBe(false);
    await expect(down.bindIfAbsent('H01-1', binding('00004'))).rejects.toBeInstanceOf(DossierBindingUnavailableError);
    await expect(down.rebind('H01-1', binding('00004'))).rejects.toBeInstanceOf(DossierBindingUnavailableError);
    await expect(down.get('H01-1')).rejects.toBeInstanceOf(DossierBindingUnavailableError);
  });
});
