/**
 * Styles of the /ops page. System fonts only (no download: the CSP allows nothing else, and the
 * machines may have no internet); they cover Vietnamese diacritics. Colours pass WCAG AA contrast
 * on their backgrounds, and every coloured badge also carries its word (GREEN, WARN…).
 */
export const OPS_CSS = `
:root {
  --fg: #1a1d21;
  --muted: #4d5561;
  --bg: #f6f7f9;
  --card: #ffffff;
  --line: #d5d9e0;
  --accent: #0b57d0;
  --ok-fg: #0d5c2b; --ok-bg: #dcf3e3; --ok-line: #2e8b4f;
  --warn-fg: #6b4b00; --warn-bg: #fff1c2; --warn-line: #c79100;
  --bad-fg: #8c1d18; --bad-bg: #fde3e1; --bad-line: #c62828;
  --stop-fg: #ffffff; --stop-bg: #5b1411;
  --series-1: #0b57d0; --series-2: #b3261e;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif;
  font-size: 15px;
  line-height: 1.45;
  color: var(--fg);
  background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; padding: 0 20px 24px; }
h1 { font-size: 1.45rem; margin: 0; }
h1 .sub { font-weight: 400; color: var(--muted); font-size: 1rem; margin-left: .4em; }
h2 { font-size: 1.2rem; margin: 0 0 .4rem; }
h3 { font-size: 1.05rem; margin: 0; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Consolas, monospace; font-size: .92em; }
button { font: inherit; padding: .3rem .8rem; border: 1px solid #8a93a0; border-radius: 6px; background: #fff; color: var(--fg); cursor: pointer; }
button:hover { background: #eef2f8; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 12px; top: 8px; background: #fff; padding: .3rem .6rem; z-index: 10; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.note { color: var(--muted); margin: 0 0 .6rem; }

.top { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 12px; padding: 14px 0 10px; border-bottom: 1px solid var(--line); }
.live { margin: .25rem 0 0; display: flex; flex-wrap: wrap; gap: 14px; align-items: center; }
.updated { color: var(--muted); }
.updated time { color: var(--fg); font-weight: 600; font-variant-numeric: tabular-nums; }
.controls { display: flex; gap: 8px; }
.connection { font-weight: 600; padding: .15rem .6rem; border-radius: 999px; border: 1px solid var(--line); background: #eef0f3; }
.connection::before { content: "\\25CF\\00A0"; }
body[data-connection="ok"] .connection { color: var(--ok-fg); background: var(--ok-bg); border-color: var(--ok-line); }
body[data-connection="paused"] .connection { color: var(--warn-fg); background: var(--warn-bg); border-color: var(--warn-line); }
body[data-connection="network"] .connection,
body[data-connection="unauthorized"] .connection,
body[data-connection="forbidden"] .connection,
body[data-connection="error"] .connection,
body[data-connection="no-token"] .connection { color: var(--bad-fg); background: var(--bad-bg); border-color: var(--bad-line); }
/* Figures no longer being refreshed are dimmed, so nobody takes them for live ones. */
body[data-connection="network"] main, body[data-connection="error"] main,
body[data-connection="unauthorized"] main, body[data-connection="forbidden"] main { opacity: .72; }

.token-form { margin: 12px 0; padding: 10px 12px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.token-form label { font-weight: 600; }
.token-form .hint { font-weight: 400; color: var(--muted); }
.token-row { display: flex; gap: 8px; margin-top: 6px; flex-wrap: wrap; }
.token-row input { flex: 1 1 320px; font: inherit; padding: .3rem .5rem; border: 1px solid #8a93a0; border-radius: 6px; }
body[data-token="set"] .token-form { padding: 6px 12px; }
body[data-token="set"] .token-form .token-row input { flex-basis: 200px; }

main > section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 14px 0; }
.summary { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 24px; }
.headline { font-size: 1.5rem; margin: 0; }
.commune-totals { margin: 0; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.section-head { display: flex; justify-content: space-between; align-items: center; gap: 12px; }

.badge { display: inline-block; min-width: 4.2em; text-align: center; font-weight: 700; font-size: .82rem; letter-spacing: .02em; padding: .05rem .45rem; border-radius: 4px; border: 1px solid; white-space: nowrap; }
.s-GREEN, .s-OK, .s-closed, .s-SERVING, .s-described { color: var(--ok-fg); background: var(--ok-bg); border-color: var(--ok-line); }
.s-YELLOW, .s-WARN, .s-half_open, .s-pending, .s-UNKNOWN { color: var(--warn-fg); background: var(--warn-bg); border-color: var(--warn-line); }
.s-RED, .s-ERR, .s-STALL, .s-open, .s-NOT_SERVING, .s-incompatible, .s-unreachable { color: var(--bad-fg); background: var(--bad-bg); border-color: var(--bad-line); }
.s-STOP { color: var(--stop-fg); background: var(--stop-bg); border-color: var(--stop-bg); }

.groups { display: flex; flex-direction: column; gap: 14px; }
.group { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: 10px 12px; }
.group.g-OK { border-left-color: var(--ok-line); }
.group.g-WARN { border-left-color: var(--warn-line); }
.group.g-ERR { border-left-color: var(--bad-line); }
.group-body { display: grid; grid-template-columns: minmax(320px, 4fr) minmax(520px, 8fr); gap: 8px 18px; align-items: start; }
.group-head { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; }
.figures { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: .35rem 0; padding: 0; list-style: none; }
.figures b { font-variant-numeric: tabular-nums; }
.group-error { color: var(--bad-fg); background: var(--bad-bg); padding: .3rem .5rem; border-radius: 4px; margin: .3rem 0; }
.chart { width: 100%; height: auto; display: block; margin: .3rem 0 .5rem; }
.chart text { font-size: 12px; fill: var(--muted); font-family: inherit; }
.chart .grid { stroke: #e3e6eb; stroke-width: 1; }
.chart .axis { stroke: #9aa3ae; stroke-width: 1; }
.chart .s1 { fill: none; stroke: var(--series-1); stroke-width: 2.2; }
.chart .s1-area { fill: var(--series-1); opacity: .08; }
.chart .dot { fill: var(--series-1); }
.chart .s2 { fill: none; stroke: var(--series-2); stroke-width: 1.8; stroke-dasharray: 5 4; }
.chart .empty { font-size: 13px; }
.legend { display: flex; gap: 16px; font-size: .85rem; color: var(--muted); margin: 0; padding: 0; list-style: none; }
.legend .k1, .legend .k2 { display: inline-block; width: 22px; height: 0; vertical-align: middle; margin-right: 6px; border-top: 3px solid var(--series-1); }
.legend .k2 { border-top: 2px dashed var(--series-2); }
.legend .kw, .legend .ke { display: inline-block; width: 14px; height: 10px; vertical-align: middle; margin-right: 6px; }
.chart .band-WARN { fill: var(--warn-line); fill-opacity: .22; }
.chart .band-ERR { fill: var(--bad-line); fill-opacity: .22; }
.legend .kw { background: var(--warn-line); opacity: .22; }
.legend .ke { background: var(--bad-line); opacity: .22; }

.table-wrap { overflow-x: auto; }
table.data { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.data th, table.data td { padding: .3rem .55rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.data thead th { background: #eef1f5; font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
table.data tbody th { font-weight: 400; }
table.partitions { font-size: .9rem; }
table.partitions td.topic { white-space: nowrap; }
#commune-table tbody th, #province-table tbody th { white-space: nowrap; }
#commune-table td[data-field="reasons"] { min-width: 16em; }
table.partitions td.why { min-width: 12em; }
table.data td.num { white-space: nowrap; }
table.data td.num, table.data th.num { text-align: right; }
table.data tbody tr:hover { background: #f3f6fb; }
table.data tr[aria-current="true"] { background: #e6eefc; }
table.data thead th button { border: 0; background: none; padding: 0; font-weight: 600; cursor: pointer; }
table.data thead th button::after { content: " \\2195"; color: #8a929c; }
table.data th[aria-sort="ascending"] button::after { content: " \\25B2"; color: var(--fg); }
table.data th[aria-sort="descending"] button::after { content: " \\25BC"; color: var(--fg); }
.linkish { border: 0; background: none; padding: 0; color: var(--accent); text-decoration: underline; text-align: left; font-weight: 600; }
.linkish:hover { background: none; color: #073e96; }
.zero { color: #8a929c; }
.alert-num { color: var(--bad-fg); font-weight: 700; }
.warn-num { color: var(--warn-fg); font-weight: 700; }
.share { display: flex; align-items: center; gap: 8px; min-width: 150px; }
.bar { flex: 1 1 auto; height: 10px; min-width: 70px; background: var(--bad-bg); border: 1px solid #c9ced6; border-radius: 3px; overflow: hidden; }
.bar span { display: block; height: 100%; background: var(--ok-line); }
.share-text { min-width: 3.6em; text-align: right; }
ul.reasons { margin: 0; padding-left: 1.1em; }
.muted { color: var(--muted); }
.foot { color: var(--muted); font-size: .85rem; }

@media (max-width: 980px) {
  .group-body { grid-template-columns: 1fr; }
}
@media (max-width: 700px) {
  body { padding: 0 8px 16px; }
}
@media (prefers-reduced-motion: no-preference) {
  .bar span { transition: width .4s ease; }
}
`;
