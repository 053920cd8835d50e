// app.js - the muster console page: plain JavaScript, no build step.
//
// Talks to the JSON API of `muster web` (docs/web.md): the nodes, the
// agents and their DDLs, calls and their Server-Sent Events. Everything a
// node or the server sends is shown with textContent, never as HTML.
'use strict';

(() => {
  const $ = (sel) => document.querySelector(sel);
  const state = {
    token: '',
    readOnly: false,
    ddl: null,      // the chosen agent's DDL
    act: null,      // the chosen action of that DDL
    pending: null,  // the call waiting for confirmation
    call: null,     // the running call
  };

  // ------------------------------------------------------------ helpers

  // el('td', {class: 'x'}, 'text', child...): an element; strings become
  // text nodes. SVG elements are made by svg().
  function el(tag, attrs, ...children) {
    return fill(document.createElement(tag), attrs, children);
  }
  function svg(tag, attrs, ...children) {
    return fill(document.createElementNS('http://www.w3.org/2000/svg', tag),
      attrs, children);
  }
  function fill(node, attrs, children) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c !== undefined && c !== null) {
        node.append(c instanceof Node ? c : String(c));
      }
    }
    return node;
  }

  // A value as text: strings as they are, the rest as compact JSON.
  function text(v) {
    if (v === undefined || v === null) return '';
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  // The value of a dotted name in a node from /api/nodes: a key of the node
  // itself ("identity", "os.family" when the server flattened fields), or a
  // path into it or into its facts.
  function field(node, name) {
    if (name in node) return node[name];
    for (const base of [node.facts, node]) {
      let v = base;
      for (const part of name.split('.')) {
        v = v !== null && typeof v === 'object' ? v[part] : undefined;
      }
      if (v !== undefined) return v;
    }
    return undefined;
  }

  // ------------------------------------------------------------ errors

  // Every error is shown in words on the page, naming what failed.
  function showError(what, err) {
    const msg = err instanceof Error ? err.message : String(err);
    $('#errors').append(el('p', { class: 'error' }, `${what}: ${msg}`));
  }
  function clearErrors() {
    $('#errors').replaceChildren();
  }

  // ------------------------------------------------------------ the API

  // api('GET', '/api/x') / api('POST', '/api/x', body): the parsed JSON
  // answer, or an Error with the server's one-line message.
  async function api(method, path, body) {
    const opt = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.headers['X-Muster-Token'] = state.token;
      opt.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, opt);
    } catch (e) {
      throw new Error(`the console server does not answer (${e.message})`);
    }
    const raw = await res.text();
    let doc = null;
    try {
      doc = raw ? JSON.parse(raw) : null;
    } catch (e) {
      if (res.ok) throw new Error(`${method} ${path}: the answer is not JSON`);
    }
    if (!res.ok) {
      const msg = (doc && (doc.error || doc.message)) || raw.trim() ||
        res.statusText;
      throw new Error(`${msg} (HTTP ${res.status})`);
    }
    return doc;
  }

  // The list in an answer that is either a bare array or {KEY: [...]}.
  function listOf(doc, key) {
    if (Array.isArray(doc)) return doc;
    if (doc && Array.isArray(doc[key])) return doc[key];
    throw new Error(`the answer has no list of ${key}`);
  }

  async function fetchNodes(filter, cols) {
    const q = new URLSearchParams({ filter, fields: ['identity', ...cols].join(',') });
    const doc = await api('GET', `/api/nodes?${q}`);
    return { nodes: listOf(doc, 'nodes'), source: doc && doc.source };
  }

  // ------------------------------------------------------------ session

  async function startSession() {
    const meta = document.querySelector('meta[name="muster-token"]');
    state.token = meta ? meta.content : '';
    let about = {};
    try {
      about = (await api('GET', '/api/session')) || {};
    } catch (e) {
      if (!state.token) showError('Starting the session', e);
    }
    state.token = about.token || state.token;
    state.readOnly = Boolean(about.read_only);
    const who = about.identity || about.caller;
    $('#session').textContent = [
      who ? `Acting as ${who}` : 'Connected',
      state.readOnly ? 'read-only' : '',
    ].filter(Boolean).join(' · ');
    $('#read-only').hidden = !state.readOnly;
    $('#action-form').hidden = state.readOnly;
  }

  // ------------------------------------------------------------ the fleet

  function parseCols(s) {
    return s.split(',').map((x) => x.trim()).filter((x) => x && x !== 'identity');
  }

  async function showFleet(ev) {
    if (ev) ev.preventDefault();
    clearErrors();
    const filter = $('#filter').value.trim();
    const cols = parseCols($('#fields').value);
    $('#fleet-count').textContent = 'Asking…';
    let got;
    try {
      got = await fetchNodes(filter, cols);
    } catch (e) {
      $('#fleet-count').textContent = '';
      $('#fleet-table').replaceChildren(el('thead'), el('tbody'));
      showError(`Nodes for filter "${filter || '(none)'}"`, e);
      return;
    }
    drawFleet(got.nodes, cols, got.source);
  }

  function drawFleet(nodes, cols, source) {
    const n = nodes.length;
    const from = source ? ` (from ${source === 'store' ? 'the inventory store' : source})` : '';
    const counts = cols.map((c) => countBy(nodes, c)).filter(Boolean);
    $('#fleet-count').replaceChildren(
      el('strong', {}, `${n} node${n === 1 ? '' : 's'}`), from,
      ...counts.map((c) => el('span', { class: 'counts' }, ' · ', c)));
    const head = el('tr', {}, el('th', { scope: 'col' }, 'Identity'),
      cols.map((c) => el('th', { scope: 'col' }, c)));
    const rows = nodes.map((node) => el('tr', { 'data-node': field(node, 'identity') },
      el('th', { scope: 'row' }, text(field(node, 'identity'))),
      cols.map((c) => el('td', {}, text(field(node, c))))));
    $('#fleet-table').replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
  }

  // "role: web 3, db 2" for a column with few distinct values.
  function countBy(nodes, col) {
    const m = new Map();
    for (const node of nodes) {
      const v = text(field(node, col)) || '(none)';
      m.set(v, (m.get(v) || 0) + 1);
    }
    if (m.size === 0 || m.size > 8) return null;
    const parts = [...m].sort((a, b) => b[1] - a[1]).map(([v, k]) => `${v} ${k}`);
    return `${col}: ${parts.join(', ')}`;
  }

  // ------------------------------------------------------------ agents

  async function loadAgents() {
    let agents;
    try {
      agents = listOf(await api('GET', '/api/agents'), 'agents');
    } catch (e) {
      showError('Listing the agents', e);
      return;
    }
    const names = agents.map((a) => (typeof a === 'string' ? a : a.name ||
      (a.metadata && a.metadata.name))).filter(Boolean).sort();
    $('#agent').replaceChildren(...names.map((n) => el('option', { value: n }, n)));
    if (names.includes('rpcutil')) $('#agent').value = 'rpcutil';
    await chooseAgent();
  }

  async function chooseAgent() {
    const name = $('#agent').value;
    state.ddl = null;
    $('#act').replaceChildren();
    drawInputs();
    if (!name) return;
    try {
      state.ddl = await api('GET', `/api/agents/${encodeURIComponent(name)}`);
    } catch (e) {
      showError(`The DDL of agent ${name}`, e);
      return;
    }
    const actions = (state.ddl.actions || []).map((a) => a.action);
    $('#act').replaceChildren(...actions.map((a) => el('option', { value: a }, a)));
    chooseAction();
  }

  function chooseAction() {
    const name = $('#act').value;
    state.act = state.ddl && (state.ddl.actions || []).find((a) => a.action === name) || null;
    const about = [state.ddl && state.ddl.metadata && state.ddl.metadata.description,
      state.act && state.act.description].filter(Boolean);
    $('#action-about').textContent = about.join(' — ');
    drawInputs();
  }

  // ------------------------------------------------------------ the form

  const kind = (spec) => String(spec.type || 'string').toLowerCase();

  // One labelled control per DDL input, with its prompt, description,
  // default, limits and whether it is required.
  function drawInputs() {
    const inputs = (state.act && state.act.input) || {};
    const names = Object.keys(inputs);
    const box = $('#input-fields');
    box.replaceChildren(...names.map((n) => inputField(n, inputs[n])));
    if (names.length === 0) box.append(el('p', { class: 'hint' }, 'This action takes no inputs.'));
  }

  function inputField(name, spec) {
    const id = `in-${name}`;
    const need = spec.optional ? 'optional' : 'required';
    const hints = [spec.description && spec.description.replace(/([^.!?])$/, '$1.')];
    if (spec.default !== undefined && spec.default !== null) hints.push(`Default: ${text(spec.default)}.`);
    if (spec.maxlength) hints.push(`At most ${spec.maxlength} characters.`);
    if (spec.validation) hints.push(`Must match: ${spec.validation}.`);
    const control = makeControl(id, name, spec);
    control.setAttribute('aria-describedby', `${id}-hint ${id}-err`);
    if (!spec.optional) control.setAttribute('aria-required', 'true');
    return el('div', { class: 'field input' },
      el('label', { for: id }, spec.prompt || name, ' ',
        el('span', { class: need }, `(${name}, ${kind(spec)}, ${need})`)),
      control,
      el('p', { id: `${id}-hint`, class: 'hint' }, hints.filter(Boolean).join(' ')),
      el('p', { id: `${id}-err`, class: 'field-error' }));
  }

  function makeControl(id, name, spec) {
    const t = kind(spec);
    const dflt = spec.default === undefined || spec.default === null ? '' : spec.default;
    const common = { id, name, 'data-input': name };
    if (t === 'boolean' || t === 'list') {
      const choices = t === 'boolean' ? ['true', 'false'] : (spec.list || spec.enum || []);
      const blank = spec.optional || dflt === '' ? [el('option', { value: '' },
        spec.optional ? '(not given)' : '(choose)')] : [];
      const s = el('select', common, blank, choices.map((c) => el('option', { value: c }, c)));
      s.value = String(dflt);
      return s;
    }
    if (t === 'array' || t === 'hash') {
      return el('textarea', { ...common, rows: 3, spellcheck: 'false',
        placeholder: t === 'array' ? '["a", "b"]' : '{"key": "value"}' },
      dflt === '' ? '' : JSON.stringify(dflt));
    }
    const numeric = t === 'integer' || t === 'float' || t === 'number';
    const input = el('input', { ...common, type: 'text', autocomplete: 'off',
      spellcheck: 'false', inputmode: numeric ? (t === 'integer' ? 'numeric' : 'decimal') : null });
    input.value = text(dflt);
    return input;
  }

  // The named validators of docs/agents.md that a browser can check
  // exactly; any other name is left to the server.
  const validators = {
    shellsafe: (v) => /^[A-Za-z0-9 _.,:/=+@%~-]*$/.test(v),
    ipv4address: (v) => /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(v),
    ipv6address: (v) => /^[0-9A-Fa-f:.]+$/.test(v) && v.includes(':') && isIPv6(v),
    ipaddress: (v) => validators.ipv4address(v) || validators.ipv6address(v),
    boolean: (v) => /^(true|false|yes|no|y|n|1|0|on|off|t|f)$/i.test(v),
    hostname: (v) => v.length <= 253 &&
      /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(v),
    duration: (v) => /^\d+(\.\d+)?(ms|s|m|h|d)?$/.test(v),
  };
  function isIPv6(v) {
    try {
      return new URL(`http://[${v}]/`).hostname.length > 2;
    } catch (e) {
      return false;
    }
  }

  // The value of one input converted to its type, or an Error saying why
  // not; undefined when it is left empty.
  function readInput(name, spec, raw) {
    const t = kind(spec);
    if (raw === '') {
      if (spec.optional) return undefined;
      return new Error('is required');
    }
    switch (t) {
      case 'integer':
        return /^[+-]?\d+$/.test(raw) ? Number(raw) : new Error(`"${raw}" is not an integer`);
      case 'float':
      case 'number': {
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n)) return new Error(`"${raw}" is not a number`);
        return n;
      }
      case 'boolean':
        return raw === 'true';
      case 'list': {
        const list = spec.list || spec.enum || [];
        return list.includes(raw) ? raw : new Error(`"${raw}" is not one of ${list.join(', ')}`);
      }
      case 'array':
      case 'hash': {
        let v;
        try {
          v = JSON.parse(raw);
        } catch (e) {
          return new Error(`not JSON (${e.message})`);
        }
        const ok = t === 'array' ? Array.isArray(v) : v !== null && typeof v === 'object' && !Array.isArray(v);
        return ok ? v : new Error(`must be a JSON ${t === 'array' ? 'array' : 'object'}`);
      }
      default:
        return checkString(spec, raw);
    }
  }

  function checkString(spec, raw) {
    const len = [...raw].length;
    if (spec.maxlength && len > spec.maxlength) {
      return new Error(`is ${len} characters long, at most ${spec.maxlength} allowed`);
    }
    const v = spec.validation;
    if (!v) return raw;
    if (/^[a-z0-9_]+$/.test(v)) {
      const check = validators[v];
      return !check || check(raw) ? raw : new Error(`"${raw}" is not a valid ${v}`);
    }
    let re;
    try {
      re = new RegExp(v, 'u');
    } catch (e) {
      return raw; // not a JavaScript expression: the server checks it
    }
    return re.test(raw) ? raw : new Error(`"${raw}" does not match ${v}`);
  }

  // {inputs, bad}: the typed inputs, and the controls that failed (each
  // marked with its message).
  function readForm() {
    const specs = (state.act && state.act.input) || {};
    const inputs = {};
    const bad = [];
    for (const control of document.querySelectorAll('#input-fields [data-input]')) {
      const name = control.dataset.input;
      const v = readInput(name, specs[name], control.value);
      const err = $(`#${CSS.escape(control.id)}-err`);
      control.setAttribute('aria-invalid', v instanceof Error ? 'true' : 'false');
      err.textContent = v instanceof Error ? `${name}: ${v.message}` : '';
      if (v instanceof Error) bad.push({ control, msg: err.textContent });
      else if (v !== undefined) inputs[name] = v;
    }
    return { inputs, bad };
  }

  function readBatch() {
    const size = $('#batch-size').value.trim();
    const sleep = $('#batch-sleep').value.trim();
    if (!size) return { batch: undefined };
    if (!/^[1-9]\d*$/.test(size)) return { error: `nodes per batch: "${size}" is not a positive integer` };
    if (sleep && !(Number(sleep) >= 0)) return { error: `seconds between batches: "${sleep}" is not a number of seconds` };
    return { batch: { size: Number(size), sleep: sleep ? Number(sleep) : undefined } };
  }

  // ------------------------------------------------------------ confirm

  // Checks the form, asks which nodes the filter selects now, and says how
  // many will be asked before anything is sent.
  async function review(ev) {
    ev.preventDefault();
    clearErrors();
    if (!state.act) {
      showError('Run', new Error('choose an agent and an action first'));
      return;
    }
    const { inputs, bad } = readForm();
    const batch = readBatch();
    if (batch.error) bad.push({ control: $('#batch-size'), msg: batch.error });
    if (bad.length) {
      for (const b of bad) showError('Input', b.msg);
      bad[0].control.focus();
      return;
    }
    const filter = $('#filter').value.trim();
    let nodes;
    try {
      nodes = (await fetchNodes(filter, [])).nodes.map((n) => text(field(n, 'identity')));
    } catch (e) {
      showError(`Nodes for filter "${filter || '(none)'}"`, e);
      return;
    }
    if (nodes.length === 0) {
      showError('Run', new Error(`no node matches the filter "${filter || '(none)'}": nothing to ask`));
      return;
    }
    const agent = state.ddl.metadata.name;
    const action = state.act.action;
    state.pending = { agent, action, inputs, nodes, batch: batch.batch };
    $('#confirm-text').replaceChildren(
      `${agent} ${action} will ask `,
      el('strong', {}, `${nodes.length} node${nodes.length === 1 ? '' : 's'}`),
      `: ${nodes.join(', ')}.`,
      batch.batch ? ` In batches of ${batch.batch.size}.` : '');
    $('#confirm-inputs').replaceChildren(...Object.entries(inputs)
      .map(([k, v]) => el('li', {}, el('code', {}, k), ` = ${text(v)}`)));
    $('#confirm-run').textContent = `Run on ${nodes.length} node${nodes.length === 1 ? '' : 's'}`;
    $('#confirm').showModal();
    $('#confirm-run').focus();
  }

  function confirmed() {
    const dlg = $('#confirm');
    const p = state.pending;
    state.pending = null;
    if (dlg.returnValue === 'run' && p) run(p);
  }

  // ------------------------------------------------------------ a call

  async function run(p) {
    // confirmed: the operator pressed Run in the confirmation (the server
    // refuses state-changing actions without it).
    const body = { agent: p.agent, action: p.action, inputs: p.inputs, nodes: p.nodes, confirmed: true };
    if (p.batch) body.batch = p.batch;
    let id;
    try {
      const doc = await api('POST', '/api/calls', body);
      id = doc && doc.id;
      if (!id) throw new Error('the answer has no call id');
    } catch (e) {
      showError(`${p.agent} ${p.action}`, e);
      return;
    }
    startResults(id, p);
    follow(id);
  }

  function startResults(id, p) {
    if (state.call && state.call.source) state.call.source.close();
    const outputs = Object.entries((state.act && state.act.output) || {});
    state.call = { id, p, outputs, rows: new Map(), times: [], answered: 0, source: null };
    $('#results').dataset.state = 'running';
    $('#call-title').replaceChildren(el('code', {}, `${p.agent} ${p.action}`),
      ` (call ${id})`);
    const head = el('tr', {}, ['Node', 'Status', 'Time (ms)'].map((h) => el('th', { scope: 'col' }, h)),
      outputs.map(([k, o]) => el('th', { scope: 'col', title: o.description || k }, o.display_as || k)));
    const body = el('tbody');
    for (const node of p.nodes) body.append(resultRow(node, 'waiting', 'waiting…'));
    $('#results-table').replaceChildren(el('thead', {}, head), body);
    $('#summary').replaceChildren();
    $('#charts').replaceChildren();
    $('#progress-line').hidden = false;
    progress();
    $('#results').scrollIntoView({ block: 'start' });
  }

  function resultRow(node, status, label) {
    const tr = el('tr', { 'data-node': node, 'data-status': status },
      el('th', { scope: 'row' }, node), el('td', { class: 'status' }, label), el('td', { class: 'num' }),
      state.call.outputs.map(() => el('td')));
    state.call.rows.set(node, tr);
    return tr;
  }

  function follow(id) {
    const src = new EventSource(`/api/calls/${encodeURIComponent(id)}/events`);
    state.call.source = src;
    const call = state.call;
    src.addEventListener('reply', (e) => {
      try {
        addReply(call, JSON.parse(e.data));
      } catch (err) {
        showError(`A reply to call ${id}`, err);
      }
    });
    src.addEventListener('end', (e) => {
      src.close();
      try {
        finish(call, JSON.parse(e.data));
      } catch (err) {
        showError(`The summary of call ${id}`, err);
      }
    });
    // An `error` event the server sent carries its message; one without
    // data is the stream breaking: then ask for the call's state instead.
    src.addEventListener('error', (e) => {
      src.close();
      if (e.data) {
        showError(`Call ${id}`, new Error(e.data));
        finish(call, null);
      } else {
        recover(call);
      }
    });
  }

  async function recover(call) {
    if (call.ended) return;
    try {
      const doc = await api('GET', `/api/calls/${encodeURIComponent(call.id)}`);
      for (const r of (doc && doc.replies) || []) {
        if (!call.rows.has(r.sender) || call.rows.get(r.sender).dataset.status === 'waiting') addReply(call, r);
      }
      if (doc && (doc.stats || doc.summary)) {
        finish(call, doc);
        return;
      }
      throw new Error('the event stream broke before the call ended');
    } catch (e) {
      showError(`Call ${call.id}`, e);
      finish(call, null);
    }
  }

  const statusNames = ['OK', 'Aborted', 'Unknown action', 'Missing data', 'Invalid data', 'Unknown error'];

  function addReply(call, r) {
    if (call !== state.call || call.ended) return;
    const node = text(r.sender || r.identity);
    const code = Number(r.statuscode !== undefined ? r.statuscode : r.status);
    const ms = Number(r.rtt_ms !== undefined ? r.rtt_ms : r.time_ms);
    let tr = call.rows.get(node);
    if (!tr) {
      tr = resultRow(node, 'unexpected', '');
      $('#results-table tbody').append(tr);
    }
    const wasWaiting = tr.dataset.status === 'waiting';
    tr.dataset.status = code === 0 ? 'ok' : 'failed';
    const cells = tr.children;
    const name = statusNames[code] || `status ${code}`;
    cells[1].textContent = code === 0 ? 'OK' : `${name}: ${text(r.statusmsg)}`;
    cells[2].textContent = Number.isFinite(ms) ? ms.toFixed(1) : '';
    const data = r.data || {};
    call.outputs.forEach(([k], i) => {
      cells[3 + i].textContent = text(data[k]);
    });
    if (wasWaiting) call.answered++;
    if (Number.isFinite(ms)) call.times.push(ms);
    progress();
    drawHistogram(call);
  }

  function progress() {
    const c = state.call;
    const expected = c.p.nodes.length;
    $('#progress').max = expected;
    $('#progress').value = c.answered;
    $('#progress-text').textContent = c.ended
      ? `${c.answered} / ${expected} answered, finished`
      : `${c.answered} / ${expected} answered…`;
  }

  // The end of a call: nodes that never answered, the statistics and the
  // DDL's aggregates as charts.
  function finish(call, doc) {
    if (call !== state.call || call.ended) return;
    call.ended = true;
    const sum = (doc && (doc.summary || doc)) || {};
    const stats = sum.stats || {};
    for (const tr of call.rows.values()) {
      if (tr.dataset.status === 'waiting') {
        tr.dataset.status = 'missing';
        tr.children[1].textContent = 'no reply';
      }
    }
    progress();
    $('#results').dataset.state = doc ? 'done' : 'error';
    const missing = [...(stats.no_responses || []), ...(stats.unknown_nodes || [])];
    const lines = [];
    if (stats.responses !== undefined) {
      lines.push(`${stats.responses} replies: ${stats.ok || 0} OK, ${stats.failed || 0} failed` +
        (stats.elapsed_ms !== undefined ? `, in ${Number(stats.elapsed_ms).toFixed(0)} ms` : '') + '.');
    }
    if (missing.length) lines.push(`No reply from: ${missing.join(', ')}.`);
    if ((stats.unexpected_responses || []).length) {
      lines.push(`Unexpected replies from: ${stats.unexpected_responses.join(', ')}.`);
    }
    $('#summary').replaceChildren(...lines.map((l) => el('p', {}, l)));
    for (const ag of sum.aggregates || []) $('#charts').append(aggregateChart(ag));
    drawHistogram(call);
  }

  // ------------------------------------------------------------ charts

  // A horizontal bar chart: one labelled bar per [label, value].
  function barChart(title, entries, unit) {
    const rowH = 24, labelW = 160, barW = 300, w = labelW + barW + 60;
    const h = entries.length * rowH + 8;
    const max = Math.max(...entries.map((e) => e[1]), 1);
    const id = `chart-${Math.random().toString(36).slice(2)}`;
    return svg('svg', { class: 'chart bar-chart', width: w, height: h, viewBox: `0 0 ${w} ${h}`,
      role: 'img', 'aria-labelledby': id },
    svg('title', { id }, `${title}: ${entries.map(([l, v]) => `${l} ${v}${unit || ''}`).join(', ')}`),
    entries.map(([label, v], i) => {
      const y = 4 + i * rowH;
      const bw = Math.max(1, (v / max) * barW);
      return svg('g', {},
        svg('text', { x: labelW - 6, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'label' },
          label.length > 22 ? `${label.slice(0, 21)}…` : label),
        svg('rect', { class: 'bar', x: labelW, y: y + 3, width: bw, height: rowH - 6 }),
        svg('text', { x: labelW + bw + 4, y: y + rowH / 2 + 4, class: 'value' }, `${v}${unit || ''}`));
    }));
  }

  function aggregateChart(ag) {
    const name = ag.display_as || ag.output;
    const fn = ag.function;
    const fig = el('figure', { class: 'aggregate', 'data-function': fn, 'data-output': ag.output });
    const caption = el('figcaption', {}, `${fn === 'summary' ? 'Summary' : fn} of ${name}`);
    fig.append(caption);
    const v = ag.value;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v).map(([k, n]) => [k, Number(n)]).sort((a, b) => b[1] - a[1]);
      fig.append(entries.length ? barChart(`Summary of ${name}`, entries)
        : el('p', { class: 'hint' }, 'No values.'));
    } else if (fn === 'nettest_mma' && Array.isArray(v)) {
      fig.append(barChart(name, [['min', v[0]], ['max', v[1]], ['average', v[2]]]));
    }
    const lines = ag.lines || (ag.text ? String(ag.text).split('\n') : []);
    if (lines.length) fig.append(el('pre', {}, lines.join('\n')));
    return fig;
  }

  // The reply times in up to ten equal bins from 0 to the slowest.
  function drawHistogram(call) {
    const times = call.times;
    let fig = $('#histogram');
    if (!fig) {
      fig = el('figure', { id: 'histogram' }, el('figcaption', {}, 'Reply times'));
      $('#charts').prepend(fig);
    }
    fig.querySelector('svg')?.remove();
    if (times.length === 0) return;
    const max = Math.max(...times);
    const bins = Math.min(10, Math.max(1, Math.ceil(Math.sqrt(times.length))));
    const width = max > 0 ? max / bins : 1;
    const counts = new Array(bins).fill(0);
    for (const t of times) counts[Math.min(bins - 1, Math.floor(t / width))]++;
    const w = 480, h = 160, pad = 24, bw = (w - 2 * pad) / bins;
    const top = Math.max(...counts);
    const id = 'histogram-title';
    fig.append(svg('svg', { class: 'chart histogram', width: w, height: h + 2 * pad,
      viewBox: `0 0 ${w} ${h + 2 * pad}`, role: 'img', 'aria-labelledby': id },
    svg('title', { id }, `Reply times of ${times.length} replies, 0 to ${max.toFixed(1)} ms`),
    counts.map((n, i) => {
      const bh = (n / top) * h;
      const x = pad + i * bw;
      return svg('g', {},
        svg('rect', { class: 'bar', x: x + 1, y: pad + h - bh, width: bw - 2, height: bh }),
        n ? svg('text', { x: x + bw / 2, y: pad + h - bh - 4, 'text-anchor': 'middle', class: 'value' }, n) : null);
    }),
    svg('line', { x1: pad, y1: pad + h, x2: w - pad, y2: pad + h, class: 'axis' }),
    svg('text', { x: pad, y: pad + h + 16, class: 'label' }, '0 ms'),
    svg('text', { x: w - pad, y: pad + h + 16, 'text-anchor': 'end', class: 'label' }, `${max.toFixed(1)} ms`)));
  }

  // ------------------------------------------------------------ start

  async function main() {
    $('#fleet-form').addEventListener('submit', showFleet);
    $('#agent').addEventListener('change', chooseAgent);
    $('#act').addEventListener('change', chooseAction);
    $('#action-form').addEventListener('submit', review);
    $('#confirm').addEventListener('close', confirmed);
    await startSession();
    await Promise.all([showFleet(), state.readOnly ? null : loadAgents()]);
    document.body.dataset.ready = 'true';
  }

  main().catch((e) => showError('The page', e));
})();
