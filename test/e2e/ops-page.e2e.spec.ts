/**
 * The /ops page as a duty officer sees it: Debian's Chromium (driven by playwright-core, which
 * downloads no browser) opens the page of a real gateway on the embedded profile, fed by the
 * registry simulator's portal, and the figures on screen are checked against the ops API they come
 * from: headline, a province row, the drill-down's communes, the lag groups, the adapters; then the
 * live refresh and the states shown when the API is unreachable or refuses the token. Leaves a
 * screenshot in .data/screenshots/ops.png for a person to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall } from '../support/http.js';
import { ensureOpsPageBuilt } from '../support/ops-page-build.js';
import { e2eStack, onCleanup } from '../support/e2e-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(process.cwd(), '.data', 'screenshots', 'ops.png');

interface ProvinceRow {
  code: string;
  name: string;
  communes: number;
  green: number;
  yellow: number;
  red: number;
  greenShare: number;
  received: number;
  delivered: number;
  pending: number;
  failed: number;
  oldestPendingAgeMs: number | null;
}
interface ProvincesView {
  totals: { provinces: number; provincesAllGreen: number; communes: Record<'GREEN' | 'YELLOW' | 'RED', number> };
  provinces: ProvinceRow[];
}
interface CommuneRow {
  code: string;
  name: string;
  status: string;
  reasons: string[];
  received: number;
  delivered: number;
  pending: number;
  failed: number;
}
interface LagView {
  groups: {
    group: string;
    status: string;
    totalLag: number;
    partitions: { topic: string; partition: number; status: string }[];
    history: { t: number; status: string }[];
  }[];
}

let sim: RunningRegistrySim;
let base: string;
let browser: Browser;
let page: Page;
let writerToken: string;
let viewerToken: string;
let opsOnlyToken: string;
let adaptersOnlyToken: string;
const pageProblems: string[] = [];

const directory = VnAdminDirectory.load();
const hanoi = directory.province('01')!;
const [hnA, hnB, hnC] = directory.communesOf('01');
const hcm = directory.communesOf('79')[0];

const put = (dossierId: string, communeCode: string) =>
  httpCall(base, 'PUT', `/v1/dossiers/${dossierId}/status`, {
    token: writerToken,
    body: { procedureCode: '1.004222', communeCode, status: 2, subjectType: 'citizen', receivedAt: '2026-11-23T09:15:00+07:00', sequence: 1 },
  });
const api = async <T>(p: string, token = viewerToken): Promise<T> => {
  const answer = await httpCall<T>(base, 'GET', p, { token });
  if (answer.status !== 200) throw new Error(`GET ${p}: ${answer.status}`);
  return answer.body;
};

/** The figure in a cell as a number ("1,234" → 1234). */
const figure = (text: string | null) => Number((text ?? '').replace(/[,\s]/g, ''));
/** Text of the first match, with no-break spaces (kept together on screen) read as spaces. */
const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\u00a0/g, ' ').trim();
const connection = () => page.locator('body').getAttribute('data-connection');

// The gateway runs from the TypeScript sources here and serves the page as built into dist/.
beforeAll(() => ensureOpsPageBuilt(), 60_000);

const stack = e2eStack({
  dataDirPrefix: 'motlan-ops-page-',
  sim: { seed: 7, persons: 2_000 },
  env: ({ dataDir, sim }) => ({
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    MOTLAN_PORTAL_ENDPOINT: sim!.portalEndpoint,
    MOTLAN_PORTAL_INLINE_BACKOFF_MS: '10',
    MOTLAN_PORTAL_RETRY_BACKOFF_MS: '50',
    MOTLAN_LAG_INTERVAL_MS: '500',
    MOTLAN_LAG_WINDOW_MS: '3000',
    MOTLAN_LAG_STOP_AFTER_MS: '6000',
    MOTLAN_LAG_ALLOWANCE: '5',
  }),
});

