/**
 * The data-quality panel of the /ops page (docs/data-quality.md): per registry, the four qualities
 * over the last 7 days — correct (conflicts, accepted corrections per 1,000 reads), sufficient
 * (reads lacking a field asked for), clean (values failing their format), live (STALE answers,
 * change-event delay) — and the same per province. Every figure is text; none is told by colour.
 */
import type { DataQualityAnswer, DataQualityFigures } from '@motlan/data-quality/data-quality-report.types.js';
import { ApiError, describeProblem } from './api.js';
import { h } from './dom.js';
import { duration, num, percent } from './format.js';

export const DATA_QUALITY_PATH = '/v1/ops/data-quality';

const PER_1000 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const dash = '\u2014';

/** Why the panel shows no figures (a token without ops:read still shows the rest of the page). */
export function dataQualityProblemText(e: ApiError): string {
  if (e.kind === 'no-token') return '';
  if (e.status === 404) return 'This gateway does not serve the data-quality figures (GET ' + DATA_QUALITY_PATH + ' answered 404).';
  return 'The data-quality figures could not be read (' + describeProblem(e) + ').';
}

function per1000(count: number, rate: number | null): string {
  return rate === null ? num(count) : num(count) + ' (' + PER_1000.format(rate) + ' \u2030)';
}

function shareOf(count: number, share: number | null): string {
  return share === null ? num(count) : num(count) + ' (' + percent(share) + ')';
}

const HEADINGS: ReadonlyArray<[string, boolean]> = [
  ['Reads', true],
  ['Conflicts (per 1,000 reads)', true],
  ['Corrections accepted (per 1,000 reads)', true],
  ['Reads lacking a field asked for', true],
  ['Reads with a malformed value', true],
  ['STALE answers', true],
];

function figureCells(f: DataQualityFigures): HTMLTableCellElement[] {
  return [
    h('td', { class: 'num', 'data-field': 'reads', text: num(f.reads) }),
    h('td', { class: 'num', 'data-field': 'conflicts', text: per1000(f.conflicts, f.conflictsPer1000Reads) }),
    h('td', { class: 'num', 'data-field': 'corrections-accepted', text: per1000(f.correctionsAccepted, f.correctionsAcceptedPer1000Reads) }),
    h('td', { class: 'num', 'data-field': 'missing', text: shareOf(f.readsWithMissingFields, f.missingFieldsShare) }),
    h('td', { class: 'num', 'data-field': 'malformed', text: shareOf(f.readsWithMalformedValues, f.malformedValuesShare) }),
    h('td', { class: 'num', 'data-field': 'stale', text: shareOf(f.staleAnswers, f.staleShare) }),
  ];
}

/** Draws the registry and province tables, or the note saying why there are none. */
export function renderDataQuality(
  note: HTMLElement,
  registries: HTMLTableElement,
  provinces: HTMLTableElement,
  view: DataQualityAnswer | null,
  problem: string,
): void {
  if (!view) {
    note.textContent = problem || 'Waiting for the data-quality figures\u2026';
    for (const t of [registries, provinces]) {
      t.tHead?.replaceChildren();
      t.tBodies[0].replaceChildren();
    }
    return;
  }
  note.textContent =
    problem ||
    'From ' +
      view.from +
      ' to ' +
      view.to +
      ': ' +
      num(view.totals.reads) +
      ' registry reads' +
      (view.viewAsOf ? '' : ' (the figures are not ready yet)') +
      '.';
  registries.tHead?.replaceChildren(
    h('tr', null, [
      h('th', { scope: 'col', text: 'Registry' }),
      ...HEADINGS.map(([t, n]) => h('th', { scope: 'col', class: n ? 'num' : null, text: t })),
      h('th', { scope: 'col', class: 'num', text: 'Change events' }),
      h('th', { scope: 'col', class: 'num', text: 'Event delay (mean / max)' }),
    ]),
  );
  registries.tBodies[0].replaceChildren(
    ...view.registries.map((r) =>
      h('tr', { 'data-registry': r.registry }, [
        h('th', { scope: 'row' }, h('code', { text: r.registry })),
        ...figureCells(r),
        h('td', { class: 'num', 'data-field': 'change-events', text: num(r.changeEvents) }),
        h('td', {
          class: 'num',
          'data-field': 'change-delay',
          text:
            r.changeEventDelayAvgSeconds === null
              ? dash
              : duration(r.changeEventDelayAvgSeconds * 1000) + ' / ' + duration((r.changeEventDelayMaxSeconds ?? 0) * 1000),
        }),
      ]),
    ),
  );
  provinces.tHead?.replaceChildren(
    h('tr', null, [h('th', { scope: 'col', text: 'Province' }), ...HEADINGS.map(([t, n]) => h('th', { scope: 'col', class: n ? 'num' : null, text: t }))]),
  );
  provinces.tBodies[0].replaceChildren(
    ...view.provinces.map((p) =>
      h('tr', { 'data-province': p.provinceCode }, [
        h('th', { scope: 'row', text: p.provinceName ? p.provinceName + ' (' + p.provinceCode + ')' : 'No commune (national systems, registry operators)' }),
        ...figureCells(p),
      ]),
    ),
  );
}
