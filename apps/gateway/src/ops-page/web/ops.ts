/**
 * The /ops page: reads the ops API with the operator's bearer token and redraws every 5 s. Plain
 * browser code (no framework): the skeleton is ops.html, every figure is put in as text. First the
 * service indicators (service-map.ts, service-province.ts), then the dossier sync, the consumer lag
 * and the registry adapters.
 *
 * A token bound to a province or commune reads only that (docs/service-indicators.md, "Who reads
 * what on /v1/ops"): the page learns the scope from the answers and never asks for what the scope
 * excludes — the consumer lag (national), another province's communes — so an officer's page
 * causes no scope refusal; the sections show the scoped answer and say so. (The adapter section
 * still asks /v1/adapters, which needs adapters:read, and says so when the token lacks it.)
 */
import type { CommunesAnswer, LagAnswer, ProvincesAnswer, ProvinceView, SyncColour } from '@motlan/dossier-relay/sync-ops.types.js';
import type { DataQualityAnswer } from '@motlan/data-quality/data-quality-report.types.js';
import type { IndicatorAnswer } from '@motlan/service-indicators/indicator-report.types.js';
import type { TerritoryScope } from '@motlan/vn-admin/territory-scope.types.js';
import { adapterProblemText, loadAdapters, renderAdapters, type AdapterEntry } from './adapters.js';
import { DATA_QUALITY_PATH, dataQualityProblemText, renderDataQuality } from './data-quality.js';
import { api, ApiError, describeProblem, download, forgetToken, keepToken, token } from './api.js';
import { $, append, badge, h, keepingFocus, numCell } from './dom.js';
import { clock, duration, num, percent } from './format.js';
import { groupCard, lagSettingsText } from './lag.js';
import { renderServiceMap } from './service-map.js';
import { DEFAULT_COMMUNE_SORT, nextSort, renderServiceProvince, type CommuneSort, type CommuneSortKey } from './service-province.js';

const REFRESH_MS = 5000;
const STALE_AFTER_MS = 15000;
const PROVINCE_KEY = 'motlan.ops.province';
const SERVICE_PROVINCE_KEY = 'motlan.ops.service-province';
const COLOUR_RANK: Record<SyncColour, number> = { RED: 0, YELLOW: 1, GREEN: 2 };

type ColumnKey = Exclude<keyof ProvinceView, 'code'>;
type SortKey = 'worst' | ColumnKey;
type SortDir = 'asc' | 'desc';

interface PageState {
  lastSuccessAt: number | null;
  lag: LagAnswer | null;
  /** What the token may read, from the last provinces answer (null until one came). */
  scope: TerritoryScope | null;
  provinces: ProvincesAnswer | null;
  communes: CommunesAnswer | null;
  adapters: AdapterEntry[] | null;
  adaptersProblem: string;
  /** Data-quality figures per registry and province (docs/data-quality.md). */
  dataQuality: DataQualityAnswer | null;
  dataQualityProblem: string;
  /** Service indicators of the country (or of the token's province), and of the open province by week. */
  service: IndicatorAnswer | null;
  serviceProvince: IndicatorAnswer | null;
  serviceProblem: string;
  serviceSelected: string | null;
  serviceSort: CommuneSort;
  sort: { key: SortKey; dir: SortDir };
  selected: string | null;
  notGreenOnly: boolean;
  paused: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  running: Promise<void> | null;
  again: boolean;
  problem: ApiError | null;
}

const state: PageState = {
  lastSuccessAt: null,
  lag: null,
  scope: null,
  provinces: null,
  communes: null,
  adapters: null,
  adaptersProblem: '',
  dataQuality: null,
  dataQualityProblem: '',
  service: null,
  serviceProvince: null,
  serviceProblem: '',
  serviceSelected: sessionStorage.getItem(SERVICE_PROVINCE_KEY) || null,
  serviceSort: DEFAULT_COMMUNE_SORT,
  sort: { key: 'worst', dir: 'asc' },
  selected: sessionStorage.getItem(PROVINCE_KEY) || null,
  notGreenOnly: false,
  paused: false,
  timer: undefined,
  running: null,
  again: false,
  problem: null,
};

// ---- Token: from the URL fragment (never sent to the server) or the form, kept in this tab ----

