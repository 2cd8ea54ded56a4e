/**
 * The /ops service map as a monitoring centre sees it, in Debian's Chromium (playwright-core): the
 * simulator's commune systems send real dossier traffic through a real gateway (embedded profile),
 * its service indicators colour the communes and provinces, and the page shows them — the 34
 * provinces as tiles with their colour as a word and their communes' shares, a province's communes
 * sortable by each indicator with their weekly trends, SILENT first, all readable without colour.
 *
 * The official list is cut to three communes per province (a copy of libs/vn-admin/data with
 * fewer commune rows, MOTLAN_VN_ADMIN_DIR): every one of the 34 provinces stays, and the traffic
 * needed for each commune to be judged stays small on a shared machine. Four provinces have their
 * profile fixed so every colour shows: Cao Bằng silent (SILENT), Hà Nội as the national reports saw
 * it with one silent commune (RED), Đà Nẵng with overdue dossiers (YELLOW), Hồ Chí Minh City
 * serving well (GREEN). The CSV buttons download the indicators shown, with the page's token. A
 * province token's page reads only what its scope allows (no refusal in the audit trail).
 * Leaves screenshots in .data/screenshots/ops-service-*.png.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { DossierTraffic } from '../../apps/registry-sim/src/traffic/dossier-traffic.js';
import { reportingCommunes, withDefaults, type TrafficVariation } from '../../apps/registry-sim/src/traffic/service-variation.js';
import { SeededRandom } from '../../apps/registry-sim/src/world/seeded-random.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { eventually } from '../support/eventually.js';
import { httpCall } from '../support/http.js';
import { ensureOpsPageBuilt } from '../support/ops-page-build.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(process.cwd(), '.data', 'screenshots');
const COMMUNES_PER_PROVINCE = 3;
const COLOURS = ['GREEN', 'YELLOW', 'RED', 'SILENT'] as const;
type ServiceColour = (typeof COLOURS)[number];
const SYMBOL: Record<ServiceColour, string> = { GREEN: '\u2714', YELLOW: '\u25b2', RED: '\u2716', SILENT: '\u25cc' };
const RANK: Record<ServiceColour, number> = { SILENT: 0, RED: 1, YELLOW: 2, GREEN: 3 };

interface ColourCounts {
  total: number;
  GREEN: number;
  YELLOW: number;
  RED: number;
  SILENT: number;
}
type Indicators = Record<string, number | null>;
interface SeriesPoint {
  period: string;
  indicators: Indicators;
}
interface ProvinceRow {
  provinceCode: string;
  provinceName: string;
  serviceColour: ServiceColour;
  communes: ColourCounts;
  indicators: Indicators;
  series: SeriesPoint[];
}
interface CommuneRow {
  communeCode: string;
  communeName: string;
  serviceColour: ServiceColour;
  relayColour: string;
  reasons: string[];
  indicators: Indicators;
  series: SeriesPoint[];
}
interface IndicatorsView {
  scope: { level: string };
  national: { communes: ColourCounts; indicators: Indicators };
  provinces: ProvinceRow[];
  communes?: CommuneRow[];
}

/** The colours the fixed profiles give (the other 30 provinces take their drawn profiles). */
const EXPECTED: Record<string, ServiceColour> = { '04': 'SILENT', '01': 'RED', '48': 'YELLOW', '79': 'GREEN' };
const PERFECT = { onlineShare: 1, onlinePaymentShare: 1, electronicResultShare: 1, lateShare: 0, overdueShare: 0, reuseShare: 1, silentShare: 0 };

let sim: RunningRegistrySim;
let gateway: NestFastifyApplication;
let traffic: DossierTraffic;
let base: string;
let browser: Browser;
let page: Page;
let viewerToken: string;
let provinceToken: string;
let directory: VnAdminDirectory;
let dataDir: string;
let hanoiSilent: string;
const pageProblems: string[] = [];
const savedVnAdminDir = process.env.MOTLAN_VN_ADMIN_DIR;

