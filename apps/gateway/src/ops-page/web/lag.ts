/**
 * The consumer-lag section of the /ops page: one card per consumer group with its figures, an SVG
 * chart of the recent history (no chart library) and the partitions table.
 */
import type { LagHistoryPoint, LagMonitorSettings } from '@motlan/consumer-lag/lag.types.js';
import type { GroupLagView } from '@motlan/dossier-relay/sync-ops.types.js';
import { append, badge, h, numCell, svg } from './dom.js';
import { clock, duration, num } from './format.js';

/** How the monitor decides, in words, from its settings. */
export function lagSettingsText(s: Partial<LagMonitorSettings>): string {
  return (
    'Offsets read every ' +
    duration(s.intervalMs) +
    '. WARN: lag above ' +
    num(s.allowance) +
    ' messages keeps growing over ' +
    duration(s.windowMs) +
    '; STALL: lag and no commit over that window; STOP: no commit for ' +
    duration(s.stopAfterMs) +
    ' with lag. Chart: the last ' +
    duration(s.historyMs) +
    ' at most.'
  );
}

export function groupCard(g: GroupLagView): HTMLElement {
  const notOk = g.partitions.filter((p) => p.status !== 'OK').length;
  const card = h('article', { class: 'group g-' + g.status, 'data-group': g.group, 'aria-label': 'Consumer group ' + g.group + ', ' + g.status });
  append(
    card,
    h('div', { class: 'group-head' }, [
      h('h3', null, h('code', { text: g.group })),
      h('span', { 'data-field': 'group-status' }, badge(g.status)),
      g.sampledAt ? h('span', { class: 'muted', text: 'sampled ' + clock(Date.parse(g.sampledAt)) }) : null,
    ]),
  );
  append(
    card,
    h('ul', { class: 'figures' }, [
      h('li', null, ['Total lag ', h('b', { 'data-field': 'total-lag', text: num(g.totalLag) }), ' messages']),
      h('li', null, ['Max time lag ', h('b', { 'data-field': 'max-time-lag', text: duration(g.maxTimeLagMs) })]),
      h('li', null, ['Partitions ', h('b', { text: num(g.partitions.length) }), notOk ? ', ' + notOk + ' not OK' : '']),
    ]),
  );
  if (g.error) {
    append(
      card,
      h(
        'p',
        { class: 'group-error', role: 'note' },
        'Reading offsets failed' + (g.errorSince ? ' since ' + clock(Date.parse(g.errorSince)) : '') + ': ' + g.error,
      ),
    );
  }
  const body = h('div', { class: 'group-body' });
  append(
    body,
    h('div', null, [
      lagChart(g),
      h('ul', { class: 'legend', 'aria-hidden': 'true' }, [
        h('li', null, [h('span', { class: 'k1' }), 'total lag (messages, left axis)']),
        h('li', null, [h('span', { class: 'k2' }), 'max time lag (right axis)']),
        h('li', null, [h('span', { class: 'kw' }), 'WARN']),
        h('li', null, [h('span', { class: 'ke' }), 'ERR']),
      ]),
    ]),
  );
  append(body, partitionTable(g));
  return append(card, body);
}

function partitionTable(g: GroupLagView): HTMLElement {
  if (!g.partitions.length) return h('p', { class: 'note', text: 'No partition read yet.' });
  const head = h(
    'tr',
    null,
    ['Topic', 'Partition', 'Committed', 'Log end', 'Lag', 'Time lag', 'Status', 'Why'].map((label, i) =>
      h('th', { scope: 'col', class: i >= 1 && i <= 5 ? 'num' : null, text: label }),
    ),
  );
  const rows = g.partitions.map((p) =>
    h('tr', { 'data-topic': p.topic, 'data-partition': p.partition }, [
      h('td', { class: 'topic' }, h('code', { text: p.topic })),
      h('td', { class: 'num', 'data-field': 'partition', text: String(p.partition) }),
      h('td', {
        class: 'num',
        'data-field': 'committed',
        title:
          p.committedOffset < 0
            ? 'the group has committed nothing on this partition'
            : p.committedMovedAt
              ? 'last seen moving at ' + clock(Date.parse(p.committedMovedAt))
              : 'not seen moving yet',
        text: p.committedOffset < 0 ? '\u2014' : num(p.committedOffset),
      }),
      numCell(p.endOffset, 'end'),
      numCell(p.lag, 'lag'),
      h('td', {
        class: 'num',
        'data-field': 'time-lag',
        title: p.timeLagIsLowerBound ? 'at least: the last commit predates the kept history' : null,
        text: (p.timeLagIsLowerBound ? '\u2265 ' : '') + duration(p.timeLagMs),
      }),
      h('td', { 'data-field': 'status' }, badge(p.status)),
      h('td', { class: 'muted why', 'data-field': 'reason', text: p.reason || '' }),
    ]),
  );
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'data partitions' }, [
      h('caption', { class: 'visually-hidden', text: 'Partitions of ' + g.group }),
      h('thead', null, head),
      h('tbody', null, rows),
    ]),
  );
}

/** A "nice" axis maximum (1, 2, 4, 6, 8 × 10^n) at or above v, so halves are whole numbers. */
function niceMax(v: number): number {
  if (!(v > 2)) return 2;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const step of [1, 2, 4, 6, 8, 10]) if (step * p >= v) return step * p;
  return 10 * p;
}