function takeTokenFromFragment(): void {
  if (!location.hash) return;
  const params = new URLSearchParams(location.hash.slice(1));
  const t = params.get('token');
  if (t) keepToken(t.trim());
  const province = params.get('province');
  if (province && /^\d{2}$/.test(province)) selectProvince(province, false);
  // Out of the address bar, history and bookmarks: the token must not outlive this tab there.
  history.replaceState(null, '', location.pathname + location.search);
}

function showTokenState(): void {
  document.body.setAttribute('data-token', token() ? 'set' : 'none');
  $<HTMLInputElement>('token-input').placeholder = token() ? 'a token is set; paste another to replace it' : 'paste a token, or open /ops#token=\u2026';
}

// ---- Refresh cycle ----

function schedule(): void {
  clearTimeout(state.timer);
  if (!state.paused) state.timer = setTimeout(refresh, REFRESH_MS);
}

function refresh(): Promise<void> {
  if (state.running) {
    // A new token or a click must be answered with a read made after it, not by the one in flight.
    state.again = true;
    return state.running;
  }
  const selected = state.selected;
  const serviceSelected = state.serviceSelected;
  // The relay's provinces first: their scope says whether this token may read the consumer lag
  // (national tokens only) and whether the province drilled into is one it may read. Likewise the
  // service indicators' scope for the province opened on the map. A read the scope excludes is
  // not made (a refusal would be audited against the officer for nothing).
  const provincesRead = settle(api<ProvincesAnswer>('/v1/ops/sync/provinces'));
  const lagRead = provincesRead.then((p) => (p.value && p.value.scope.level === 'national' ? settle(api<LagAnswer>('/v1/ops/sync/lag')) : NOT_READ));
  const communesRead = provincesRead.then((p) =>
    selected && p.value && p.value.provinces.some((row) => row.code === selected)
      ? settle(api<CommunesAnswer>('/v1/ops/sync/communes?province=' + encodeURIComponent(selected)))
      : NOT_READ,
  );
  const serviceRead = settle(api<IndicatorAnswer>('/v1/ops/indicators'));
  const serviceProvinceRead = serviceRead.then((s) =>
    serviceSelected && s.value && (s.value.scope.level === 'national' || s.value.scope.provinceCode === serviceSelected)
      ? settle(api<IndicatorAnswer>(provinceIndicatorsPath(serviceSelected)))
      : NOT_READ,
  );
  state.running = Promise.all([
    lagRead,
    provincesRead,
    communesRead,
    settle(loadAdapters()),
    serviceRead,
    serviceProvinceRead,
    settle(api<DataQualityAnswer>(DATA_QUALITY_PATH)),
  ])
    .then(([lag, provinces, communes, adapters, service, serviceProvince, dataQuality]) => {
      const failed = [provinces.error, lag.error].filter((e): e is ApiError => e !== null);
      state.problem = failed.length ? failed[0] : null;
      if (provinces.value) {
        state.provinces = provinces.value;
        state.scope = provinces.value.scope;
        // Out of the scope, the lag is not read: nothing of it stays on screen.
        if (state.scope.level !== 'national') state.lag = null;
      }
      if (lag.value) state.lag = lag.value;
      if (!failed.length) state.lastSuccessAt = Date.now();
      if (communes.value && communes.value.province.code === state.selected) state.communes = communes.value;
      else if (communes.error && (communes.error.status === 403 || communes.error.status === 404)) selectProvince(null, false);
      else if (selected && selected === state.selected && provinces.value && !provinces.value.provinces.some((row) => row.code === selected)) {
        // A province this token does not read (one chosen with another token in this tab): closed, not asked for.
        selectProvince(null, false);
      }
      if (adapters.value) {
        state.adapters = adapters.value;
        state.adaptersProblem = '';
      } else if (adapters.error) {
        const e = adapters.error;
        state.adaptersProblem = adapterProblemText(e);
        if (e.kind === 'forbidden' || e.kind === 'unauthorized' || e.kind === 'no-token') state.adapters = null;
      }
      takeService(service, serviceProvince, serviceSelected);
      if (dataQuality.value) {
        state.dataQuality = dataQuality.value;
        state.dataQualityProblem = '';
      } else if (dataQuality.error) {
        const e = dataQuality.error;
        state.dataQualityProblem = dataQualityProblemText(e);
        if (e.kind === 'forbidden' || e.kind === 'unauthorized' || e.kind === 'no-token') state.dataQuality = null;
      }
      render();
    })
    .catch((e: unknown) => {
      // A drawing bug must not stop the live refresh; it shows in the status line instead.
      state.problem = new ApiError('error', 0, 'page error: ' + (e instanceof Error && e.message ? e.message : String(e)));
      renderConnection();
    })
    .finally(() => {
      state.running = null;
      if (state.again) {
        state.again = false;
        void refresh();
      } else schedule();
    });
  return state.running;
}