/** A copy of the official list with the first `n` communes of each province. */
function smallOfficialList(dir: string, n: number): void {
  const source = path.join(process.cwd(), 'libs', 'vn-admin', 'data');
  mkdirSync(dir, { recursive: true });
  for (const file of ['provinces_2025.csv', 'cccd_birth_province_codes_63.csv']) copyFileSync(path.join(source, file), path.join(dir, file));
  const [header, ...rows] = readFileSync(path.join(source, 'communes_2025.csv'), 'utf8').split(/\r?\n/);
  const taken = new Map<string, number>();
  const kept = rows.filter((row) => {
    const province = row.split(',')[4];
    if (!province) return false;
    taken.set(province, (taken.get(province) ?? 0) + 1);
    return taken.get(province)! <= n;
  });
  writeFileSync(path.join(dir, 'communes_2025.csv'), [header, ...kept].join('\n') + '\n');
}

const api = async <T>(p: string): Promise<T> => {
  const answer = await httpCall<T>(base, 'GET', p, { token: viewerToken });
  if (answer.status !== 200) throw new Error(`GET ${p}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
};
const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\u00a0/g, ' ').trim();
/** A downloaded CSV: its first bytes, its header and its rows by column name. */
interface Csv {
  bom: number[];
  columns: string[];
  rows: Array<Record<string, string>>;
  text: string;
}
function parseCsv(bytes: Buffer): Csv {
  const text = bytes.subarray(3).toString('utf8');
  const [header, ...lines] = text.trimEnd().split('\r\n');
  const columns = header.split(',');
  return { bom: [...bytes.subarray(0, 3)], columns, rows: lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v]))), text };
}
const CSV_COLUMNS = ['level', 'provinceCode', 'provinceName', 'communeCode', 'communeName', 'period', 'serviceColour', 'received'];

/** Clicks a download button of the page and reads the file the browser saved. */
async function downloadFrom(on: Page, selector: string): Promise<{ name: string; csv: Csv }> {
  const [download] = await Promise.all([on.waitForEvent('download'), on.locator(selector).click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), csv: parseCsv(readFileSync(file)) };
}

/** "33 %" of a province's communes, as a tile writes it. */
const wholePercent = (part: number, total: number) => (total ? `${Math.round((part / total) * 100)} %` : '\u2014');

// The gateway runs from the TypeScript sources here and serves the page as built into dist/.
beforeAll(() => ensureOpsPageBuilt(), 60_000);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's Chromium with "apt-get install -y chromium" (.ci/run does it)`);
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-ops-service-'));
  const vnAdminDir = path.join(dataDir, 'vn-admin');
  smallOfficialList(vnAdminDir, COMMUNES_PER_PROVINCE);
  // Read by the gateway's directory at start (restored in afterAll: other spec files share the process).
  process.env.MOTLAN_VN_ADMIN_DIR = vnAdminDir;
  directory = VnAdminDirectory.fromCsvDirectory(vnAdminDir);
  expect(directory.provinces()).toHaveLength(34);

  // Hà Nội as the national reports saw it (32.73 % online, 5.3 % electronic results), one of its
  // three communes silent: the first seed that silences exactly one (a pure function of the seed).
  const variation: Partial<TrafficVariation> = {
    silentShare: 0,
    provinces: {
      '04': { silentShare: 1 },
      '01': { onlineShare: 0.3273, electronicResultShare: 0.053, lateShare: 0, overdueShare: 0, silentShare: 0.5 },
      '48': { ...PERFECT, overdueShare: 0.5 },
      '79': PERFECT,
    },
  };
  let seed = 1;
  const silentOfHanoi = (s: number) => reportingCommunes(directory, s, withDefaults(variation)).filter((c) => c.commune.provinceCode === '01' && c.goesSilent);
  while (silentOfHanoi(seed).length !== 1) seed++;
  hanoiSilent = silentOfHanoi(seed)[0].commune.code;

  sim = await startRegistrySim({ seed, persons: 2_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }), vnAdmin: directory });
  const issuer = new DevTokenIssuer({ dataDir });
  await issuer.ensureKeys();
  const writerToken = await issuer.issue({ sub: 'sim-commune-systems', scope: 'dossiers:write' });
  viewerToken = await issuer.issue({ sub: 'monitoring-centre', scope: 'ops:read' });
  provinceToken = await issuer.issue({ sub: 'monitor-79', scope: 'ops:read', province: '79' });
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    PORT: '0',
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
    MOTLAN_PORTAL_ENDPOINT: sim.portalEndpoint,
    MOTLAN_PORTAL_INLINE_BACKOFF_MS: '10',
    MOTLAN_PORTAL_RETRY_BACKOFF_MS: '50',
    // The commune systems send faster than one client may by default.
    MOTLAN_RATE_LIMIT_PER_SECOND: '100000',
    MOTLAN_RATE_LIMIT_BURST: '100000',
    MOTLAN_INDICATORS_PUBLISH_INTERVAL_MS: '200',
    // Three dossiers make a share here; overdue dossiers turn a commune YELLOW, never RED.
    MOTLAN_SERVICE_MIN_DOSSIERS: '3',
    MOTLAN_SERVICE_OVERDUE_YELLOW_FROM: '1',
    MOTLAN_SERVICE_OVERDUE_RED_FROM: '1000000',
  });
  ({ app: gateway } = await createGatewayApp(config, pino({ level: process.env.E2E_LOG ?? 'silent' })));
  await gateway.listen(0, '127.0.0.1');
  base = await gateway.getUrl();

  const random = new SeededRandom(seed, 18);
  traffic = new DossierTraffic({ gatewayUrl: base, token: writerToken, perSecond: 12, stepMs: 15, variation }, directory, seed, pino({ level: 'silent' }), () =>
    random.float(),
  );
  // Slow enough for a loaded machine's relay to keep up: what counts is that every commune reports.
  traffic.start();
  // Every colour on the map, from the traffic alone; then the traffic stops so the figures hold still.
  await eventually(
    'the four fixed provinces in their colours',
    async () => {
      const view = await api<IndicatorsView>('/v1/ops/indicators');
      const colour = (code: string) => view.provinces.find((p) => p.provinceCode === code)?.serviceColour;
      if (!Object.entries(EXPECTED).every(([code, expected]) => colour(code) === expected)) return undefined;
      // Hà Nội is RED by its silent commune alone: wait until its two others are judged too.
      const hanoi = await api<IndicatorsView>('/v1/ops/indicators?province=01');
      return hanoi.communes!.filter((c) => c.serviceColour === 'RED').length === 2 ? true : undefined;
    },
    150_000,
    500,
  );
  await traffic.stop();
  // Settled: nothing pending at the portal, and two reads of the indicators a publish apart alike.
  let last = '';
  let why = '';
  await eventually(
    'the indicators to settle',
    async () => {
      const sync = await api<{ provinces: { code: string; pending: number }[] }>('/v1/ops/sync/provinces');
      const now = JSON.stringify((await api<IndicatorsView>('/v1/ops/indicators')).provinces.map((p) => [p.serviceColour, p.communes, p.indicators]));
      const pending = sync.provinces.filter((p) => p.pending > 0).map((p) => `${p.code}:${p.pending}`);
      why = pending.length ? `pending ${pending.join(' ')}` : now === last ? '' : 'the indicators changed between two reads';
      last = now;
      return why === '' ? true : undefined;
    },
    90_000,
    600,
  ).catch((error: Error) => {
    throw new Error(`${error.message} (${why})`);
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1440, height: 1100 }, locale: 'en-GB', timezoneId: 'Asia/Ho_Chi_Minh' });
  context.setDefaultTimeout(8000);
  page = await context.newPage();
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) pageProblems.push(`console: ${message.text()}`);
  });
  await page.goto(`${base}/ops#token=${encodeURIComponent(viewerToken)}`);
  await page.locator('body[data-connection="ok"]').waitFor({ timeout: 10_000 });
}, 300_000);

