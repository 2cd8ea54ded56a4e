/**
 * The country view of the service indicators: the 34 provinces as a tile grid (tile-grid.ts), each
 * tile with its name, its service colour as a word and a shape, and the share of its communes in
 * each colour — the way the national reports count them. Colour is never the only signal: tiles
 * also differ by border style and pattern, and every figure is text.
 */
import type { ColourCounts, IndicatorAnswer, ProvinceRow, ServiceColour, ServiceThresholds } from '@motlan/service-indicators/indicator-report.types.js';
import { append, h } from './dom.js';
import { clock, num, percent } from './format.js';
import { COLOUR_SYMBOL, SERVICE_COLOURS } from './indicators.js';
import { GRID, shortName, TILES } from './tile-grid.js';

/** "12 %" of the province's communes, or "0 %"; whole percent on a tile, one decimal in its label. */
function share(part: number, total: number, decimals: boolean): string {
  if (!total) return '\u2014';
  const x = part / total;
  return decimals ? percent(x) : Math.round(x * 100) + '\u00a0%';
}

/** "GREEN 12 %, YELLOW 3 %, …" in full, for a label and the province view. */
export function colourSharesText(counts: ColourCounts): string {
  return SERVICE_COLOURS.map((c) => c + ' ' + num(counts[c]) + ' (' + share(counts[c], counts.total, true) + ')').join(', ');
}

/** A colour word with its shape, as a badge: "✖ RED". */
export function serviceBadge(colour: ServiceColour): HTMLSpanElement {
  return h('span', { class: 'badge svc-badge svc-' + colour, 'data-colour': colour }, [
    h('span', { 'aria-hidden': 'true', text: COLOUR_SYMBOL[colour] + ' ' }),
    colour,
  ]);
}

function tile(row: ProvinceRow, selected: boolean, onOpen: (code: string) => void): HTMLElement {
  const place = TILES[row.provinceCode];
  const c = row.communes;
  const label = row.provinceName + ': ' + row.serviceColour + '. ' + num(c.total) + ' communes: ' + colourSharesText(c) + '. Open its communes.';
  const button = h(
    'button',
    {
      type: 'button',
      class: 'tile svc-' + row.serviceColour,
      'data-province': row.provinceCode,
      'data-colour': row.serviceColour,
      'data-focus-key': 'tile-' + row.provinceCode,
      'aria-label': label,
      'aria-pressed': selected ? 'true' : 'false',
      title: label,
      onclick: () => onOpen(row.provinceCode),
    },
    [
      h('span', { class: 'tile-name', lang: 'vi', text: place ? place.short : shortName(row.provinceName) }),
      h('span', { class: 'tile-colour', 'data-field': 'colour' }, [
        h('span', { class: 'sym', 'aria-hidden': 'true', text: COLOUR_SYMBOL[row.serviceColour] }),
        ' ' + row.serviceColour,
      ]),
      h(
        'span',
        { class: 'tile-shares', 'data-field': 'shares' },
        SERVICE_COLOURS.map((colour) =>
          h('span', { class: 'tile-share', 'data-colour': colour, text: colour[0] + '\u00a0' + share(c[colour], c.total, false) }),
        ),
      ),
      stackedBar(c),
    ],
  );
  if (place) {
    // Through the CSSOM: the CSP forbids style attributes, not script-set styles.
    button.style.gridRow = String(place.row);
    button.style.gridColumn = String(place.col + 1);
  }
  return button;
}

/** The communes by colour as a bar; decoration only (the figures are in the text beside it). */
function stackedBar(c: ColourCounts): HTMLElement {
  const bar = h('span', { class: 'tile-bar', 'aria-hidden': 'true' });
  for (const colour of SERVICE_COLOURS) {
    if (!c.total || !c[colour]) continue;
    const part = h('span', { class: 'seg svc-' + colour });
    part.style.width = (c[colour] / c.total) * 100 + '%';
    bar.appendChild(part);
  }
  return bar;
}