interface Settled<T> {
  value: T | null;
  error: ApiError | null;
}

/** A read the page did not make (the token's scope excludes it, or nothing is chosen). */
const NOT_READ: Settled<never> = { value: null, error: null };

/** A read that never rejects: its value, or why it failed. */
function settle<T>(read: Promise<T>): Promise<Settled<T>> {
  return read.then(
    (value) => ({ value, error: null }),
    (reason: unknown) => ({ value: null, error: ApiError.from(reason) }),
  );
}

// ---- Drawing ----

/** The open province's communes by week over the default window (the last four weeks). */
function provinceIndicatorsPath(code: string): string {
  return '/v1/ops/indicators?province=' + encodeURIComponent(code) + '&granularity=week';
}

/** Keeps what the service reads gave; a failed read leaves the last figures on screen with a note. */
function takeService(service: Settled<IndicatorAnswer>, province: Settled<IndicatorAnswer | null>, asked: string | null): void {
  if (service.value) {
    state.service = service.value;
    state.serviceProblem = '';
    // A province or commune token reads one province: open it, there is nothing else to choose
    // (and a province chosen in this tab with another token is not this one's).
    const scoped = service.value.scope.level !== 'national' ? service.value.scope.provinceCode : undefined;
    if (scoped && state.serviceSelected !== scoped) selectServiceProvince(scoped, true);
  } else if (service.error) {
    const e = service.error;
    state.serviceProblem =
      e.kind === 'no-token'
        ? ''
        : e.status === 404
          ? 'This gateway does not serve the service indicators (GET /v1/ops/indicators answered 404).'
          : 'The service indicators could not be read (' + describeProblem(e) + ').';
    if (e.kind === 'forbidden' || e.kind === 'unauthorized' || e.kind === 'no-token') state.service = null;
  }
  if (province.value && province.value.provinces[0]?.provinceCode === state.serviceSelected) state.serviceProvince = province.value;
  else if (province.error && asked === state.serviceSelected) {
    const e = province.error;
    if (e.status === 400 || e.status === 403 || e.status === 404) selectServiceProvince(null, false);
    else state.serviceProblem = 'The communes of province ' + asked + ' could not be read (' + describeProblem(e) + ').';
  }
}

function render(): void {
  renderConnection();
  renderService();
  renderServiceCommunes();
  renderSummary();
  renderLag();
  renderProvinces();
  renderCommunes();
  renderAdapters($('adapters-note'), $<HTMLTableElement>('adapter-table'), state.adapters, state.adaptersProblem);
  renderDataQuality(
    $('data-quality-note'),
    $<HTMLTableElement>('data-quality-registry-table'),
    $<HTMLTableElement>('data-quality-province-table'),
    state.dataQuality,
    state.dataQualityProblem,
  );
}