const TIME_STEPS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400, 172800, 604800].map((s) => s * 1000);

function niceTimeMax(ms: number): number {
  for (const step of TIME_STEPS) if (step >= ms) return step;
  return Math.ceil(ms / 86400000) * 86400000;
}

interface StatusRun {
  status: string;
  from: number;
  to: number;
}

/** Consecutive history points of one status, as [from, to] spans (to: the next status began). */
function statusRuns(points: LagHistoryPoint[]): StatusRun[] {
  const runs: StatusRun[] = [];
  for (const p of points) {
    const status = p.status || 'OK';
    const open = runs[runs.length - 1];
    if (open) open.to = p.t;
    if (!open || open.status !== status) runs.push({ status, from: p.t, to: p.t });
  }
  return runs;
}

function lagChart(g: GroupLagView): SVGSVGElement {
  const W = 480,
    H = 180,
    L = 50,
    R = 58,
    T = 12,
    B = 24;
  const points = (g.history || []).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.totalLag));
  const id = 'chart-' + g.group.replace(/[^A-Za-z0-9_-]/g, '-');
  const last = points[points.length - 1];
  const maxLag = points.reduce((m, p) => Math.max(m, p.totalLag), 0);
  const maxTime = points.reduce((m, p) => Math.max(m, p.maxTimeLagMs || 0), 0);
  const description = points.length
    ? 'Total lag now ' +
      num(last.totalLag) +
      ' messages, at most ' +
      num(maxLag) +
      ' over the last ' +
      duration(last.t - points[0].t) +
      '; max time lag now ' +
      duration(last.maxTimeLagMs) +
      '.'
    : 'No history yet.';
  const chart = svg('svg', {
    class: 'chart',
    viewBox: '0 0 ' + W + ' ' + H,
    role: 'img',
    'aria-labelledby': id + '-t ' + id + '-d',
    'data-points': points.length,
  });
  append(chart, [svg('title', { id: id + '-t', text: 'Lag over time of ' + g.group }), svg('desc', { id: id + '-d', text: description })]);
  const plotW = W - L - R,
    plotH = H - T - B;
  append(chart, svg('line', { class: 'axis', x1: L, y1: T + plotH, x2: L + plotW, y2: T + plotH }));
  if (points.length < 2) {
    append(chart, svg('text', { class: 'empty', x: L + plotW / 2, y: T + plotH / 2, 'text-anchor': 'middle', text: 'Collecting history\u2026' }));
    return chart;
  }
  const t0 = points[0].t,
    t1 = Math.max(last.t, t0 + 1);
  const yMax = niceMax(maxLag),
    y2Max = niceTimeMax(Math.max(maxTime, 1000));
  const x = (t: number) => L + ((t - t0) / (t1 - t0)) * plotW;
  const y = (v: number) => T + (1 - v / yMax) * plotH;
  const y2 = (v: number) => T + (1 - v / y2Max) * plotH;
  for (const f of [0.5, 1]) {
    append(chart, svg('line', { class: 'grid', x1: L, y1: y(yMax * f), x2: L + plotW, y2: y(yMax * f) }));
  }
  for (const f of [0, 0.5, 1]) {
    append(chart, svg('text', { x: L - 6, y: y(yMax * f) + 4, 'text-anchor': 'end', text: num(yMax * f) }));
    append(chart, svg('text', { x: L + plotW + 6, y: y(yMax * f) + 4, 'text-anchor': 'start', text: duration(y2Max * f) }));
  }
  for (const [t, anchor] of [
    [t0, 'start'],
    [(t0 + t1) / 2, 'middle'],
    [t1, 'end'],
  ] as const) {
    append(chart, svg('text', { x: x(t), y: H - 8, 'text-anchor': anchor, text: clock(t) }));
  }
  const line = (value: (p: LagHistoryPoint) => number, scale: (v: number) => number) =>
    points.map((p, i) => (i ? 'L' : 'M') + x(p.t).toFixed(1) + ' ' + scale(value(p)).toFixed(1)).join(' ');
  // Behind the lines, a band for every stretch the group was WARN or ERR: the history keeps the
  // status of each poll, so a warning that came and went between two refreshes still shows.
  for (const run of statusRuns(points)) {
    if (run.status === 'OK') continue;
    const x1 = x(run.from),
      x2 = Math.max(x(run.to), x1 + 2);
    append(
      chart,
      svg('rect', { class: 'band band-' + run.status, x: x1.toFixed(1), y: T, width: (x2 - x1).toFixed(1), height: plotH, 'data-status': run.status }, [
        svg('title', { text: run.status + ' ' + clock(run.from) + '\u2013' + clock(run.to) }),
      ]),
    );
  }
  const lagPath = line((p) => p.totalLag, y);
  append(chart, [
    svg('path', { class: 's1-area', d: lagPath + ' L' + x(last.t).toFixed(1) + ' ' + y(0) + ' L' + x(t0).toFixed(1) + ' ' + y(0) + ' Z' }),
    svg('path', { class: 's2', d: line((p) => p.maxTimeLagMs || 0, y2) }),
    svg('path', { class: 's1', d: lagPath }),
    svg('circle', { class: 'dot', cx: x(last.t), cy: y(last.totalLag), r: 3.5 }),
  ]);
  return chart;
}