afterAll(async () => {
  if (savedVnAdminDir === undefined) delete process.env.MOTLAN_VN_ADMIN_DIR;
  else process.env.MOTLAN_VN_ADMIN_DIR = savedVnAdminDir;
  await traffic?.stop();
  await browser?.close();
  // A connection the clients of this suite left open (fetch pools, an aborted status) would hold
  // the close until the server's idle timeout (120 s): the suite is done with the gateway.
  (gateway?.getHttpServer() as Server | undefined)?.closeAllConnections();
  await gateway?.close();
  await sim?.stop();
});

describe('/ops service map', () => {
  it('shows all 34 provinces as tiles with their colour as a word and their communes by colour, as the API says', async () => {
    await page.locator('#service-grid button.tile[data-province]').nth(33).waitFor();
    const view = await api<IndicatorsView>('/v1/ops/indicators');
    expect(view.scope.level).toBe('national');
    expect(view.provinces).toHaveLength(34);
    expect(await page.locator('#service-grid button.tile[data-province]').count()).toBe(34);
    // Every province has its place on the grid (one without would be listed after the map).
    expect(await page.locator('#service-grid .tile-extra').count()).toBe(0);
    for (const p of view.provinces) {
      const tile = page.locator(`#service-grid button.tile[data-province="${p.provinceCode}"]`);
      expect([p.provinceCode, await tile.getAttribute('data-colour')]).toEqual([p.provinceCode, p.serviceColour]);
      // The colour as text, with its shape: "✖ RED".
      expect([p.provinceCode, ((await tile.locator('[data-field="colour"]').textContent()) ?? '').trim()]).toEqual([
        p.provinceCode,
        `${SYMBOL[p.serviceColour]} ${p.serviceColour}`,
      ]);
      const shares = (await tile.locator('[data-field="shares"] .tile-share').allTextContents()).map((t) => t.replace(/\u00a0/g, ' '));
      expect(shares).toEqual(COLOURS.map((c) => `${c[0]} ${wholePercent(p.communes[c], p.communes.total)}`));
      expect(p.communes.total).toBe(COMMUNES_PER_PROVINCE);
      // The full official name and every share in words, for screen readers and hover.
      const label = (await tile.getAttribute('aria-label')) ?? '';
      expect(label).toContain(p.provinceName);
      expect(label).toContain(`${p.serviceColour}.`);
    }
    for (const [code, colour] of Object.entries(EXPECTED))
      expect([code, await page.locator(`[data-province="${code}"]`).first().getAttribute('data-colour')]).toEqual([code, colour]);
    // The tile grid puts the north above the south: Hà Nội's row above Hồ Chí Minh City's.
    const top = async (code: string) => (await page.locator(`#service-grid [data-province="${code}"]`).boundingBox())!.y;
    expect(await top('04')).toBeLessThan(await top('01'));
    expect(await top('01')).toBeLessThan(await top('48'));
    expect(await top('48')).toBeLessThan(await top('79'));
    expect(await top('79')).toBeLessThan(await top('96'));
    // The whole country's count of provinces by colour.
    const byColour = (c: ServiceColour) => view.provinces.filter((p) => p.serviceColour === c).length;
    expect(await text('[data-field="provinces-by-colour"]')).toBe(`34 provinces: ${COLOURS.map((c) => `${SYMBOL[c]} ${c} ${byColour(c)}`).join('  ')}`.trim());
    // The colour rules in words, with the thresholds this gateway runs with (three dossiers make a share here).
    expect(await text('[data-field="rules"]')).toContain('A share is judged from 3 dossiers.');
    // The dossier sync views are still there.
    expect(await page.locator('#province-table tbody tr').count()).toBe(34);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.locator('#service-map').screenshot({ path: path.join(SCREENSHOTS, 'ops-service-map.png') });
    expect(pageProblems).toEqual([]);
  });

  it('reads without colour: under forced colours every tile keeps its word, and the colours differ by border style', async () => {
    await page.emulateMedia({ forcedColors: 'active' });
    try {
      const tiles = await page.locator('#service-grid button.tile[data-province]').evaluateAll((els) =>
        els.map((el) => ({
          colour: el.getAttribute('data-colour') ?? '',
          // innerText: what is rendered (text hidden by CSS would not count).
          word: (el.querySelector('[data-field="colour"]') as unknown as { innerText: string }).innerText,
          border: (el.ownerDocument.defaultView as unknown as { getComputedStyle(e: unknown): { borderTopStyle: string } }).getComputedStyle(el).borderTopStyle,
        })),
      );
      expect(tiles).toHaveLength(34);
      for (const t of tiles) expect(t.word).toContain(t.colour);
      const styles = new Map(tiles.map((t) => [t.colour, t.border]));
      expect(Object.fromEntries(styles)).toEqual({ GREEN: 'solid', YELLOW: 'dashed', RED: 'double', SILENT: 'dotted' });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'ops-service-forced-colours.png') });
    } finally {
      await page.emulateMedia({ forcedColors: 'none' });
    }
  });

  it('opens a province: its communes SILENT first, with every indicator and its weekly trend', async () => {
    await page.locator('#service-grid button.tile[data-province="01"]').click();
    await page.locator('#service-commune-table tbody tr[data-commune]').first().waitFor();
    expect(await page.locator('#service-province').isVisible()).toBe(true);
    const view = await api<IndicatorsView>('/v1/ops/indicators?province=01&granularity=week');
    const hanoi = view.provinces[0];
    expect(await text('#service-province-title')).toBe(`Service in ${hanoi.provinceName} (01) ${SYMBOL.RED} RED`);
    const communes = view.communes!;
    expect(communes).toHaveLength(COMMUNES_PER_PROVINCE);
    const rows = page.locator('#service-commune-table tbody tr[data-commune]');
    const shown = await rows.evaluateAll((els) => els.map((el) => [el.getAttribute('data-commune'), el.getAttribute('data-colour')]));
    // SILENT first: the commune whose system never reported, then the two that report too little online.
    expect(shown[0]).toEqual([hanoiSilent, 'SILENT']);
    expect(shown).toEqual(communes.map((c) => [c.communeCode, c.serviceColour]));
    expect(shown.slice(1).map(([, colour]) => colour)).toEqual(['RED', 'RED']);
    for (const c of communes) {
      const row = page.locator(`#service-commune-table tr[data-commune="${c.communeCode}"]`);
      expect(await row.locator('[data-field="name"]').textContent()).toBe(c.communeName);
      expect(((await row.locator('[data-field="service"]').textContent()) ?? '').trim()).toBe(`${SYMBOL[c.serviceColour]} ${c.serviceColour}`);
      expect(await row.locator('[data-field="reasons"] li').allTextContents()).toEqual(c.reasons);
      expect(Number(((await row.locator('[data-field="received"] .ind-value').textContent()) ?? '').replace(/,/g, ''))).toBe(c.indicators.received);
      // A trend per indicator of a period (overdue now and oldest pending are figures of now), its weekly figures in words.
      expect(await row.locator('svg.spark').count()).toBe(8);
      expect(await row.locator('[data-field="overdueNow"] svg.spark').count()).toBe(0);
      expect(await row.locator('[data-field="onlineShare"] svg.spark title').textContent()).toMatch(/^Online by week: \d{1,2} [A-Z][a-z]{2} /);
    }
    // The reporting communes are RED for their online or electronic-result share, in words.
    const red = communes.filter((c) => c.serviceColour === 'RED');
    for (const c of red) expect(c.reasons.join(' ')).toMatch(/online share|electronic-result share/);
    // The province's own figures with their trend.
    expect(await page.locator('#service-trends li.trend-card').count()).toBe(10);
    expect(Number((await text('#service-trends li[data-indicator="received"] [data-field="value"]')).replace(/,/g, ''))).toBe(hanoi.indicators.received);
    expect(hanoi.series.length).toBeGreaterThanOrEqual(1);
    expect(Number(await page.locator('#service-trends li[data-indicator="received"] svg.spark').getAttribute('data-points'))).toBe(hanoi.series.length);
    await page.locator('#service-province').screenshot({ path: path.join(SCREENSHOTS, 'ops-service-province.png') });
    expect(pageProblems).toEqual([]);
  });

  it('sorts the communes by an indicator, lowest first then highest first, communes without the figure last', async () => {
    const view = await api<IndicatorsView>('/v1/ops/indicators?province=01&granularity=week');
    const order = async () =>
      page.locator('#service-commune-table tbody tr[data-commune]').evaluateAll((els) => els.map((el) => el.getAttribute('data-commune')));
    const expected = (dir: 1 | -1) =>
      view
        .communes!.slice()
        .sort((a, b) => {
          const av = a.indicators.onlineShare;
          const bv = b.indicators.onlineShare;
          if (av === null && bv === null) return RANK[a.serviceColour] - RANK[b.serviceColour] || a.communeCode.localeCompare(b.communeCode);
          if (av === null) return 1;
          if (bv === null) return -1;
          return dir * (av - bv) || RANK[a.serviceColour] - RANK[b.serviceColour] || a.communeCode.localeCompare(b.communeCode);
        })
        .map((c) => c.communeCode);
    await page.locator('#service-commune-table thead button[data-sort="onlineShare"]').click();
    expect(await page.locator('#service-commune-table thead th[aria-sort="ascending"] button').getAttribute('data-sort')).toBe('onlineShare');
    expect(await order()).toEqual(expected(1));
    // The silent commune has no online share: last whichever the direction.
    expect((await order()).at(-1)).toBe(hanoiSilent);
    await page.locator('#service-commune-table thead button[data-sort="onlineShare"]').click();
    expect(await page.locator('#service-commune-table thead th[aria-sort="descending"] button').getAttribute('data-sort')).toBe('onlineShare');
    expect(await order()).toEqual(expected(-1));
    expect(await text('#service-sort-note')).toContain('Sorted by Online, highest first.');
    expect(pageProblems).toEqual([]);
  });

  it("downloads the indicators shown as CSV with the page's token: the country view, then the open province by week", async () => {
    const view = await api<IndicatorsView & { from: string; to: string }>('/v1/ops/indicators');
    const country = await downloadFrom(page, '#service-export');
    expect(country.name).toBe(`motlan-indicators-vn-${view.from}-${view.to}.csv`);
    expect(country.csv.bom).toEqual([0xef, 0xbb, 0xbf]);
    expect(country.csv.columns.slice(0, 8)).toEqual(CSV_COLUMNS);
    // One row per province shown on the map, with its colour and its official Vietnamese name.
    expect(country.csv.rows.map((r) => [r.provinceCode, r.serviceColour, r.period])).toEqual(
      view.provinces.map((p) => [p.provinceCode, p.serviceColour, 'total']),
    );
    expect(country.csv.rows.find((r) => r.provinceCode === '01')!.provinceName).toBe('Thành phố Hà Nội');
    expect(country.csv.text).toContain(',Thành phố Hồ Chí Minh,');
    expect(await text('#service-export-note')).toBe(`Downloaded ${country.name} (UTF-8 CSV with the official names; the window and periods shown).`);

    // Hà Nội is open (the tests above): its communes by week, as the province view shows them.
    expect(await text('#service-province-title')).toContain('(01)');
    const hanoi = await api<IndicatorsView & { from: string; to: string }>('/v1/ops/indicators?province=01&granularity=week');
    const province = await downloadFrom(page, '#service-province-export');
    expect(province.name).toBe(`motlan-indicators-01-${hanoi.from}-${hanoi.to}.csv`);
    expect(province.csv.bom).toEqual([0xef, 0xbb, 0xbf]);
    expect(province.csv.columns.slice(0, 8)).toEqual(CSV_COLUMNS);
    const weeks = hanoi.provinces[0].series.map((p) => p.period);
    expect(province.csv.rows).toHaveLength(COMMUNES_PER_PROVINCE * weeks.length);
    expect(new Set(province.csv.rows.map((r) => r.period))).toEqual(new Set(weeks));
    expect(new Set(province.csv.rows.map((r) => r.communeName))).toEqual(new Set(hanoi.communes!.map((c) => c.communeName)));
    expect(province.csv.rows.every((r) => r.level === 'commune' && r.provinceCode === '01' && r.provinceName === 'Thành phố Hà Nội')).toBe(true);
    expect(pageProblems).toEqual([]);
  });

  it('shows a province monitoring centre its own province only, opened, the others as outlines', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1100 }, locale: 'en-GB', timezoneId: 'Asia/Ho_Chi_Minh' });
    context.setDefaultTimeout(8000);
    const own = await context.newPage();
    const problems: string[] = [];
    const asked: string[] = [];
    own.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    own.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/v1/')) asked.push(url.pathname + url.search);
    });
    try {
      await own.goto(`${base}/ops#token=${encodeURIComponent(provinceToken)}`);
      await own.locator('#service-commune-table tbody tr[data-commune]').first().waitFor();
      expect(await own.locator('#service-grid button.tile[data-province]').evaluateAll((els) => els.map((el) => el.getAttribute('data-province')))).toEqual([
        '79',
      ]);
      expect(await own.locator('#service-grid .tile-none').count()).toBe(33);
      expect(await own.locator('#service-grid .tile-none .tile-colour').first().textContent()).toBe('not in scope');
      expect(((await own.locator('#service-note').textContent()) ?? '').trim()).toContain('This token reads province 79 only');
      expect(((await own.locator('#service-province-title').textContent()) ?? '').replace(/\u00a0/g, ' ')).toContain('(79)');
      expect(await own.locator('#service-commune-table tbody tr[data-commune]').count()).toBe(COMMUNES_PER_PROVINCE);

      // The relay sections follow the scope: its province alone, no consumer lag (national), and
      // nothing asked for that the token may not read, over two refreshes.
      await own.locator('#province-table tbody tr[data-province="79"]').waitFor();
      // A refused read would show here first: "forbidden" instead of "ok".
      expect(await own.locator('body').getAttribute('data-connection')).toBe('ok');
      const before = await own.locator('#updated-at').getAttribute('datetime');
      await own.locator('#refresh-now').click();
      await eventually('a second refresh', async () => ((await own.locator('#updated-at').getAttribute('datetime')) !== before ? true : undefined), 8000, 100);
      expect(await own.locator('#province-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-province')))).toEqual(['79']);
      expect(await own.locator('body').getAttribute('data-connection')).toBe('ok');
      expect(((await own.locator('#lag-settings').textContent()) ?? '').trim()).toContain('reads province 79 only, so the lag is not shown');
      expect(await own.locator('#lag-groups article').count()).toBe(0);
      expect(((await own.locator('#province-sort-note').textContent()) ?? '').trim()).toMatch(/^This token reads province 79 only\./);
      expect(asked.filter((p) => p.startsWith('/v1/ops/sync/lag'))).toEqual([]);
      expect(asked.filter((p) => p.startsWith('/v1/ops/sync/provinces')).length).toBeGreaterThanOrEqual(2);
      expect(asked.filter((p) => /[?&]province=(?!79\b)/.test(p))).toEqual([]);
      await own.locator('#province-table tr[data-province="79"] [data-field="name"] button').click();
      await own.locator('#commune-table tbody tr[data-commune]').first().waitFor();
      expect(await own.locator('#commune-table tbody tr[data-commune]').count()).toBe(COMMUNES_PER_PROVINCE);
      // No refusal on an ops route for this officer: a refusal made on purpose afterwards is the
      // first and only one the trail holds (the trail keeps the order of the writes).
      expect((await httpCall(base, 'GET', '/v1/ops/sync/communes?province=01', { token: provinceToken })).status).toBe(403);
      const refusals = await eventually('the deliberate refusal in the audit trail', async () => {
        const found = readAuditRecords(path.join(dataDir, 'audit')).filter(
          (r) => r.type === 'refusal' && r.clientId === 'monitor-79' && String(r.route).startsWith('/v1/ops/'),
        );
        return found.length ? found : undefined;
      });
      expect(refusals.map((r) => [r.route, r.code])).toEqual([['/v1/ops/sync/communes', 'scope_province_mismatch']]);

      // Its CSV of the country view is its province's communes.
      const own79 = await downloadFrom(own, '#service-export');
      expect(own79.name).toMatch(/^motlan-indicators-79-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
      expect(own79.csv.rows).toHaveLength(COMMUNES_PER_PROVINCE);
      expect(own79.csv.rows.every((r) => r.level === 'commune' && r.provinceCode === '79' && r.provinceName === 'Thành phố Hồ Chí Minh')).toBe(true);
      await own.screenshot({ path: path.join(SCREENSHOTS, 'ops-service-province-token.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