function renderConnection(): void {
  const p = state.problem;
  const since = state.lastSuccessAt ? ' Showing data from ' + clock(state.lastSuccessAt) + '.' : '';
  let kind: string, text: string;
  if (!p) {
    kind = state.paused ? 'paused' : 'ok';
    text = state.paused ? 'Paused: press \u201cResume live refresh\u201d' : 'Live';
  } else if (p.kind === 'no-token') {
    kind = 'no-token';
    text = 'No token: paste one with scope ops:read below.';
  } else if (p.kind === 'unauthorized') {
    kind = 'unauthorized';
    text = 'Token refused (401 Unauthorized): missing, expired or not valid. Paste a new token.' + since;
  } else if (p.kind === 'forbidden') {
    kind = 'forbidden';
    text = 'Not allowed (403 Forbidden): ' + (p.detail || 'the token lacks scope ops:read') + '.' + since;
  } else if (p.kind === 'network') {
    kind = 'network';
    text = 'Cannot reach the gateway API (' + p.detail + '); retrying every ' + REFRESH_MS / 1000 + ' s.' + since;
  } else {
    kind = 'error';
    text = 'The gateway answered ' + describeProblem(p) + '.' + since;
  }
  document.body.setAttribute('data-connection', kind);
  const el = $('connection');
  if (el.textContent !== text) el.textContent = text;
  const updated = $('updated-at');
  if (state.lastSuccessAt) {
    const age = Date.now() - state.lastSuccessAt;
    updated.setAttribute('datetime', new Date(state.lastSuccessAt).toISOString());
    updated.textContent = clock(state.lastSuccessAt) + (age > STALE_AFTER_MS ? ' (stale: ' + duration(age) + ' ago)' : '');
  }
  const red = state.provinces ? state.provinces.totals.communes.RED : 0;
  // The tab title is what a duty officer sees when the page is in a background tab.
  document.title = (kind === 'ok' || kind === 'paused' ? '' : '\u26a0 ') + (red ? red + ' RED \u00b7 ' : '') + 'Motlan \u00b7 dossier sync operations';
}

function renderSummary(): void {
  const data = state.provinces;
  if (!data) return;
  const t = data.totals;
  // No break inside "100 %" on narrow screens.
  $('headline').textContent = t.provincesAllGreen + ' of ' + t.provinces + ' provinces with 100\u00a0% of communes GREEN';
  const totalCommunes = t.communes.GREEN + t.communes.YELLOW + t.communes.RED;
  const el = $('commune-totals');
  el.replaceChildren();
  append(el, [
    h('span', { 'data-field': 'communes-total' }, num(totalCommunes) + ' communes:'),
    h('span', { 'data-field': 'communes-GREEN' }, [badge('GREEN'), ' ', num(t.communes.GREEN)]),
    h('span', { 'data-field': 'communes-YELLOW' }, [badge('YELLOW'), ' ', num(t.communes.YELLOW)]),
    h('span', { 'data-field': 'communes-RED' }, [badge('RED'), ' ', num(t.communes.RED)]),
  ]);
}

function renderLag(): void {
  const scope = state.scope;
  if (scope && scope.level !== 'national') {
    $('lag-settings').textContent =
      'The consumer groups\u2019 lag is national (the relay\u2019s infrastructure, no province of its own): this token reads ' +
      scopeWords(scope) +
      ' only, so the lag is not shown.';
    $('lag-groups').replaceChildren();
    return;
  }
  const data = state.lag;
  if (!data) return;
  $('lag-settings').textContent = lagSettingsText(data.settings || {});
  const box = $('lag-groups');
  keepingFocus(box, () => {
    box.replaceChildren();
    if (!data.groups.length) box.appendChild(h('p', { class: 'note', text: 'No consumer group is watched.' }));
    for (const g of data.groups) box.appendChild(groupCard(g));
  });
}

/** "province 79" or "commune 25747 (province 79)": what a scoped token reads, in words. */
function scopeWords(scope: TerritoryScope): string {
  if (scope.level === 'national') return 'every province';
  if (scope.level === 'province') return 'province ' + scope.provinceCode;
  return 'commune ' + scope.communeCode + ' (province ' + scope.provinceCode + ')';
}

// ---- Service indicators ----

function provinceNames(): Map<string, string> {
  return new Map((state.provinces ? state.provinces.provinces : []).map((p) => [p.code, p.name]));
}

function renderService(): void {
  const note = $('service-note');
  const data = state.service;
  $<HTMLButtonElement>('service-export').disabled = !data;
  if (!data) {
    note.textContent = state.serviceProblem || 'Waiting for the service indicators…';
    return;
  }
  const scope =
    data.scope.level === 'national'
      ? 'All 34 provinces.'
      : 'This token reads province ' + (data.scope.provinceCode ?? '') + ' only; the other provinces are outlines.';
  note.textContent =
    (state.serviceProblem ? state.serviceProblem + ' Showing the last figures read. ' : '') + scope + ' Choose a province to see its communes.';
  const grid = $('service-grid');
  keepingFocus(grid, () =>
    renderServiceMap(data, grid, $('service-summary'), state.serviceSelected, (code) => selectServiceProvince(code, true), provinceNames()),
  );
}