beforeAll(async () => {
  // Fail, not skip: a missing browser must not turn into a silently untested page.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's Chromium with "apt-get install -y chromium" (.ci/run does it)`);
  ({ sim, base } = stack);
  const issuer = stack.clients;
  writerToken = await issuer.issue({ sub: 'one-stop-national', scope: 'dossiers:write' });
  viewerToken = await issuer.issue({ sub: 'duty-officer', scope: 'ops:read adapters:read' });
  opsOnlyToken = await issuer.issue({ sub: 'ops-only', scope: 'ops:read' });
  adaptersOnlyToken = await issuer.issue({ sub: 'adapters-only', scope: 'adapters:read' });

  // Hà Nội: three communes report, one status is refused by the portal (dead-lettered: its commune
  // turns RED); Hồ Chí Minh City: one commune, all delivered.
  sim.portal.reject({ dossierIds: ['H01-OPS-REFUSED'] });
  const sent = [
    ['H01-OPS-1', hnA.code],
    ['H01-OPS-2', hnA.code],
    ['H01-OPS-3', hnB.code],
    ['H01-OPS-REFUSED', hnC.code],
    ['H01-OPS-4', hnC.code],
    ['H79-OPS-1', hcm.code],
  ];
  for (const [id, commune] of sent) expect((await put(id, commune)).status).toBe(202);
  await eventually('the statuses delivered or dead-lettered', async () => {
    const view = await api<ProvincesView>('/v1/ops/sync/provinces');
    const hn = view.provinces.find((p) => p.code === '01')!;
    const hc = view.provinces.find((p) => p.code === '79')!;
    return hn.delivered === 4 && hn.failed === 1 && hc.delivered === 1 ? true : undefined;
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  // Chromium is a process of its own: closed before the gateway, even when a test fails.
  onCleanup('browser', () => browser.close(), 0);
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'en-GB', timezoneId: 'Asia/Ho_Chi_Minh' });
  // Waits fail well inside Jest's 30 s, with Playwright's message saying what was missing.
  context.setDefaultTimeout(8000);
  page = await context.newPage();
  // A script error or a CSP refusal would leave parts of the page silently empty.
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) pageProblems.push(`console: ${message.text()}`);
  });
  await page.goto(`${base}/ops#token=${encodeURIComponent(viewerToken)}`);
  await page.locator('body[data-connection="ok"]').waitFor({ timeout: 10_000 });
}, 30_000);

