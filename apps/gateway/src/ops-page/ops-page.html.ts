/**
 * The skeleton of the /ops page. It holds no data (the page is public): ops-page.script.ts fills it
 * from the ops API with the operator's token. No inline script or style, so the strict CSP of
 * ops-page.controller.ts holds. Kept as a string constant so that a plain `tsc` build carries it.
 */
export const OPS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Motlan · dossier sync operations</title>
<link rel="stylesheet" href="/ops/ops.css">
<script src="/ops/ops.js" defer></script>
</head>
<body data-connection="starting">
<a class="skip" href="#provinces">Skip to the provinces</a>
<header class="top">
  <div class="title">
    <h1>Dossier sync <span class="sub">communes → national portal</span></h1>
    <p class="live">
      <span id="connection" class="connection" role="status" aria-live="polite">Starting…</span>
      <span class="updated">Updated at <time id="updated-at">—</time></span>
    </p>
  </div>
  <div class="controls">
    <button type="button" id="refresh-now">Refresh now</button>
    <button type="button" id="pause" aria-pressed="false">Pause live refresh</button>
  </div>
</header>

<form id="token-form" class="token-form" autocomplete="off">
  <label for="token-input">Bearer token <span class="hint">(scope ops:read, and adapters:read for adapter health; kept in this tab only)</span></label>
  <div class="token-row">
    <input id="token-input" type="password" spellcheck="false" autocomplete="off" placeholder="paste a token, or open /ops#token=…">
    <button type="submit">Use token</button>
    <button type="button" id="token-forget">Forget token</button>
  </div>
</form>

<main>
  <section id="summary" class="summary" aria-labelledby="headline">
    <h2 id="headline" class="headline">Waiting for data…</h2>
    <p id="commune-totals" class="commune-totals"></p>
  </section>

  <section id="lag" aria-labelledby="lag-title">
    <h2 id="lag-title">Consumer group lag</h2>
    <p id="lag-settings" class="note"></p>
    <div id="lag-groups" class="groups"></div>
  </section>

  <section id="provinces" aria-labelledby="provinces-title">
    <div class="section-head">
      <h2 id="provinces-title">Provinces</h2>
      <button type="button" id="sort-worst">Sort worst first</button>
    </div>
    <p id="province-sort-note" class="note">Sorted worst first: most RED communes, then most YELLOW, then lowest share of GREEN. Click a column heading to sort by it, a province to see its communes.</p>
    <div class="table-wrap">
      <table id="province-table" class="data">
        <caption class="visually-hidden">Dossier sync per province: communes by colour and statuses received, delivered, pending and failed</caption>
        <thead></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>

  <section id="communes" aria-labelledby="communes-title" hidden>
    <div class="section-head">
      <h2 id="communes-title" tabindex="-1">Communes</h2>
      <button type="button" id="communes-close">Close</button>
    </div>
    <p id="communes-summary" class="note"></p>
    <p><label><input type="checkbox" id="communes-not-green"> Only communes that are not GREEN</label></p>
    <div class="table-wrap">
      <table id="commune-table" class="data">
        <caption class="visually-hidden">Communes of the selected province with their colour, the reasons and their figures</caption>
        <thead></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>

  <section id="adapters" aria-labelledby="adapters-title">
    <h2 id="adapters-title">Registry adapters</h2>
    <p id="adapters-note" class="note"></p>
    <div class="table-wrap">
      <table id="adapter-table" class="data">
        <caption class="visually-hidden">Registry adapters: state, breaker, calls in flight, recent error rate and p95 latency</caption>
        <thead></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
</main>
<footer class="foot">
  <p>Refreshes every 5 s. Colours are also written out: GREEN, YELLOW, RED; OK, WARN, STALL, STOP, ERR. API: <code>/v1/ops/sync/*</code>, <code>/v1/adapters</code>; thresholds in docs/sync-monitoring.md.</p>
</footer>
</body>
</html>
`;