function renderServiceCommunes(): void {
  const section = $('service-province');
  if (!state.serviceSelected) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const data = state.serviceProvince;
  $<HTMLButtonElement>('service-province-export').disabled = !data;
  const table = $<HTMLTableElement>('service-commune-table');
  if (!data) {
    const known = state.service && state.service.provinces.find((p) => p.provinceCode === state.serviceSelected);
    $('service-province-title').textContent = 'Service in ' + (known ? known.provinceName : 'province ' + state.serviceSelected);
    $('service-province-summary').textContent = 'Loading…';
    $('service-trends').replaceChildren();
    table.tBodies[0].replaceChildren();
    return;
  }
  renderServiceProvince(
    data,
    {
      title: $('service-province-title'),
      summary: $('service-province-summary'),
      trends: $('service-trends'),
      sortNote: $('service-sort-note'),
      table,
    },
    state.serviceSort,
    sortServiceBy,
  );
}

function sortServiceBy(key: CommuneSortKey): void {
  state.serviceSort = nextSort(state.serviceSort, key);
  renderServiceCommunes();
}

function selectServiceProvince(code: string | null, load: boolean): void {
  state.serviceSelected = code;
  state.serviceProvince = null;
  $('service-province-export-note').textContent = '';
  state.serviceSort = DEFAULT_COMMUNE_SORT;
  if (code) sessionStorage.setItem(SERVICE_PROVINCE_KEY, code);
  else sessionStorage.removeItem(SERVICE_PROVINCE_KEY);
  renderService();
  renderServiceCommunes();
  if (!code || !load) return;
  api<IndicatorAnswer>(provinceIndicatorsPath(code)).then(
    (data) => {
      if (state.serviceSelected !== code) return;
      state.serviceProvince = data;
      renderServiceCommunes();
      $('service-province-title').focus();
      $('service-province').scrollIntoView({ block: 'start' });
    },
    (e: unknown) => {
      if (state.serviceSelected !== code) return;
      $('service-province-summary').textContent = 'The communes could not be read (' + describeProblem(ApiError.from(e)) + ').';
    },
  );
}

// ---- CSV exports: the indicators shown, as the API gives them ----

/** The API's CSV of what a view shows: the same scope, window and periods. */
function csvPath(view: IndicatorAnswer, province: string | null): string {
  const query = new URLSearchParams();
  if (province) query.set('province', province);
  query.set('from', view.from);
  query.set('to', view.to);
  query.set('granularity', view.granularity);
  query.set('format', 'csv');
  return '/v1/ops/indicators?' + query.toString();
}

/** Downloads the CSV with the page's token (a plain link could not carry it), saying how it went. */
function exportCsv(button: HTMLButtonElement, note: HTMLElement, path: string | null): void {
  if (!path || button.getAttribute('aria-busy') === 'true') return;
  button.setAttribute('aria-busy', 'true');
  note.textContent = 'Downloading the CSV\u2026';
  download(path, 'text/csv', 'motlan-indicators.csv')
    .then(
      (name) => {
        note.textContent = 'Downloaded ' + name + ' (UTF-8 CSV with the official names; the window and periods shown).';
      },
      (e: unknown) => {
        note.textContent = 'The CSV could not be downloaded (' + describeProblem(ApiError.from(e)) + ').';
      },
    )
    .finally(() => button.removeAttribute('aria-busy'));
}

// ---- Provinces ----

interface Column {
  key: ColumnKey;
  label: string;
  num?: boolean;
  dir: SortDir;
}

