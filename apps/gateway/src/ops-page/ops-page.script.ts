/**
 * The script of the /ops page, plain browser JavaScript (no framework, no chart library: the lag
 * chart is SVG drawn here). Every figure is put in as text (textContent), never as markup, so names
 * and reasons from the API cannot inject anything. Kept in String.raw so that regular expressions
 * and \u escapes reach the browser as written; it must hold no backtick and no dollar-brace.
 */
export const OPS_JS = String.raw`/* Motlan /ops page: reads the ops API with the operator's bearer token and redraws every 5 s. */
(function () {
  'use strict';

  var REFRESH_MS = 5000;
  // Shorter than the refresh period, so a hung gateway shows as unreachable instead of freezing the page.
  var TIMEOUT_MS = 4500;
  var STALE_AFTER_MS = 15000;
  var TOKEN_KEY = 'motlan.ops.token';
  var PROVINCE_KEY = 'motlan.ops.province';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var NF = new Intl.NumberFormat('en-US');
  var PF = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  var COLOUR_RANK = { RED: 0, YELLOW: 1, GREEN: 2 };
  var BREAKER_LABEL = { closed: 'CLOSED', half_open: 'HALF-OPEN', open: 'OPEN' };

  var state = {
    lastSuccessAt: null,
    lag: null,
    provinces: null,
    communes: null,
    adapters: null,
    adaptersProblem: '',
    sort: { key: 'worst', dir: 'asc' },
    selected: sessionStorage.getItem(PROVINCE_KEY) || null,
    notGreenOnly: false,
    paused: false,
    timer: null,
    running: null,
    again: false,
    problem: null
  };

  // ---- DOM helpers: every value goes in as text, never as markup ----

  function $(id) { return document.getElementById(id); }

  function setAttrs(el, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') el.textContent = String(v);
      else if (k === 'onclick') el.addEventListener('click', v);
      else el.setAttribute(k, v === true ? '' : String(v));
    });
  }

  function append(el, children) {
    if (children === null || children === undefined) return el;
    (Array.isArray(children) ? children : [children]).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
    return el;
  }

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    setAttrs(el, attrs);
    return append(el, children);
  }

  function svg(tag, attrs, children) {
    var el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    return append(el, children);
  }

  /** Redraws the container and gives focus back to the control that had it (refreshes must not throw keyboard users out). */
  function keepingFocus(container, draw) {
    var active = document.activeElement;
    var key = active && container.contains(active) ? active.getAttribute('data-focus-key') : null;
    draw();
    if (key) {
      var again = container.querySelector('[data-focus-key="' + CSS.escape(key) + '"]');
      if (again) again.focus();
    }
  }

  // ---- Formatting ----

  function num(n) { return typeof n === 'number' && isFinite(n) ? NF.format(n) : '\u2014'; }
  function percent(x) { return typeof x === 'number' && isFinite(x) ? PF.format(x * 100) + ' %' : '\u2014'; }
  function clock(t) { return new Date(t).toLocaleTimeString('en-GB', { hour12: false }); }

  function duration(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '\u2014';
    if (ms === 0) return '0 s';
    if (ms < 1000) return Math.round(ms) + ' ms';
    var sec = Math.round(ms / 1000);
    if (sec < 60) return sec + ' s';
    var min = Math.floor(sec / 60);
    if (min < 60) return min + ' min' + (sec % 60 ? ' ' + (sec % 60) + ' s' : '');
    var hours = Math.floor(min / 60);
    if (hours < 48) return hours + ' h' + (min % 60 ? ' ' + (min % 60) + ' min' : '');
    return Math.floor(hours / 24) + ' d' + (hours % 24 ? ' ' + (hours % 24) + ' h' : '');
  }

  function badge(word, label) { return h('span', { class: 'badge s-' + word, text: label || word }); }

  function numCell(value, field, extraClass) {
    var cls = 'num' + (value === 0 ? ' zero' : '') + (extraClass ? ' ' + extraClass : '');
    return h('td', { class: cls, 'data-field': field }, num(value));
  }

  // ---- Token: from the URL fragment (never sent to the server) or the form, kept in this tab ----

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

  function takeTokenFromFragment() {
    if (!location.hash) return;
    var params = new URLSearchParams(location.hash.slice(1));
    var t = params.get('token');
    if (t) sessionStorage.setItem(TOKEN_KEY, t.trim());
    var province = params.get('province');
    if (province && /^\d{2}$/.test(province)) selectProvince(province, false);
    // Out of the address bar, history and bookmarks: the token must not outlive this tab there.
    history.replaceState(null, '', location.pathname + location.search);
  }

  function showTokenState() {
    document.body.setAttribute('data-token', token() ? 'set' : 'none');
    $('token-input').placeholder = token() ? 'a token is set; paste another to replace it' : 'paste a token, or open /ops#token=\u2026';
  }

  // ---- API ----

  function ApiError(kind, status, detail) {
    this.kind = kind;
    this.status = status;
    this.detail = detail;
  }

  async function api(path) {
    var t = token();
    if (!t) throw new ApiError('no-token', 0, '');
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    var response;
    try {
      response = await fetch(path, {
        headers: { authorization: 'Bearer ' + t, accept: 'application/json' },
        cache: 'no-store',
        credentials: 'omit',
        signal: controller.signal
      });
    } catch (e) {
      clearTimeout(timer);
      throw new ApiError('network', 0, controller.signal.aborted ? 'no answer within ' + TIMEOUT_MS / 1000 + ' s' : 'connection failed');
    }
    try {
      var text = await response.text();
      var body = null;
      try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
      if (!response.ok) {
        var kind = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : 'error';
        throw new ApiError(kind, response.status, (body && (body.detail || body.title)) || response.statusText);
      }
      if (body === null) throw new ApiError('error', response.status, 'the answer is not JSON');
      return body;
    } finally {
      clearTimeout(timer);
    }
  }

  async function loadAdapters() {
    var list = await api('/v1/adapters');
    var adapters = list.adapters || [];
    var health = await Promise.allSettled(adapters.map(function (a) {
      return api('/v1/adapters/' + encodeURIComponent(a.id) + '/health');
    }));
    return adapters.map(function (a, i) {
      return { adapter: a, health: health[i].status === 'fulfilled' ? health[i].value : null, healthError: health[i].status === 'rejected' ? health[i].reason : null };
    });
  }

  // ---- Refresh cycle ----

  function schedule() {
    clearTimeout(state.timer);
    if (!state.paused) state.timer = setTimeout(refresh, REFRESH_MS);
  }

  function refresh() {
    if (state.running) {
      // A new token or a click must be answered with a read made after it, not by the one in flight.
      state.again = true;
      return state.running;
    }
    var selected = state.selected;
    state.running = Promise.allSettled([
      api('/v1/ops/sync/lag'),
      api('/v1/ops/sync/provinces'),
      selected ? api('/v1/ops/sync/communes?province=' + encodeURIComponent(selected)) : Promise.resolve(null),
      loadAdapters()
    ]).then(function (r) {
      var lag = r[0], provinces = r[1], communes = r[2], adapters = r[3];
      var failed = [lag, provinces].filter(function (x) { return x.status === 'rejected'; });
      state.problem = failed.length ? failed[0].reason : null;
      if (lag.status === 'fulfilled') state.lag = lag.value;
      if (provinces.status === 'fulfilled') state.provinces = provinces.value;
      if (!failed.length) state.lastSuccessAt = Date.now();
      if (communes.status === 'fulfilled' && communes.value && communes.value.province.code === state.selected) state.communes = communes.value;
      else if (communes.status === 'rejected' && communes.reason.status === 404) selectProvince(null, false);
      if (adapters.status === 'fulfilled') {
        state.adapters = adapters.value;
        state.adaptersProblem = '';
      } else {
        var e = adapters.reason;
        // Adapter health needs its own scope: a token without it still shows the sync figures.
        state.adaptersProblem = e.kind === 'forbidden' ? 'This token lacks scope adapters:read: adapter health is not shown.'
          : e.kind === 'no-token' ? '' : 'Adapter health could not be read (' + describeProblem(e) + ').';
        if (e.kind === 'forbidden' || e.kind === 'unauthorized' || e.kind === 'no-token') state.adapters = null;
      }
      render();
    }).catch(function (e) {
      // A drawing bug must not stop the live refresh; it shows in the status line instead.
      state.problem = new ApiError('error', 0, 'page error: ' + (e && e.message ? e.message : String(e)));
      renderConnection();
    }).finally(function () {
      state.running = null;
      if (state.again) {
        state.again = false;
        refresh();
      } else schedule();
    });
    return state.running;
  }

  function describeProblem(e) {
    if (!e) return '';
    if (e.kind === 'network') return 'cannot reach the gateway API: ' + e.detail;
    if (e.status) return e.status + (e.detail ? ': ' + e.detail : '');
    return e.detail || 'error';
  }

  // ---- Drawing ----

  function render() {
    renderConnection();
    renderSummary();
    renderLag();
    renderProvinces();
    renderCommunes();
    renderAdapters();
  }

  function renderConnection() {
    var p = state.problem;
    var since = state.lastSuccessAt ? ' Showing data from ' + clock(state.lastSuccessAt) + '.' : '';
    var kind, text;
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
    var el = $('connection');
    if (el.textContent !== text) el.textContent = text;
    var updated = $('updated-at');
    if (state.lastSuccessAt) {
      var age = Date.now() - state.lastSuccessAt;
      updated.setAttribute('datetime', new Date(state.lastSuccessAt).toISOString());
      updated.textContent = clock(state.lastSuccessAt) + (age > STALE_AFTER_MS ? ' (stale: ' + duration(age) + ' ago)' : '');
    }
    var red = state.provinces ? state.provinces.totals.communes.RED : 0;
    // The tab title is what a duty officer sees when the page is in a background tab.
    document.title = (kind === 'ok' || kind === 'paused' ? '' : '\u26a0 ') + (red ? red + ' RED \u00b7 ' : '') + 'Motlan \u00b7 dossier sync operations';
  }

  function renderSummary() {
    var data = state.provinces;
    if (!data) return;
    var t = data.totals;
    // No break inside "100 %" on narrow screens.
    $('headline').textContent = t.provincesAllGreen + ' of ' + t.provinces + ' provinces with 100\u00a0% of communes GREEN';
    var totalCommunes = t.communes.GREEN + t.communes.YELLOW + t.communes.RED;
    var el = $('commune-totals');
    el.replaceChildren();
    append(el, [
      h('span', { 'data-field': 'communes-total' }, num(totalCommunes) + ' communes:'),
      h('span', { 'data-field': 'communes-GREEN' }, [badge('GREEN'), ' ', num(t.communes.GREEN)]),
      h('span', { 'data-field': 'communes-YELLOW' }, [badge('YELLOW'), ' ', num(t.communes.YELLOW)]),
      h('span', { 'data-field': 'communes-RED' }, [badge('RED'), ' ', num(t.communes.RED)])
    ]);
  }

  // Lag --------------------------------------------------------------------

  function renderLag() {
    var data = state.lag;
    if (!data) return;
    var s = data.settings || {};
    $('lag-settings').textContent = 'Offsets read every ' + duration(s.intervalMs) + '. WARN: lag above ' + num(s.allowance) +
      ' messages keeps growing over ' + duration(s.windowMs) + '; STALL: lag and no commit over that window; STOP: no commit for ' +
      duration(s.stopAfterMs) + ' with lag. Chart: the last ' + duration(s.historyMs) + ' at most.';
    var box = $('lag-groups');
    keepingFocus(box, function () {
      box.replaceChildren();
      if (!data.groups.length) box.appendChild(h('p', { class: 'note', text: 'No consumer group is watched.' }));
      data.groups.forEach(function (g) { box.appendChild(groupCard(g)); });
    });
  }

  function groupCard(g) {
    var notOk = g.partitions.filter(function (p) { return p.status !== 'OK'; }).length;
    var card = h('article', { class: 'group g-' + g.status, 'data-group': g.group, 'aria-label': 'Consumer group ' + g.group + ', ' + g.status });
    append(card, h('div', { class: 'group-head' }, [
      h('h3', null, h('code', { text: g.group })),
      h('span', { 'data-field': 'group-status' }, badge(g.status)),
      g.sampledAt ? h('span', { class: 'muted', text: 'sampled ' + clock(Date.parse(g.sampledAt)) }) : null
    ]));
    append(card, h('ul', { class: 'figures' }, [
      h('li', null, ['Total lag ', h('b', { 'data-field': 'total-lag', text: num(g.totalLag) }), ' messages']),
      h('li', null, ['Max time lag ', h('b', { 'data-field': 'max-time-lag', text: duration(g.maxTimeLagMs) })]),
      h('li', null, ['Partitions ', h('b', { text: num(g.partitions.length) }), notOk ? ', ' + notOk + ' not OK' : ''])
    ]));
    if (g.error) {
      append(card, h('p', { class: 'group-error', role: 'note' }, 'Reading offsets failed' + (g.errorSince ? ' since ' + clock(Date.parse(g.errorSince)) : '') + ': ' + g.error));
    }
    var body = h('div', { class: 'group-body' });
    append(body, h('div', null, [
      lagChart(g),
      h('ul', { class: 'legend', 'aria-hidden': 'true' }, [
        h('li', null, [h('span', { class: 'k1' }), 'total lag (messages, left axis)']),
        h('li', null, [h('span', { class: 'k2' }), 'max time lag (right axis)']),
        h('li', null, [h('span', { class: 'kw' }), 'WARN']),
        h('li', null, [h('span', { class: 'ke' }), 'ERR'])
      ])
    ]));
    append(body, partitionTable(g));
    return append(card, body);
  }

  function partitionTable(g) {
    if (!g.partitions.length) return h('p', { class: 'note', text: 'No partition read yet.' });
    var head = h('tr', null, ['Topic', 'Partition', 'Committed', 'Log end', 'Lag', 'Time lag', 'Status', 'Why'].map(function (label, i) {
      return h('th', { scope: 'col', class: i >= 1 && i <= 5 ? 'num' : null, text: label });
    }));
    var rows = g.partitions.map(function (p) {
      return h('tr', { 'data-topic': p.topic, 'data-partition': p.partition }, [
        h('td', { class: 'topic' }, h('code', { text: p.topic })),
        h('td', { class: 'num', 'data-field': 'partition', text: String(p.partition) }),
        h('td', {
          class: 'num',
          'data-field': 'committed',
          title: p.committedOffset < 0 ? 'the group has committed nothing on this partition' : p.committedMovedAt ? 'last seen moving at ' + clock(Date.parse(p.committedMovedAt)) : 'not seen moving yet',
          text: p.committedOffset < 0 ? '\u2014' : num(p.committedOffset)
        }),
        numCell(p.endOffset, 'end'),
        numCell(p.lag, 'lag'),
        h('td', { class: 'num', 'data-field': 'time-lag', title: p.timeLagIsLowerBound ? 'at least: the last commit predates the kept history' : null, text: (p.timeLagIsLowerBound ? '\u2265 ' : '') + duration(p.timeLagMs) }),
        h('td', { 'data-field': 'status' }, badge(p.status)),
        h('td', { class: 'muted why', 'data-field': 'reason', text: p.reason || '' })
      ]);
    });
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data partitions' }, [
      h('caption', { class: 'visually-hidden', text: 'Partitions of ' + g.group }),
      h('thead', null, head),
      h('tbody', null, rows)
    ]));
  }

  /** A "nice" axis maximum (1, 2, 4, 6, 8 × 10^n) at or above v, so halves are whole numbers. */
  function niceMax(v) {
    if (!(v > 2)) return 2;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 4, 6, 8, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
    return 10 * p;
  }

  var TIME_STEPS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400, 172800, 604800].map(function (s) { return s * 1000; });
  function niceTimeMax(ms) {
    for (var i = 0; i < TIME_STEPS.length; i++) if (TIME_STEPS[i] >= ms) return TIME_STEPS[i];
    return Math.ceil(ms / 86400000) * 86400000;
  }

  /** Consecutive history points of one status, as [from, to] spans (to: the next status began). */
  function statusRuns(points) {
    var runs = [];
    points.forEach(function (p) {
      var status = p.status || 'OK';
      var open = runs[runs.length - 1];
      if (open) open.to = p.t;
      if (!open || open.status !== status) runs.push({ status: status, from: p.t, to: p.t });
    });
    return runs;
  }

  function lagChart(g) {
    var W = 480, H = 180, L = 50, R = 58, T = 12, B = 24;
    var points = (g.history || []).filter(function (p) { return isFinite(p.t) && isFinite(p.totalLag); });
    var id = 'chart-' + g.group.replace(/[^A-Za-z0-9_-]/g, '-');
    var last = points[points.length - 1];
    var maxLag = points.reduce(function (m, p) { return Math.max(m, p.totalLag); }, 0);
    var maxTime = points.reduce(function (m, p) { return Math.max(m, p.maxTimeLagMs || 0); }, 0);
    var description = points.length
      ? 'Total lag now ' + num(last.totalLag) + ' messages, at most ' + num(maxLag) + ' over the last ' + duration(last.t - points[0].t) + '; max time lag now ' + duration(last.maxTimeLagMs) + '.'
      : 'No history yet.';
    var chart = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': id + '-t ' + id + '-d', 'data-points': points.length });
    append(chart, [svg('title', { id: id + '-t', text: 'Lag over time of ' + g.group }), svg('desc', { id: id + '-d', text: description })]);
    var plotW = W - L - R, plotH = H - T - B;
    append(chart, svg('line', { class: 'axis', x1: L, y1: T + plotH, x2: L + plotW, y2: T + plotH }));
    if (points.length < 2) {
      append(chart, svg('text', { class: 'empty', x: L + plotW / 2, y: T + plotH / 2, 'text-anchor': 'middle', text: 'Collecting history\u2026' }));
      return chart;
    }
    var t0 = points[0].t, t1 = Math.max(last.t, t0 + 1);
    var yMax = niceMax(maxLag), y2Max = niceTimeMax(Math.max(maxTime, 1000));
    var x = function (t) { return L + ((t - t0) / (t1 - t0)) * plotW; };
    var y = function (v) { return T + (1 - v / yMax) * plotH; };
    var y2 = function (v) { return T + (1 - v / y2Max) * plotH; };
    [0.5, 1].forEach(function (f) {
      append(chart, svg('line', { class: 'grid', x1: L, y1: y(yMax * f), x2: L + plotW, y2: y(yMax * f) }));
    });
    [0, 0.5, 1].forEach(function (f) {
      append(chart, svg('text', { x: L - 6, y: y(yMax * f) + 4, 'text-anchor': 'end', text: num(yMax * f) }));
      append(chart, svg('text', { x: L + plotW + 6, y: y(yMax * f) + 4, 'text-anchor': 'start', text: duration(y2Max * f) }));
    });
    [[t0, 'start'], [(t0 + t1) / 2, 'middle'], [t1, 'end']].forEach(function (tick) {
      append(chart, svg('text', { x: x(tick[0]), y: H - 8, 'text-anchor': tick[1], text: clock(tick[0]) }));
    });
    var line = function (value, scale) {
      return points.map(function (p, i) { return (i ? 'L' : 'M') + x(p.t).toFixed(1) + ' ' + scale(value(p)).toFixed(1); }).join(' ');
    };
    // Behind the lines, a band for every stretch the group was WARN or ERR: the history keeps the
    // status of each poll, so a warning that came and went between two refreshes still shows.
    statusRuns(points).forEach(function (run) {
      if (run.status === 'OK') return;
      var x1 = x(run.from), x2 = Math.max(x(run.to), x1 + 2);
      append(chart, svg('rect', { class: 'band band-' + run.status, x: x1.toFixed(1), y: T, width: (x2 - x1).toFixed(1), height: plotH, 'data-status': run.status }, [
        svg('title', { text: run.status + ' ' + clock(run.from) + '\u2013' + clock(run.to) })
      ]));
    });
    var lagPath = line(function (p) { return p.totalLag; }, y);
    append(chart, [
      svg('path', { class: 's1-area', d: lagPath + ' L' + x(last.t).toFixed(1) + ' ' + y(0) + ' L' + x(t0).toFixed(1) + ' ' + y(0) + ' Z' }),
      svg('path', { class: 's2', d: line(function (p) { return p.maxTimeLagMs || 0; }, y2) }),
      svg('path', { class: 's1', d: lagPath }),
      svg('circle', { class: 'dot', cx: x(last.t), cy: y(last.totalLag), r: 3.5 })
    ]);
    return chart;
  }

  // Provinces ----------------------------------------------------------------

  var PROVINCE_COLUMNS = [
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
    { key: 'oldestPendingAgeMs', label: 'Oldest pending', num: true, dir: 'desc' }
  ];

  function byName(a, b) { return a.name.localeCompare(b.name, 'vi'); }

  function worstFirst(a, b) {
    return b.red - a.red || b.yellow - a.yellow || a.greenShare - b.greenShare ||
      (b.oldestPendingAgeMs || 0) - (a.oldestPendingAgeMs || 0) || b.failed - a.failed || b.pending - a.pending || byName(a, b);
  }

  function sortedProvinces(list) {
    var key = state.sort.key, sign = state.sort.dir === 'asc' ? 1 : -1;
    return list.slice().sort(function (a, b) {
      if (key === 'worst') return worstFirst(a, b);
      if (key === 'name') return sign * byName(a, b);
      var av = a[key] === null ? -1 : a[key], bv = b[key] === null ? -1 : b[key];
      return sign * (av - bv) || worstFirst(a, b);
    });
  }

  function sortBy(key) {
    if (state.sort.key === key) state.sort = { key: key, dir: state.sort.dir === 'asc' ? 'desc' : 'asc' };
    else state.sort = { key: key, dir: PROVINCE_COLUMNS.filter(function (c) { return c.key === key; })[0].dir };
    renderProvinces();
  }

  function renderProvinces() {
    var data = state.provinces;
    if (!data) return;
    var table = $('province-table');
    var column = PROVINCE_COLUMNS.filter(function (c) { return c.key === state.sort.key; })[0];
    $('province-sort-note').textContent = (column
      ? 'Sorted by ' + column.label + (state.sort.dir === 'asc' ? ', lowest first.' : ', highest first.')
      : 'Sorted worst first: most RED communes, then most YELLOW, then lowest share of GREEN.') +
      ' Click a column heading to sort by it, a province to see its communes.';
    keepingFocus(table, function () {
      var head = h('tr', null, PROVINCE_COLUMNS.map(function (c) {
        var sorted = state.sort.key === c.key ? (state.sort.dir === 'asc' ? 'ascending' : 'descending') : null;
        return h('th', { scope: 'col', class: c.num ? 'num' : null, 'aria-sort': sorted },
          h('button', { type: 'button', 'data-focus-key': 'sort-' + c.key, onclick: function () { sortBy(c.key); } }, c.label));
      }));
      table.tHead.replaceChildren(head);
      var rows = sortedProvinces(data.provinces).map(function (p) {
        var selected = p.code === state.selected;
        var row = h('tr', { 'data-province': p.code, 'aria-current': selected ? 'true' : null }, [
          h('th', { scope: 'row', 'data-field': 'name' }, [
            h('button', { type: 'button', class: 'linkish', lang: 'vi', 'data-focus-key': 'province-' + p.code, 'aria-expanded': selected ? 'true' : 'false', 'aria-controls': 'communes', text: p.name }),
            h('span', { class: 'muted', text: ' ' + p.code })
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
          h('td', { class: 'num' + ageClass(p.oldestPendingAgeMs), 'data-field': 'oldestPendingAgeMs' }, duration(p.oldestPendingAgeMs))
        ]);
        row.addEventListener('click', function () { selectProvince(p.code, true); });
        return row;
      });
      table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows);
    });
  }

  /** Emphasis of a pending age by the thresholds that turn a commune YELLOW or RED. */
  function ageClass(ms) {
    var t = state.provinces && state.provinces.thresholds;
    if (ms === null || ms === undefined || !t) return '';
    return ms >= t.redPendingAgeMs ? ' alert-num' : ms >= t.yellowPendingAgeMs ? ' warn-num' : '';
  }

  function shareBar(share) {
    var fill = h('span');
    // Set through the CSSOM: the CSP forbids style attributes, not script-set styles.
    fill.style.width = Math.max(0, Math.min(1, share)) * 100 + '%';
    return h('div', { class: 'share' }, [
      h('div', { class: 'bar', 'aria-hidden': 'true' }, fill),
      h('span', { class: 'share-text', text: percent(share) })
    ]);
  }

  // Communes of one province -------------------------------------------------

  function selectProvince(code, load) {
    state.selected = code;
    state.communes = null;
    if (code) sessionStorage.setItem(PROVINCE_KEY, code);
    else sessionStorage.removeItem(PROVINCE_KEY);
    renderProvinces();
    renderCommunes();
    if (!code || !load) return;
    var section = $('communes');
    api('/v1/ops/sync/communes?province=' + encodeURIComponent(code)).then(function (data) {
      if (state.selected !== code) return;
      state.communes = data;
      renderCommunes();
      $('communes-title').focus();
      section.scrollIntoView({ block: 'start' });
    }, function (e) {
      if (state.selected !== code) return;
      $('communes-summary').textContent = 'The communes could not be read (' + describeProblem(e) + ').';
    });
  }

  function renderCommunes() {
    var section = $('communes');
    if (!state.selected) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    var data = state.communes;
    var table = $('commune-table');
    if (!data) {
      var known = state.provinces && state.provinces.provinces.filter(function (p) { return p.code === state.selected; })[0];
      $('communes-title').textContent = 'Communes of ' + (known ? known.name : 'province ' + state.selected);
      $('communes-summary').textContent = 'Loading\u2026';
      table.tBodies[0].replaceChildren();
      return;
    }
    var title = $('communes-title');
    title.replaceChildren();
    append(title, ['Communes of ', h('span', { lang: 'vi', text: data.province.name }), ' (' + data.province.code + ')']);
    var count = { GREEN: 0, YELLOW: 0, RED: 0 };
    data.communes.forEach(function (c) { count[c.status]++; });
    $('communes-summary').textContent = num(data.communes.length) + ' communes: ' + num(count.GREEN) + ' GREEN, ' + num(count.YELLOW) + ' YELLOW, ' +
      num(count.RED) + ' RED. Evaluated at ' + clock(Date.parse(data.evaluatedAt)) + '. Worst first.';
    table.tHead.replaceChildren(h('tr', null, [
      ['Commune'], ['Code'], ['Colour'], ['Why'], ['Received', 1], ['Delivered', 1], ['Pending', 1], ['Failed', 1], ['Failure ratio', 1], ['Oldest pending', 1], ['Pending on partitions']
    ].map(function (c) { return h('th', { scope: 'col', class: c[1] ? 'num' : null, text: c[0] }); })));
    var list = data.communes.filter(function (c) { return !state.notGreenOnly || c.status !== 'GREEN'; }).sort(function (a, b) {
      return COLOUR_RANK[a.status] - COLOUR_RANK[b.status] || (b.oldestPendingAgeMs || 0) - (a.oldestPendingAgeMs || 0) ||
        b.failed - a.failed || b.pending - a.pending || b.received - a.received || byName(a, b);
    });
    var rows = list.map(function (c) {
      return h('tr', { 'data-commune': c.code }, [
        h('th', { scope: 'row', lang: 'vi', 'data-field': 'name', text: c.name }),
        h('td', { class: 'mono', 'data-field': 'code', text: c.code }),
        h('td', { 'data-field': 'status' }, badge(c.status)),
        h('td', { 'data-field': 'reasons' }, c.reasons.length ? h('ul', { class: 'reasons' }, c.reasons.map(function (r) { return h('li', { text: r }); })) : h('span', { class: 'muted', text: '\u2014' })),
        numCell(c.received, 'received'),
        numCell(c.delivered, 'delivered'),
        numCell(c.pending, 'pending'),
        numCell(c.failed, 'failed', c.failed ? 'alert-num' : null),
        h('td', { class: 'num' + (c.failureRatio ? ' alert-num' : ' zero'), 'data-field': 'failureRatio', text: percent(c.failureRatio) }),
        h('td', { class: 'num' + ageClass(c.oldestPendingAgeMs), 'data-field': 'oldestPendingAgeMs', text: duration(c.oldestPendingAgeMs) }),
        h('td', { 'data-field': 'partitions', text: c.partitions.length ? c.partitions.join(', ') : '\u2014' })
      ]);
    });
    if (!rows.length) rows = [h('tr', null, h('td', { colspan: 11, class: 'muted', text: 'Every commune of this province is GREEN.' }))];
    table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows);
  }

  // Adapters -------------------------------------------------------------------

  function renderAdapters() {
    var note = $('adapters-note');
    var table = $('adapter-table');
    if (!state.adapters) {
      note.textContent = state.adaptersProblem || 'Waiting for data\u2026';
      table.tHead.replaceChildren();
      table.tBodies[0].replaceChildren();
      return;
    }
    var windowMs = null;
    state.adapters.forEach(function (a) { if (a.health && a.health.resilience.recent) windowMs = a.health.resilience.recent.windowMs; });
    note.textContent = state.adaptersProblem || (state.adapters.length
      ? 'Error rate and p95 latency over the last ' + duration(windowMs || 60000) + ' of calls.'
      : 'No adapter is configured or registered.');
    table.tHead.replaceChildren(h('tr', null, [
      ['Adapter'], ['Registry'], ['Endpoint'], ['State'], ['gRPC health'], ['Breaker'], ['In flight', 1], ['Recent calls', 1], ['Error rate', 1], ['p95 latency', 1]
    ].map(function (c) { return h('th', { scope: 'col', class: c[1] ? 'num' : null, text: c[0] }); })));
    var rows = state.adapters.slice().sort(function (a, b) {
      return a.adapter.registry.localeCompare(b.adapter.registry) || a.adapter.id.localeCompare(b.adapter.id);
    }).map(function (entry) {
      var a = entry.adapter, hl = entry.health, r = hl ? hl.resilience : null, recent = r ? r.recent : null;
      var breaker = r ? r.breaker.state : null;
      return h('tr', { 'data-adapter': a.id }, [
        h('th', { scope: 'row' }, [h('code', { text: a.id }), h('span', { class: 'muted', text: a.source === 'config' ? ' (config)' : '' })]),
        h('td', { text: a.registry }),
        h('td', null, h('code', { text: a.endpoint })),
        h('td', { 'data-field': 'state', title: a.reason || null }, badge(a.state, a.state.toUpperCase())),
        h('td', { 'data-field': 'grpc-health' }, hl ? badge(hl.grpcHealth) : h('span', { class: 'muted', text: describeProblem(entry.healthError) })),
        h('td', { 'data-field': 'breaker', title: r && r.breaker.opened ? 'opened ' + r.breaker.opened + ' times since start' : null },
          breaker ? [badge(breaker, BREAKER_LABEL[breaker] || breaker), r.breaker.state === 'open' ? ' for ' + duration(r.breaker.remainingOpenMs) : ''] : '\u2014'),
        h('td', { class: 'num', 'data-field': 'in-flight', text: r ? num(r.inFlight) + ' / ' + num(r.maxConcurrency) : '\u2014' }),
        h('td', { class: 'num', 'data-field': 'calls', text: recent ? num(recent.calls) : '\u2014' }),
        h('td', { class: 'num' + (recent && recent.errorRate > 0 ? ' alert-num' : ''), 'data-field': 'error-rate', text: recent && recent.calls ? percent(recent.errorRate) : '\u2014' }),
        h('td', { class: 'num', 'data-field': 'p95', text: recent && recent.latencyMs ? duration(recent.latencyMs.p95) : '\u2014' })
      ]);
    });
    table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows);
  }

  // ---- Controls ----

  function start() {
    takeTokenFromFragment();
    showTokenState();
    window.addEventListener('hashchange', function () {
      takeTokenFromFragment();
      showTokenState();
      refresh();
    });
    $('token-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var input = $('token-input');
      var value = input.value.trim().replace(/^Bearer\s+/i, '');
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      input.value = '';
      showTokenState();
      refresh();
    });
    $('token-forget').addEventListener('click', function () {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(PROVINCE_KEY);
      // A fresh page: nothing read with the old token stays on screen.
      location.reload();
    });
    $('refresh-now').addEventListener('click', function () { refresh(); });
    $('pause').addEventListener('click', function () {
      state.paused = !state.paused;
      this.setAttribute('aria-pressed', String(state.paused));
      this.textContent = state.paused ? 'Resume live refresh' : 'Pause live refresh';
      if (state.paused) {
        clearTimeout(state.timer);
        renderConnection();
      } else refresh();
    });
    $('sort-worst').addEventListener('click', function () {
      state.sort = { key: 'worst', dir: 'asc' };
      renderProvinces();
    });
    $('communes-close').addEventListener('click', function () {
      var code = state.selected;
      selectProvince(null, false);
      var back = code && document.querySelector('[data-focus-key="province-' + code + '"]');
      if (back) back.focus();
    });
    $('communes-not-green').addEventListener('change', function () {
      state.notGreenOnly = this.checked;
      renderCommunes();
    });
    refresh();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
