/** The registry-adapters section of the /ops page: state, gRPC health, breaker, load, recent errors. */
import type { AdapterHealthView, AdapterList, AdapterView } from '@motlan/adapter-catalog/adapter-view.types.js';
import { api, ApiError, describeProblem } from './api.js';
import { badge, h } from './dom.js';
import { duration, num, percent } from './format.js';

export interface AdapterEntry {
  adapter: AdapterView;
  health: AdapterHealthView | null;
  healthError: ApiError | null;
}

const BREAKER_LABEL: Record<string, string> = { closed: 'CLOSED', half_open: 'HALF-OPEN', open: 'OPEN' };

/** Every adapter with its health; one adapter's health failing shows on its row, not as a failed read. */
export async function loadAdapters(): Promise<AdapterEntry[]> {
  const list = await api<AdapterList>('/v1/adapters');
  const adapters = list.adapters || [];
  const health = await Promise.allSettled(adapters.map((a) => api<AdapterHealthView>('/v1/adapters/' + encodeURIComponent(a.id) + '/health')));
  return adapters.map((adapter, i) => {
    const result = health[i];
    return {
      adapter,
      health: result.status === 'fulfilled' ? result.value : null,
      healthError: result.status === 'rejected' ? ApiError.from(result.reason) : null,
    };
  });
}

/** Why adapter health is not shown; adapter health needs its own scope, so a token without it still shows the sync figures. */
export function adapterProblemText(e: ApiError): string {
  if (e.kind === 'forbidden') return 'This token lacks scope adapters:read: adapter health is not shown.';
  return e.kind === 'no-token' ? '' : 'Adapter health could not be read (' + describeProblem(e) + ').';
}

/** Draws the adapters table, or the note saying why it cannot (no data yet, missing scope). */
export function renderAdapters(note: HTMLElement, table: HTMLTableElement, adapters: AdapterEntry[] | null, problem: string): void {
  if (!adapters) {
    note.textContent = problem || 'Waiting for data\u2026';
    table.tHead?.replaceChildren();
    table.tBodies[0].replaceChildren();
    return;
  }
  let windowMs: number | null = null;
  for (const a of adapters) if (a.health && a.health.resilience.recent) windowMs = a.health.resilience.recent.windowMs;
  note.textContent =
    problem ||
    (adapters.length ? 'Error rate and p95 latency over the last ' + duration(windowMs || 60000) + ' of calls.' : 'No adapter is configured or registered.');
  table.tHead?.replaceChildren(
    h(
      'tr',
      null,
      (
        [
          ['Adapter'],
          ['Registry'],
          ['Endpoint'],
          ['State'],
          ['gRPC health'],
          ['Breaker'],
          ['In flight', 1],
          ['Recent calls', 1],
          ['Error rate', 1],
          ['p95 latency', 1],
        ] as const
      ).map((c) => h('th', { scope: 'col', class: c[1] ? 'num' : null, text: c[0] })),
    ),
  );
  const rows = adapters
    .slice()
    .sort((a, b) => a.adapter.registry.localeCompare(b.adapter.registry) || a.adapter.id.localeCompare(b.adapter.id))
    .map((entry) => {
      const a = entry.adapter,
        hl = entry.health,
        r = hl ? hl.resilience : null,
        recent = r ? r.recent : null;
      const breaker = r ? r.breaker.state : null;
      return h('tr', { 'data-adapter': a.id }, [
        h('th', { scope: 'row' }, [h('code', { text: a.id }), h('span', { class: 'muted', text: a.source === 'config' ? ' (config)' : '' })]),
        h('td', { text: a.registry }),
        h('td', null, h('code', { text: a.endpoint })),
        h('td', { 'data-field': 'state', title: a.reason || null }, badge(a.state, a.state.toUpperCase())),
        h('td', { 'data-field': 'grpc-health' }, hl ? badge(hl.grpcHealth) : h('span', { class: 'muted', text: describeProblem(entry.healthError) })),
        h(
          'td',
          { 'data-field': 'breaker', title: r && r.breaker.opened ? 'opened ' + r.breaker.opened + ' times since start' : null },
          r && breaker
            ? [badge(breaker, BREAKER_LABEL[breaker] || breaker), breaker === 'open' ? ' for ' + duration(r.breaker.remainingOpenMs) : '']
            : '\u2014',
        ),
        h('td', { class: 'num', 'data-field': 'in-flight', text: r ? num(r.inFlight) + ' / ' + num(r.maxConcurrency) : '\u2014' }),
        h('td', { class: 'num', 'data-field': 'calls', text: recent ? num(recent.calls) : '\u2014' }),
        h('td', {
          class: 'num' + (recent && recent.errorRate > 0 ? ' alert-num' : ''),
          'data-field': 'error-rate',
          text: recent && recent.calls ? percent(recent.errorRate) : '\u2014',
        }),
        h('td', { class: 'num', 'data-field': 'p95', text: recent && recent.latencyMs ? duration(recent.latencyMs.p95) : '\u2014' }),
      ]);
    });
  table.tBodies[0].replaceChildren(...rows);
}