const PROVINCE_COLUMNS: Column[] = [
  { key: 'name', label: 'Province', dir: 'asc' },
  { key: 'communes', label: 'Communes', num: true, dir: 'desc' },
  { key: 'green', label: 'GREEN', num: true, dir: 'desc' },
  { key: 'yellow', label: 'YELLOW', num: true, dir: 'desc' },
  { key: 'red', label: 'RED', num: true, dir: 'desc' },
  { key: 'greenShare', label: 'Share GREEN', dir: 'asc' },
  { key: 'received', label: 'Received', num: true, dir: 'desc' },
  { key: 'delivered', label: 'Delivered', num: true, dir: 'desc' },
  { key: 'pending', label: 'Pending', num: true, dir: 'desc' },
  { key: 'failed', label: 'Failed', num: true, dir: 'desc' },
  { key: 'oldestPendingAgeMs', label: 'Oldest pending', num: true, dir: 'desc' },
];

function byName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name, 'vi');
}

function worstFirst(a: ProvinceView, b: ProvinceView): number {
  return (
    b.red - a.red ||
    b.yellow - a.yellow ||
    a.greenShare - b.greenShare ||
    (b.oldestPendingAgeMs || 0) - (a.oldestPendingAgeMs || 0) ||
    b.failed - a.failed ||
    b.pending - a.pending ||
    byName(a, b)
  );
}

function sortedProvinces(list: ProvinceView[]): ProvinceView[] {
  const key = state.sort.key,
    sign = state.sort.dir === 'asc' ? 1 : -1;
  return list.slice().sort((a, b) => {
    if (key === 'worst') return worstFirst(a, b);
    if (key === 'name') return sign * byName(a, b);
    const av = a[key] ?? -1,
      bv = b[key] ?? -1;
    return sign * (av - bv) || worstFirst(a, b);
  });
}

function sortBy(key: ColumnKey): void {
  if (state.sort.key === key) state.sort = { key, dir: state.sort.dir === 'asc' ? 'desc' : 'asc' };
  else state.sort = { key, dir: PROVINCE_COLUMNS.find((c) => c.key === key)?.dir ?? 'asc' };
  renderProvinces();
}

function renderProvinces(): void {
  const data = state.provinces;
  if (!data) return;
  const table = $<HTMLTableElement>('province-table');
  const column = PROVINCE_COLUMNS.find((c) => c.key === state.sort.key);
  $('province-sort-note').textContent =
    (data.scope.level !== 'national' ? 'This token reads ' + scopeWords(data.scope) + ' only. ' : '') +
    (column
      ? 'Sorted by ' + column.label + (state.sort.dir === 'asc' ? ', lowest first.' : ', highest first.')
      : 'Sorted worst first: most RED communes, then most YELLOW, then lowest share of GREEN.') +
    ' Click a column heading to sort by it, a province to see its communes.';
  keepingFocus(table, () => {
    const head = h(
      'tr',
      null,
      PROVINCE_COLUMNS.map((c) => {
        const sorted = state.sort.key === c.key ? (state.sort.dir === 'asc' ? 'ascending' : 'descending') : null;
        return h(
          'th',
          { scope: 'col', class: c.num ? 'num' : null, 'aria-sort': sorted },
          h('button', { type: 'button', 'data-focus-key': 'sort-' + c.key, onclick: () => sortBy(c.key) }, c.label),
        );
      }),
    );
    table.tHead?.replaceChildren(head);
    const rows = sortedProvinces(data.provinces).map((p) => {
      const selected = p.code === state.selected;
      const row = h('tr', { 'data-province': p.code, 'aria-current': selected ? 'true' : null }, [
        h('th', { scope: 'row', 'data-field': 'name' }, [
          h('button', {
            type: 'button',
            class: 'linkish',
            lang: 'vi',
            'data-focus-key': 'province-' + p.code,
            'aria-expanded': selected ? 'true' : 'false',
            'aria-controls': 'communes',
            text: p.name,
          }),
          h('span', { class: 'muted', text: ' ' + p.code }),
        ]),
        numCell(p.communes, 'communes'),
        numCell(p.green, 'green'),
        numCell(p.yellow, 'yellow', p.yellow ? 'warn-num' : null),
        numCell(p.red, 'red', p.red ? 'alert-num' : null),
        h('td', { 'data-field': 'greenShare' }, shareBar(p.greenShare)),
        numCell(p.received, 'received'),
        numCell(p.delivered, 'delivered'),
        numCell(p.pending, 'pending'),
        numCell(p.failed, 'failed', p.failed ? 'alert-num' : null),
        h('td', { class: 'num' + ageClass(p.oldestPendingAgeMs), 'data-field': 'oldestPendingAgeMs' }, duration(p.oldestPendingAgeMs)),
      ]);
      row.addEventListener('click', () => selectProvince(p.code, true));
      return row;
    });
    table.tBodies[0].replaceChildren(...rows);
  });
}