/** The colour rules in force, in words, from the answer's `thresholds` (so the legend never disagrees with the gateway). */
export function thresholdRules(t: ServiceThresholds): string[] {
  return [
    'A commune is SILENT when it has reported no status for ' + num(t.silentAfterWorkingHours) + ' working hours (or never); SILENT is never GREEN.',
    'Otherwise RED when online share is below ' +
      percent(t.onlineShare.redBelow) +
      ', on-time share below ' +
      percent(t.onTimeShare.redBelow) +
      ', electronic-result share below ' +
      percent(t.electronicResultShare.redBelow) +
      ', or ' +
      num(t.overdueNow.redFrom) +
      ' or more dossiers are overdue now.',
    'YELLOW when online share is below ' +
      percent(t.onlineShare.yellowBelow) +
      ', on-time share below ' +
      percent(t.onTimeShare.yellowBelow) +
      ', electronic-result share below ' +
      percent(t.electronicResultShare.yellowBelow) +
      ', or ' +
      num(t.overdueNow.yellowFrom) +
      ' or more dossiers are overdue now; GREEN otherwise. A share is judged from ' +
      num(t.minDossiers) +
      ' dossiers.',
    'A province is SILENT when at least ' +
      percent(t.provinceSilentShare) +
      ' of its communes are SILENT, RED when at least ' +
      percent(t.provinceRedShare) +
      ' are RED or SILENT, GREEN when at least ' +
      percent(t.provinceGreenShare) +
      ' are GREEN, YELLOW otherwise.',
  ];
}

/**
 * Draws the map into `grid` and the figures for the whole country into `summary`. Provinces the
 * token may not read (a province token sees its own) stay on the map as empty outlines, so the
 * shape of the country holds.
 */
export function renderServiceMap(
  view: IndicatorAnswer,
  grid: HTMLElement,
  summary: HTMLElement,
  selected: string | null,
  onOpen: (code: string) => void,
  provinceNames: ReadonlyMap<string, string>,
): void {
  const rows = new Map(view.provinces.map((p) => [p.provinceCode, p]));
  grid.style.gridTemplateRows = 'repeat(' + GRID.rows + ', auto)';
  const tiles: HTMLElement[] = [];
  for (const [code, place] of Object.entries(TILES)) {
    const row = rows.get(code);
    if (row) {
      tiles.push(tile(row, row.provinceCode === selected, onOpen));
      continue;
    }
    const outline = h(
      'div',
      { class: 'tile tile-none', 'data-province': code, title: (provinceNames.get(code) ?? place.short) + ': not in this token\u2019s scope' },
      [h('span', { class: 'tile-name', lang: 'vi', text: place.short }), h('span', { class: 'tile-colour muted', text: 'not in scope' })],
    );
    outline.style.gridRow = String(place.row);
    outline.style.gridColumn = String(place.col + 1);
    tiles.push(outline);
  }
  // A province the grid does not know (a later merger) is shown after the map, never dropped.
  const extra = view.provinces.filter((p) => !TILES[p.provinceCode]).map((p) => tile(p, p.provinceCode === selected, onOpen));
  grid.replaceChildren(...tiles);
  if (extra.length) grid.appendChild(h('div', { class: 'tile-extra' }, extra));

  const counts: Record<ServiceColour, number> = { GREEN: 0, YELLOW: 0, RED: 0, SILENT: 0 };
  for (const p of view.provinces) counts[p.serviceColour]++;
  const n = view.national.communes;
  summary.replaceChildren();
  const rules = view.thresholds ? thresholdRules(view.thresholds) : [];
  append(summary, [
    h('p', { class: 'svc-headline', 'data-field': 'provinces-by-colour' }, [
      num(view.provinces.length) + ' provinces: ',
      ...SERVICE_COLOURS.flatMap((c) => [serviceBadge(c), ' ' + num(counts[c]) + '  ']),
    ]),
    h('p', { 'data-field': 'national-communes' }, num(n.total) + ' communes: ' + colourSharesText(n) + '.'),
    h('p', {
      class: 'note',
      'data-field': 'window',
      text:
        'Window ' +
        view.from +
        ' to ' +
        view.to +
        ' (Viet Nam days); ' +
        (view.viewAsOf === null
          ? 'no figures published yet (every commune SILENT until the worker publishes).'
          : 'figures as of ' + clock(Date.parse(view.viewAsOf ?? view.generatedAt)) + '.') +
        ' Tiles are placed roughly by geography; each tile is a province, not its shape.',
    }),
    rules.length
      ? h(
          'ul',
          { class: 'rules', 'data-field': 'rules' },
          rules.map((r) => h('li', { text: r })),
        )
      : null,
  ]);
}
