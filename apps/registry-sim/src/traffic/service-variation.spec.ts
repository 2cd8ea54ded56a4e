/**
 * The commune traffic's variation: every province reports, each with a profile drawn from the
 * seed; a known seed gives known shares; communes fall silent; late and overdue dossiers carry due
 * dates already passed. The generator runs against a stand-in gateway that records what it gets.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { SimConfigError, loadSimConfig } from '../sim-config.js';
import { SeededRandom } from '../world/seeded-random.js';
import { DossierTraffic } from './dossier-traffic.js';
import {
  planDossier,
  provinceProfile,
  REPORTED_PROFILES,
  reportingCommunes,
  validateVariation,
  withDefaults,
  type ProvinceProfile,
} from './service-variation.js';

const directory = VnAdminDirectory.load({ env: {} });
const silent = pino({ level: 'silent' });

interface Sent {
  at: number;
  path: string;
  body: Record<string, unknown>;
}

async function fakeGateway(): Promise<{ url: string; requests: Sent[]; stop(): Promise<void> }> {
  const requests: Sent[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      requests.push({ at: Date.now(), path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('reporting communes', () => {
  it('come from every province, all communes by default or communesPerProvince each, the same for the same seed', () => {
    expect(reportingCommunes(directory, 1, withDefaults(undefined))).toHaveLength(directory.communes().length);
    const variation = withDefaults({ communesPerProvince: 3 });
    const communes = reportingCommunes(directory, 1, variation);
    expect(communes).toHaveLength(34 * 3);
    const perProvince = new Map<string, number>();
    for (const { commune } of communes) perProvince.set(commune.provinceCode, (perProvince.get(commune.provinceCode) ?? 0) + 1);
    expect([...perProvince.keys()].sort()).toEqual(directory.provinces().map((p) => p.code));
    expect(new Set(perProvince.values())).toEqual(new Set([3]));
    expect(new Set(communes.map((c) => c.commune.code)).size).toBe(communes.length);
    const codes = (seed: number, n?: number) => reportingCommunes(directory, seed, variation, n).map((c) => c.commune.code);
    expect(codes(1)).toEqual(codes(1));
    expect(codes(2)).not.toEqual(codes(1));
    // An explicit count spreads over provinces: 10 communes, 10 provinces.
    expect(new Set(codes(1, 10).map((code) => directory.commune(code)!.provinceCode)).size).toBe(10);
    expect(reportingCommunes(directory, 1, withDefaults({ communesPerProvince: 1 }))).toHaveLength(34);
  });

  it('draw province profiles from the seed, spread wide (some low online shares), with the reported figures kept', () => {
    const variation = withDefaults(undefined);
    const profiles = directory.provinces().map((p) => provinceProfile(1, p.code, variation));
    expect(provinceProfile(1, '79', variation)).toEqual(provinceProfile(1, '79', variation));
    expect(provinceProfile(2, '79', variation)).not.toEqual(provinceProfile(1, '79', variation));
    // Hà Nội and Cao Bằng as the national reports saw them.
    expect(provinceProfile(1, '01', variation)).toMatchObject({ onlineShare: 0.3273, electronicResultShare: 0.053 });
    expect(provinceProfile(1, '04', variation)).toMatchObject({ silentShare: 0.6 });
    const online = profiles.map((p) => p.onlineShare);
    expect(Math.min(...online)).toBeLessThan(0.4);
    expect(Math.max(...online)).toBeGreaterThan(0.8);
    for (const p of profiles) for (const value of Object.values(p)) expect(value >= 0 && value <= 1).toBe(true);
    // Known seed, known profile: Hồ Chí Minh City with seed 1.
    const hcm = provinceProfile(1, '79', variation);
    expect(hcm.onlineShare).toBeCloseTo(0.314236, 6);
    expect(hcm.electronicResultShare).toBeCloseTo(0.584404, 6);
    expect(hcm.onlinePaymentShare).toBeCloseTo(0.909591, 6);
    expect(hcm.lateShare).toBeCloseTo(0.19522, 5);
    // 14 of 102 reporting communes (3 per province) go silent with seed 1, 2 of Cao Bằng's 3.
    const communes = reportingCommunes(directory, 1, withDefaults({ communesPerProvince: 3 }));
    expect(communes.filter((c) => c.goesSilent)).toHaveLength(14);
    // About a quarter of the provinces serve well throughout, so the map has GREEN too.
    const exemplary = profiles.filter((p) => p.onlineShare >= 0.85 && p.electronicResultShare >= 0.85 && p.overdueShare === 0 && p.silentShare === 0);
    expect(exemplary).toHaveLength(8);
    expect(communes.filter((c) => c.goesSilent && c.commune.provinceCode === '04')).toHaveLength(2);
    expect(Object.keys(REPORTED_PROFILES)).toEqual(['01', '04']);
  });
});

describe('planDossier', () => {
  const profile: ProvinceProfile = {
    onlineShare: 0.3273,
    postShare: 0.05,
    onlinePaymentShare: 0.6,
    electronicResultShare: 0.053,
    lateShare: 0.2,
    overdueShare: 0.1,
    reuseShare: 0.4,
    silentShare: 0,
  };

  it('gives known shares for a known seed, close to the profile', () => {
    const random = new SeededRandom(42);
    const plans = Array.from({ length: 20_000 }, () => planDossier(profile, () => random.float()));
    const count = (f: (p: (typeof plans)[number]) => boolean) => plans.filter(f).length;
    const online = count((p) => p.channel === 'online');
    const counts = {
      online,
      post: count((p) => p.channel === 'post'),
      paidOnline: count((p) => p.feesPaidOnline),
      electronic: count((p) => p.resultForm === 'electronic'),
      reused: count((p) => p.reusedComponents.length > 0),
      late: count((p) => p.timing === 'late'),
      overdue: count((p) => p.timing === 'overdue'),
    };
    // Seed 42, 20,000 dossiers: exactly these.
    expect(counts).toEqual({ online: 6663, post: 670, paidOnline: 3963, electronic: 1071, reused: 8069, late: 4038, overdue: 1951 });
    const n = plans.length;
    expect(Math.abs(counts.online / n - profile.onlineShare)).toBeLessThan(0.01);
    expect(Math.abs(counts.post / (n - online) - profile.postShare)).toBeLessThan(0.01);
    expect(Math.abs(counts.paidOnline / online - profile.onlinePaymentShare)).toBeLessThan(0.02);
    expect(Math.abs(counts.electronic / n - profile.electronicResultShare)).toBeLessThan(0.01);
    expect(Math.abs(counts.reused / n - profile.reuseShare)).toBeLessThan(0.01);
    expect(Math.abs(counts.late / n - profile.lateShare)).toBeLessThan(0.01);
    expect(Math.abs(counts.overdue / n - profile.overdueShare)).toBeLessThan(0.01);
    // Fees are paid online only with an online application; reused components are codes of the contract's form.
    expect(count((p) => p.feesPaidOnline && p.channel !== 'online')).toBe(0);
    for (const p of plans) for (const code of p.reusedComponents) expect(code).toMatch(/^[A-Za-z0-9._-]{1,32}$/);
  });
});

describe('the generator with variation', () => {
  it('sends the status fields the indicators read: channel, fees paid online, result form, reused components', async () => {
    const gateway = await fakeGateway();
    running.push(gateway);
    const generator = new DossierTraffic(
      { gatewayUrl: gateway.url, token: 't', perSecond: 60, stepMs: 5, variation: { communesPerProvince: 1, lateShare: 0.3, overdueShare: 0.2 } },
      directory,
      3,
      silent,
    );
    running.push(generator);
    generator.start();
    await until(() => generator.stats().dossiers.completed >= 20 && generator.stats().dossiers.stalled >= 2, '20 completed and 2 stalled dossiers');
    await generator.stop();
    expect(generator.stats()).toMatchObject({ provinces: 34 });
    expect(generator.stats().communes).toHaveLength(34);

    const byDossier = new Map<string, Sent[]>();
    for (const r of gateway.requests) byDossier.set(r.path, [...(byDossier.get(r.path) ?? []), r]);
    let late = 0;
    let stalled = 0;
    for (const requests of byDossier.values()) {
      const first = requests[0].body;
      for (const { body } of requests) {
        expect(['online', 'counter', 'post']).toContain(body.channel);
        expect(typeof body.feesPaidOnline).toBe('boolean');
        if (body.feesPaidOnline) expect(body.channel).toBe('online');
        // The same dossier says the same about itself in every status.
        expect([body.channel, body.feesPaidOnline, body.reusedComponents]).toEqual([first.channel, first.feesPaidOnline, first.reusedComponents]);
        expect('resultForm' in body).toBe(body.status === 9 || body.status === 10);
        if (body.resultForm !== undefined) expect(['electronic', 'paper']).toContain(body.resultForm);
      }
      const last = requests.at(-1)!;
      const pastDue = Date.parse(first.dueAt as string) < requests[0].at;
      if (last.body.status === 10 && pastDue) late++;
      // A stalled dossier stops at "in process" past its due date.
      if (pastDue && last.body.status === 4 && requests.length === 2) stalled++;
    }
    expect(late).toBeGreaterThan(0);
    expect(stalled).toBeGreaterThanOrEqual(2);
  });

  it('lets communes go silent: after silentAfterMs they send nothing more, and say which in the stats', async () => {
    const gateway = await fakeGateway();
    running.push(gateway);
    // Hà Nội's reporting commune goes silent; no other does.
    const variation = { communesPerProvince: 1, silentShare: 0, silentAfterMs: 200, provinces: { '01': { silentShare: 1 } } };
    const generator = new DossierTraffic({ gatewayUrl: gateway.url, token: 't', perSecond: 80, stepMs: 5, variation }, directory, 5, silent);
    running.push(generator);
    const hanoi = generator.stats().communes.find((code) => directory.commune(code)!.provinceCode === '01')!;
    generator.start();
    await until(() => generator.stats().silentCommunes.length === 1, 'the commune to go silent');
    expect(generator.stats().silentCommunes).toEqual([hanoi]);
    // Requests of it already on the wire may still arrive; after them, nothing.
    const settled = gateway.requests.length;
    await until(() => gateway.requests.length >= settled + 200, '200 more requests');
    await generator.stop();
    const late = gateway.requests.slice(settled + 20).filter((r) => r.body.communeCode === hanoi);
    expect(late).toEqual([]);
    expect(gateway.requests.slice(settled).some((r) => r.body.communeCode !== hanoi)).toBe(true);
  });
});

describe('variation settings', () => {
  it('are read from SIM_TRAFFIC_* only when set, and checked', () => {
    const base = { SIM_GATEWAY_TOKEN: 't' };
    expect(loadSimConfig(base).dossierTraffic).toEqual({ gatewayUrl: 'http://127.0.0.1:3000', token: 't', perSecond: 0 });
    expect(
      loadSimConfig({
        ...base,
        SIM_TRAFFIC_COMMUNES_PER_PROVINCE: '5',
        SIM_TRAFFIC_SILENT_SHARE: '0.25',
        SIM_TRAFFIC_SILENT_AFTER_MS: '60000',
        SIM_TRAFFIC_LATE_SHARE: '0.2',
        SIM_TRAFFIC_OVERDUE_SHARE: '0.1',
        SIM_TRAFFIC_EXEMPLARY_SHARE: '0.5',
        SIM_TRAFFIC_PROVINCES: '{"79":{"onlineShare":0.9}}',
      }).dossierTraffic?.variation,
    ).toEqual({
      communesPerProvince: 5,
      silentShare: 0.25,
      silentAfterMs: 60000,
      lateShare: 0.2,
      overdueShare: 0.1,
      exemplaryShare: 0.5,
      provinces: { '79': { onlineShare: 0.9 } },
    });
    expect(loadSimConfig({ ...base, SIM_TRAFFIC_COMMUNES_PER_PROVINCE: 'all' }).dossierTraffic?.variation).toEqual({ communesPerProvince: 'all' });
    expect(() => loadSimConfig({ ...base, SIM_TRAFFIC_SILENT_SHARE: '2' })).toThrow(SimConfigError);
    expect(() => loadSimConfig({ ...base, SIM_TRAFFIC_COMMUNES_PER_PROVINCE: '1.5' })).toThrow(/SIM_TRAFFIC_COMMUNES_PER_PROVINCE must be an integer/);
    expect(() => loadSimConfig({ ...base, SIM_TRAFFIC_PROVINCES: '{' })).toThrow(/SIM_TRAFFIC_PROVINCES must be JSON/);
    expect(() => loadSimConfig({ ...base, SIM_TRAFFIC_PROVINCES: '{"79":{"online":1}}' })).toThrow(/SIM_TRAFFIC_PROVINCES.79.online is not a profile field/);
    expect(() => validateVariation({ lateShare: -0.1 })).toThrow(/variation.lateShare must be a number from 0 to 1/);
  });
});