/** Emphasis of a pending age by the thresholds that turn a commune YELLOW or RED. */
function ageClass(ms: number | null): string {
  const t = state.provinces && state.provinces.thresholds;
  if (ms === null || ms === undefined || !t) return '';
  return ms >= t.redPendingAgeMs ? ' alert-num' : ms >= t.yellowPendingAgeMs ? ' warn-num' : '';
}

function shareBar(share: number): HTMLElement {
  const fill = h('span');
  // Set through the CSSOM: the CSP forbids style attributes, not script-set styles.
  fill.style.width = Math.max(0, Math.min(1, share)) * 100 + '%';
  return h('div', { class: 'share' }, [h('div', { class: 'bar', 'aria-hidden': 'true' }, fill), h('span', { class: 'share-text', text: percent(share) })]);
}

// ---- Communes of one province ----

function selectProvince(code: string | null, load: boolean): void {
  state.selected = code;
  state.communes = null;
  if (code) sessionStorage.setItem(PROVINCE_KEY, code);
  else sessionStorage.removeItem(PROVINCE_KEY);
  renderProvinces();
  renderCommunes();
  if (!code || !load) return;
  const section = $('communes');
  api<CommunesAnswer>('/v1/ops/sync/communes?province=' + encodeURIComponent(code)).then(
    (data) => {
      if (state.selected !== code) return;
      state.communes = data;
      renderCommunes();
      $('communes-title').focus();
      section.scrollIntoView({ block: 'start' });
    },
    (e: unknown) => {
      if (state.selected !== code) return;
      $('communes-summary').textContent = 'The communes could not be read (' + describeProblem(ApiError.from(e)) + ').';
    },
  );
}

function renderCommunes(): void {
  const section = $('communes');
  if (!state.selected) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const data = state.communes;
  const table = $<HTMLTableElement>('commune-table');
  if (!data) {
    const known = state.provinces && state.provinces.provinces.find((p) => p.code === state.selected);
    $('communes-title').textContent = 'Communes of ' + (known ? known.name : 'province ' + state.selected);
    $('communes-summary').textContent = 'Loading\u2026';
    table.tBodies[0].replaceChildren();
    return;
  }
  const title = $('communes-title');
  title.replaceChildren();
  append(title, ['Communes of ', h('span', { lang: 'vi', text: data.province.name }), ' (' + data.province.code + ')']);
  const count: Record<SyncColour, number> = { GREEN: 0, YELLOW: 0, RED: 0 };
  for (const c of data.communes) count[c.status]++;
  $('communes-summary').textContent =
    num(data.communes.length) +
    ' communes: ' +
    num(count.GREEN) +
    ' GREEN, ' +
    num(count.YELLOW) +
    ' YELLOW, ' +
    num(count.RED) +
    ' RED. Evaluated at ' +
    clock(Date.parse(data.evaluatedAt)) +
    '. Worst first.';
  table.tHead?.replaceChildren(
    h(
      'tr',
      null,
      (
        [
          ['Commune'],
          ['Code'],
          ['Colour'],
          ['Why'],
          ['Received', 1],
          ['Delivered', 1],
          ['Pending', 1],
          ['Failed', 1],
          ['Failure ratio', 1],
          ['Oldest pending', 1],
          ['Pending on partitions'],
        ] as const
      ).map((c) => h('th', { scope: 'col', class: c[1] ? 'num' : null, text: c[0] })),
    ),
  );
  const list = data.communes
    .filter((c) => !state.notGreenOnly || c.status !== 'GREEN')
    .sort(
      (a, b) =>
        COLOUR_RANK[a.status] - COLOUR_RANK[b.status] ||
        (b.oldestPendingAgeMs || 0) - (a.oldestPendingAgeMs || 0) ||
        b.failed - a.failed ||
        b.pending - a.pending ||
        b.received - a.received ||
        byName(a, b),
    );
  let rows = list.map((c) =>
    h('tr', { 'data-commune': c.code }, [
      h('th', { scope: 'row', lang: 'vi', 'data-field': 'name', text: c.name }),
      h('td', { class: 'mono', 'data-field': 'code', text: c.code }),
      h('td', { 'data-field': 'status' }, badge(c.status)),
      h(
        'td',
        { 'data-field': 'reasons' },
        c.reasons.length
          ? h(
              'ul',
              { class: 'reasons' },
              c.reasons.map((r) => h('li', { text: r })),
            )
          : h('span', { class: 'muted', text: '\u2014' }),
      ),
      numCell(c.received, 'received'),
      numCell(c.delivered, 'delivered'),
      numCell(c.pending, 'pending'),
      numCell(c.failed, 'failed', c.failed ? 'alert-num' : null),
      h('td', { class: 'num' + (c.failureRatio ? ' alert-num' : ' zero'), 'data-field': 'failureRatio', text: percent(c.failureRatio) }),
      h('td', { class: 'num' + ageClass(c.oldestPendingAgeMs), 'data-field': 'oldestPendingAgeMs', text: duration(c.oldestPendingAgeMs) }),
      h('td', { 'data-field': 'partitions', text: c.partitions.length ? c.partitions.join(', ') : '\u2014' }),
    ]),
  );
  if (!rows.length) rows = [h('tr', null, h('td', { colspan: 11, class: 'muted', text: 'Every commune of this province is GREEN.' }))];
  table.tBodies[0].replaceChildren(...rows);
}