describe('GET /ops', () => {
  it('is public and served with strict headers; the token never stays in the address bar', async () => {
    for (const [p, type] of [
      ['/ops', 'text/html; charset=utf-8'],
      ['/ops/ops.js', 'text/javascript; charset=utf-8'],
      ['/ops/ops.css', 'text/css; charset=utf-8'],
    ]) {
      const response = await fetch(base + p);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect((await response.text()).length).toBeGreaterThan(500);
    }
    expect(page.url()).toBe(`${base}/ops`);
    expect(pageProblems).toEqual([]);
  });

  it('shows the figures of the API: headline, provinces worst first, a province row, the lag groups, the adapters', async () => {
    await page.locator('#province-table tbody tr').nth(33).waitFor();
    const view = await api<ProvincesView>('/v1/ops/sync/provinces');
    expect(await text('#headline')).toBe(`${view.totals.provincesAllGreen} of 34 provinces with 100 % of communes GREEN`);
    for (const colour of ['GREEN', 'YELLOW', 'RED'] as const) {
      expect(figure((await text(`[data-field="communes-${colour}"]`)).replace(colour, ''))).toBe(view.totals.communes[colour]);
    }
    expect(await page.locator('#province-table tbody tr').count()).toBe(34);
    // Hà Nội holds the only RED commune: worst first puts it on top.
    expect(await page.locator('#province-table tbody tr').first().getAttribute('data-province')).toBe('01');

    const row = view.provinces.find((p) => p.code === '01')!;
    expect(row).toMatchObject({ red: 1, received: 5, delivered: 4, failed: 1, pending: 0 });
    const cell = (field: string) => text(`#province-table tr[data-province="01"] [data-field="${field}"]`);
    expect(await page.locator('#province-table tr[data-province="01"] [data-field="name"] button').textContent()).toBe(hanoi.name);
    expect(hanoi.name).toContain('Hà Nội');
    for (const field of ['communes', 'green', 'yellow', 'red', 'received', 'delivered', 'pending', 'failed'] as const) {
      expect([field, figure(await cell(field))]).toEqual([field, row[field]]);
    }
    expect(Math.abs(parseFloat(await cell('greenShare')) - row.greenShare * 100)).toBeLessThanOrEqual(0.05);

    const lag = await api<LagView>('/v1/ops/sync/lag');
    const groups = await page.locator('#lag-groups article[data-group]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-group')));
    expect(groups).toEqual(lag.groups.map((g) => g.group));
    for (const group of lag.groups) {
      const card = page.locator(`#lag-groups article[data-group="${group.group}"]`);
      expect(await card.locator('[data-field="group-status"]').textContent()).toBe(group.status);
      expect(await card.locator('tbody tr').count()).toBe(group.partitions.length);
    }
    // The chart draws the history (a line once two samples exist).
    await eventually(
      'a drawn lag chart',
      async () => (figure(await page.locator('#lag-groups svg.chart').first().getAttribute('data-points')) >= 2 ? true : undefined),
      8000,
    );
    await eventually('its line', async () => ((await page.locator('#lag-groups svg.chart path.s1').count()) > 0 ? true : undefined), 6000);

    const { adapters } = await api<{ adapters: { id: string }[] }>('/v1/adapters');
    // One adapter per registry the simulator serves (MOTLAN_ADAPTERS above).
    expect(adapters.length).toBe(Object.keys(sim.endpoints).length);
    await page
      .locator('#adapter-table tbody tr[data-adapter]')
      .nth(adapters.length - 1)
      .waitFor();
    const shown = await page.locator('#adapter-table tbody tr[data-adapter]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-adapter')));
    expect(new Set(shown)).toEqual(new Set(adapters.map((a) => a.id)));
    const health = await api<{ resilience: { breaker: { state: string }; maxConcurrency: number } }>(`/v1/adapters/${adapters[0].id}/health`);
    const adapterRow = page.locator(`#adapter-table tr[data-adapter="${adapters[0].id}"]`);
    expect(await adapterRow.locator('[data-field="breaker"]').textContent()).toContain(health.resilience.breaker.state.toUpperCase());
    expect(await adapterRow.locator('[data-field="in-flight"]').textContent()).toMatch(new RegExp(`^\\d+ / ${health.resilience.maxConcurrency}$`));
    expect(pageProblems).toEqual([]);
  });

  it('shows the registry data quality per registry, as the ops API gives it', async () => {
    const report = await api<{ registries: { registry: string; reads: number; changeEvents: number }[] }>('/v1/ops/data-quality');
    expect(report.registries.length).toBeGreaterThan(0);
    const last = report.registries[report.registries.length - 1];
    await page.locator(`#data-quality-registry-table tr[data-registry="${last.registry}"]`).waitFor();
    const shown = await page
      .locator('#data-quality-registry-table tbody tr[data-registry]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-registry')));
    expect(shown).toEqual(report.registries.map((r) => r.registry));
    const row = page.locator(`#data-quality-registry-table tr[data-registry="${report.registries[0].registry}"]`);
    expect(figure(await row.locator('[data-field="reads"]').textContent())).toBe(report.registries[0].reads);
    expect(figure(await row.locator('[data-field="change-events"]').textContent())).toBe(report.registries[0].changeEvents);
    expect(await text('#data-quality-note')).toMatch(/^From \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}: /);
    expect(pageProblems).toEqual([]);
  });

  it('drills down into a province: its communes with colour, reasons and figures', async () => {
    await page.locator('#province-table tr[data-province="01"] [data-field="name"] button').click();
    await page.locator('#commune-table tbody tr[data-commune]').first().waitFor();
    expect(await page.locator('#communes').isVisible()).toBe(true);
    expect(await text('#communes-title')).toBe(`Communes of ${hanoi.name} (01)`);
    const { communes } = await api<{ communes: CommuneRow[] }>('/v1/ops/sync/communes?province=01');
    expect(await page.locator('#commune-table tbody tr[data-commune]').count()).toBe(communes.length);
    const codes = await page.locator('#commune-table tbody tr[data-commune]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-commune')));
    expect(new Set(codes)).toEqual(new Set(communes.map((c) => c.code)));
    // Worst first: the RED commune leads.
    expect(codes[0]).toBe(hnC.code);
    for (const code of [hnA.code, hnB.code, hnC.code]) {
      const expected = communes.find((c) => c.code === code)!;
      const row = page.locator(`#commune-table tr[data-commune="${code}"]`);
      const field = async (name: string) => ((await row.locator(`[data-field="${name}"]`).textContent()) ?? '').trim();
      expect(await field('name')).toBe(expected.name);
      expect(await field('status')).toBe(expected.status);
      for (const name of ['received', 'delivered', 'pending', 'failed'] as const)
        expect([code, name, figure(await field(name))]).toEqual([code, name, expected[name]]);
      expect(await row.locator('[data-field="reasons"] li').allTextContents()).toEqual(expected.reasons);
    }
    expect(communes.find((c) => c.code === hnC.code)).toMatchObject({ status: 'RED', received: 2, failed: 1 });
    expect(communes.find((c) => c.code === hnA.code)).toMatchObject({ status: 'GREEN', received: 2, delivered: 2 });
  });

  it('refreshes by itself: a new status shows within a refresh, with a new "updated at"', async () => {
    const cell = `#province-table tr[data-province="79"] [data-field="received"]`;
    const before = figure(await text(cell));
    const updatedBefore = await page.locator('#updated-at').getAttribute('datetime');
    expect((await put('H79-OPS-2', hcm.code)).status).toBe(202);
    const after = await eventually(
      'the page to show the new status',
      async () => {
        const now = figure(await text(cell));
        return now === before + 1 ? now : undefined;
      },
      12_000,
      200,
    );
    const row = (await api<ProvincesView>('/v1/ops/sync/provinces')).provinces.find((p) => p.code === '79')!;
    expect(after).toBe(row.received);
    expect(await page.locator('#updated-at').getAttribute('datetime')).not.toBe(updatedBefore);
    expect(await connection()).toBe('ok');

    // For a person to look at: the drill-down narrowed to the communes that are not GREEN.
    await page.locator('#communes-not-green').check();
    // attached, not visible: a flat line (lag 0 throughout) has an empty box, which Playwright calls hidden.
    await page.locator('#lag-groups svg.chart path.s1').first().waitFor({ state: 'attached' });
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(pageProblems).toEqual([]);
  });

  it('says so when the API cannot be reached or refuses the token, and keeps the last figures on screen', async () => {
    const headline = await text('#headline');
    await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
    await page.locator('#refresh-now').click();
    await page.locator('body[data-connection="network"]').waitFor({ timeout: 8000 });
    expect(await text('#connection')).toContain('Cannot reach the gateway API');
    expect(await text('#headline')).toBe(headline);
    await page.unroute('**/v1/**');

    const useToken = async (token: string, state: string) => {
      await page.locator('#token-input').fill(token);
      await page.locator('#token-form button[type="submit"]').click();
      await page.locator(`body[data-connection="${state}"]`).waitFor({ timeout: 8000 });
    };
    await useToken('not-a-token', 'unauthorized');
    expect(await text('#connection')).toContain('401');
    await useToken(adaptersOnlyToken, 'forbidden');
    expect(await text('#connection')).toContain('403');
    expect(await text('#connection')).toContain('ops:read');
    // ops:read alone: the sync figures show, adapter health says what scope it lacks.
    await useToken(opsOnlyToken, 'ok');
    await eventually('the adapters note', async () => ((await text('#adapters-note')).includes('adapters:read') ? true : undefined), 8000);
    await useToken(viewerToken, 'ok');
    expect(pageProblems).toEqual([]);
  });

  // Last: it leaves a portal backlog behind, which would change the figures the tests above read.
  it('shades the lag chart where the group was WARN or ERR: a portal outage shows as a band that stays after it ends', async () => {
    const portalGroup = (view: LagView) => view.groups.find((g) => g.group === 'motlan-portal-sync')!;
    const chart = page.locator('#lag-groups article[data-group="motlan-portal-sync"] svg.chart');
    expect(await chart.locator('rect.band-ERR').count()).toBe(0);
    sim.portal.setFaults({ down: true });
    for (let i = 0; i < 10; i++) expect((await put(`H48-OPS-OUTAGE-${i}`, directory.communesOf('48')[0].code)).status).toBe(202);
    await eventually('the group in ERR', async () => (portalGroup(await api<LagView>('/v1/ops/sync/lag')).status === 'ERR' ? true : undefined), 15_000, 250);
    sim.portal.clearFaults();
    await eventually('the group OK again', async () => (portalGroup(await api<LagView>('/v1/ops/sync/lag')).status === 'OK' ? true : undefined), 15_000, 250);
    // The API's history holds the outage poll by poll; the page, refreshed after it, draws it.
    const statuses = portalGroup(await api<LagView>('/v1/ops/sync/lag')).history.map((p) => p.status);
    expect(statuses).toContain('ERR');
    expect(statuses.at(-1)).toBe('OK');
    await page.locator('#refresh-now').click();
    await eventually('an ERR band on the chart', async () => ((await chart.locator('rect.band-ERR').count()) > 0 ? true : undefined), 8000, 200);
    expect(await chart.locator('rect.band-ERR title').first().textContent()).toMatch(/^ERR \d\d:\d\d:\d\d\u2013\d\d:\d\d:\d\d$/);
    expect(await text('#lag-groups article[data-group="motlan-portal-sync"] [data-field="group-status"]')).toBe('OK');
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.locator('#lag-groups').screenshot({ path: SCREENSHOT.replace(/\.png$/, '-outage.png') });
    expect(pageProblems).toEqual([]);
  }, 45_000);
});