// ---- Controls ----

function start(): void {
  takeTokenFromFragment();
  showTokenState();
  window.addEventListener('hashchange', () => {
    takeTokenFromFragment();
    showTokenState();
    void refresh();
  });
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('token-input');
    const value = input.value.trim().replace(/^Bearer\s+/i, '');
    if (!value) return;
    keepToken(value);
    input.value = '';
    showTokenState();
    void refresh();
  });
  $('token-forget').addEventListener('click', () => {
    forgetToken();
    sessionStorage.removeItem(PROVINCE_KEY);
    sessionStorage.removeItem(SERVICE_PROVINCE_KEY);
    // A fresh page: nothing read with the old token stays on screen.
    location.reload();
  });
  $('refresh-now').addEventListener('click', () => void refresh());
  const pause = $<HTMLButtonElement>('pause');
  pause.addEventListener('click', () => {
    state.paused = !state.paused;
    pause.setAttribute('aria-pressed', String(state.paused));
    pause.textContent = state.paused ? 'Resume live refresh' : 'Pause live refresh';
    if (state.paused) {
      clearTimeout(state.timer);
      renderConnection();
    } else void refresh();
  });
  $('sort-worst').addEventListener('click', () => {
    state.sort = { key: 'worst', dir: 'asc' };
    renderProvinces();
  });
  const countryExport = $<HTMLButtonElement>('service-export');
  countryExport.addEventListener('click', () => exportCsv(countryExport, $('service-export-note'), state.service ? csvPath(state.service, null) : null));
  const provinceExport = $<HTMLButtonElement>('service-province-export');
  provinceExport.addEventListener('click', () =>
    exportCsv(
      provinceExport,
      $('service-province-export-note'),
      state.serviceProvince && state.serviceSelected ? csvPath(state.serviceProvince, state.serviceSelected) : null,
    ),
  );
  $('service-province-close').addEventListener('click', () => {
    const code = state.serviceSelected;
    selectServiceProvince(null, false);
    const back = code && document.querySelector<HTMLElement>('[data-focus-key="tile-' + code + '"]');
    if (back) back.focus();
  });
  $('communes-close').addEventListener('click', () => {
    const code = state.selected;
    selectProvince(null, false);
    const back = code && document.querySelector<HTMLElement>('[data-focus-key="province-' + code + '"]');
    if (back) back.focus();
  });
  const notGreen = $<HTMLInputElement>('communes-not-green');
  notGreen.addEventListener('change', () => {
    state.notGreenOnly = notGreen.checked;
    renderCommunes();
  });
  void refresh();
}

// A module script runs after parsing (it is deferred); the check keeps it right if it is ever loaded otherwise.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
