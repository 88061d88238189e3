/**
 * The web page's script, as source text inlined in a `<script>` element (no bundler, no module
 * loading, nothing from the network). Plain ES2017 that any current browser runs as is.
 *
 * The pure parts (`parsePrometheus`, `createSseParser`) come first and touch no DOM, so
 * page-script.test.ts evaluates this very text in Node and tests them without a browser; the page
 * wiring runs only where a `document` exists.
 *
 * Written with String.raw so backslashes reach the browser verbatim; the text must contain no
 * backtick, no dollar-brace, and no closing script tag.
 */
import { WEB_METRIC_NAMES } from './metric-names.js';

const SCRIPT = String.raw`
'use strict';
var METRICS = __METRIC_NAMES__;

/** Prometheus text exposition -> { name: value }; label sets of one name are summed. */
function parsePrometheus(text) {
  var out = {};
  var re = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\})?[ \t]+(\S+)/;
  var lines = text.split(/\r?\n/);
  for (var i = 0; i < lines.length; i++) {
    var line = lines[i].trim();
    if (line === '' || line.charAt(0) === '#') continue;
    var m = re.exec(line);
    if (!m) continue;
    var s = m[3];
    var v = s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s);
    if (s === 'NaN' || !isNaN(v)) out[m[1]] = (out[m[1]] === undefined ? 0 : out[m[1]]) + v;
  }
  return out;
}

/**
 * Incremental text/event-stream parser (WHATWG rules: lines end in CRLF, LF or CR, a blank line
 * dispatches, comment lines start with a colon, one optional space after "data:").
 */
function createSseParser(onEvent) {
  var buf = '';
  var data = [];
  var eventName = '';
  function takeLine(l) {
    if (l === '') {
      if (data.length > 0) onEvent({ event: eventName || 'message', data: data.join('\n') });
      data = [];
      eventName = '';
      return;
    }
    if (l.charAt(0) === ':') return;
    var c = l.indexOf(':');
    var field = c < 0 ? l : l.slice(0, c);
    var value = c < 0 ? '' : l.slice(c + 1);
    if (value.charAt(0) === ' ') value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') eventName = value;
  }
  return {
    push: function (chunk) {
      buf += chunk;
      for (;;) {
        var i = buf.search(/[\r\n]/);
        if (i < 0) return;
        // A CR at the end of the buffer may be the first half of a CRLF split across chunks.
        if (buf.charAt(i) === '\r' && i === buf.length - 1) return;
        var skip = buf.charAt(i) === '\r' && buf.charAt(i + 1) === '\n' ? 2 : 1;
        var line = buf.slice(0, i);
        buf = buf.slice(i + skip);
        takeLine(line);
      }
    },
    end: function () {
      if (buf !== '') takeLine(buf.replace(/\r$/, ''));
      buf = '';
      takeLine('');
    },
  };
}

function formatNumber(v, digits) {
  if (v === undefined || v === null || !isFinite(v)) return '\u2013';
  if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(2) + 'M';
  if (Math.abs(v) >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  return v.toFixed(digits);
}

if (typeof document !== 'undefined') (function () {
  var $ = function (id) { return document.getElementById(id); };
  var el = {
    messages: $('messages'), input: $('input'), send: $('send'), stop: $('stop'), clear: $('clear'),
    system: $('system'), temperature: $('temperature'), maxTokens: $('max-tokens'), apiKey: $('api-key'),
    model: $('model'), dot: $('metrics-dot'), status: $('metrics-status'), spark: $('spark-line'),
  };
  var history = [];
  var modelId = '';
  var controller = null;

  // Settings survive a reload (localStorage may be off: then they simply do not).
  var saved = ['system', 'temperature', 'maxTokens', 'apiKey'];
  saved.forEach(function (k) {
    try { var v = localStorage.getItem('apr.' + k); if (v !== null) el[k].value = v; } catch (e) { /* no storage */ }
    el[k].addEventListener('change', function () { try { localStorage.setItem('apr.' + k, el[k].value); } catch (e) { /* no storage */ } });
  });

  function headers(extra) {
    var h = extra || {};
    var key = el.apiKey.value.trim();
    if (key) h['Authorization'] = 'Bearer ' + key;
    return h;
  }

  function addMessage(role, text) {
    var empty = el.messages.querySelector('.empty');
    if (empty) empty.remove();
    var box = document.createElement('div');
    box.className = 'msg ' + role;
    var content = document.createElement('div');
    content.className = 'content';
    content.textContent = text;
    var meta = document.createElement('div');
    meta.className = 'meta';
    box.appendChild(content);
    box.appendChild(meta);
    el.messages.appendChild(box);
    el.messages.scrollTop = el.messages.scrollHeight;
    return { box: box, content: content, meta: meta };
  }

  function setBusy(busy) {
    el.send.disabled = busy;
    el.stop.disabled = !busy;
  }

  async function errorText(res) {
    var body = await res.text();
    try { var j = JSON.parse(body); if (j && j.error) return (j.error.message || j.error) + ' (HTTP ' + res.status + ')'; } catch (e) { /* not JSON */ }
    return 'HTTP ' + res.status + (body ? ': ' + body.slice(0, 300) : '');
  }

  async function send() {
    var text = el.input.value.trim();
    if (!text || controller) return;
    el.input.value = '';
    history.push({ role: 'user', content: text });
    addMessage('user', text);
    var messages = [];
    if (el.system.value.trim()) messages.push({ role: 'system', content: el.system.value.trim() });
    messages = messages.concat(history);
    var reply = addMessage('assistant', '');
    reply.box.classList.add('streaming');
    var body = {
      messages: messages, stream: true, stream_options: { include_usage: true },
      temperature: Number(el.temperature.value), max_tokens: Math.max(1, Math.floor(Number(el.maxTokens.value))),
    };
    if (modelId) body.model = modelId;
    controller = new AbortController();
    setBusy(true);
    var content = '';
    var chunks = 0;
    var usage = null;
    var finish = '';
    var t0 = performance.now();
    var tFirst = 0;
    var failure = '';
    try {
      var res = await fetch('/v1/chat/completions', {
        method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body), signal: controller.signal,
      });
      if (!res.ok) throw new Error(await errorText(res));
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var parser = createSseParser(function (ev) {
        if (ev.data === '[DONE]') return;
        var j = JSON.parse(ev.data);
        if (j.error) throw new Error(j.error.message || String(j.error));
        if (j.usage) usage = j.usage;
        var choice = j.choices && j.choices[0];
        if (!choice) return;
        if (choice.finish_reason) finish = choice.finish_reason;
        var delta = choice.delta || {};
        if (typeof delta.content === 'string' && delta.content !== '') {
          if (!tFirst) tFirst = performance.now();
          chunks++;
          content += delta.content;
          reply.content.textContent = content;
          el.messages.scrollTop = el.messages.scrollHeight;
        }
        if (delta.tool_calls) {
          delta.tool_calls.forEach(function (tc) {
            var f = tc.function || {};
            content += (f.name ? '\n[tool call] ' + f.name + ' ' : '') + (f.arguments || '');
          });
          reply.content.textContent = content;
        }
      });
      for (;;) {
        var r = await reader.read();
        if (r.done) break;
        parser.push(decoder.decode(r.value, { stream: true }));
      }
      parser.push(decoder.decode());
      parser.end();
    } catch (e) {
      failure = e && e.name === 'AbortError' ? 'stopped' : (e && e.message) || String(e);
    }
    var t1 = performance.now();
    reply.box.classList.remove('streaming');
    history.push({ role: 'assistant', content: content });
    var n = usage && usage.completion_tokens !== undefined ? usage.completion_tokens : chunks;
    var parts = [n + ' tokens'];
    if (tFirst) parts.push('first token ' + Math.round(tFirst - t0) + ' ms');
    if (tFirst && n > 1 && t1 > tFirst) parts.push(((n - 1) / ((t1 - tFirst) / 1000)).toFixed(1) + ' tok/s');
    if (finish) parts.push(finish);
    if (failure) { parts.push(failure); if (failure !== 'stopped') reply.box.classList.add('error'); }
    reply.meta.textContent = parts.join(' \u00b7 ');
    controller = null;
    setBusy(false);
    el.input.focus();
  }

  document.getElementById('composer').addEventListener('submit', function (e) { e.preventDefault(); send(); });
  el.input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  el.stop.addEventListener('click', function () { if (controller) controller.abort(); });
  el.clear.addEventListener('click', function () {
    if (controller) controller.abort();
    history = [];
    el.messages.innerHTML = '<div class="empty">Say something to the model.</div>';
  });

  fetch('/v1/models', { headers: headers() }).then(function (r) { return r.ok ? r.json() : null; }).then(function (j) {
    if (j && j.data && j.data[0]) { modelId = j.data[0].id; el.model.textContent = modelId; }
  }).catch(function () { /* the chat still works without a model id */ });

  // Live metrics: one poll a second, never two in flight. A tok/s gauge the server does not export
  // is derived from its counter's increase since the previous poll.
  var previous = null;
  var sparkValues = [];
  function set(id, value, digits) { $(id).textContent = formatNumber(value, digits); }
  function rate(now, gauge, counter) {
    if (now[gauge] !== undefined) return now[gauge];
    if (!previous || now[counter] === undefined || previous.values[counter] === undefined) return undefined;
    var dt = (performance.now() - previous.at) / 1000;
    return dt > 0 ? Math.max(0, now[counter] - previous.values[counter]) / dt : undefined;
  }
  function render(m) {
    var decode = rate(m, METRICS.decodeTokensPerSec, METRICS.generatedTokensTotal);
    set('m-decode', decode, 1);
    set('m-prompt', rate(m, METRICS.promptTokensPerSec, METRICS.promptTokensTotal), 1);
    set('m-queue', m[METRICS.queueDepth], 0);
    set('m-active', m[METRICS.activeSlots], 0);
    set('m-slots', m[METRICS.slots], 0);
    set('m-kv-used', m[METRICS.kvUsedTokens], 0);
    set('m-kv-cap', m[METRICS.kvCapacityTokens], 0);
    var cap = m[METRICS.kvCapacityTokens];
    var pct = cap > 0 ? Math.min(100, (100 * (m[METRICS.kvUsedTokens] || 0)) / cap) : 0;
    $('m-kv-pct').textContent = cap > 0 ? pct.toFixed(0) + '%' : '\u2013';
    $('m-kv-bar').style.width = pct + '%';
    var slots = m[METRICS.slots];
    $('m-slot-bar').style.width = slots > 0 ? Math.min(100, (100 * (m[METRICS.activeSlots] || 0)) / slots) + '%' : '0';
    set('m-requests', m[METRICS.requestsTotal], 0);
    set('m-gen-total', m[METRICS.generatedTokensTotal], 0);
    set('m-prompt-total', m[METRICS.promptTokensTotal], 0);
    sparkValues.push(decode !== undefined && isFinite(decode) ? decode : 0);
    if (sparkValues.length > 60) sparkValues.shift();
    var max = Math.max.apply(null, sparkValues.concat([1]));
    el.spark.setAttribute('points', sparkValues.map(function (v, i) {
      // Right-aligned: the newest sample is at the right edge.
      return ((60 - sparkValues.length + i) * 100 / 59).toFixed(1) + ',' + (46 - (v / max) * 44).toFixed(1);
    }).join(' '));
    $('spark-max').textContent = formatNumber(max, 0);
  }
  function poll() {
    fetch('/metrics', { headers: headers(), cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (text) {
      var values = parsePrometheus(text);
      render(values);
      previous = { at: performance.now(), values: values };
      el.dot.className = 'dot live';
      el.status.textContent = 'live';
    }).catch(function (e) {
      el.dot.className = 'dot down';
      el.status.textContent = 'metrics unavailable: ' + e.message;
    }).then(function () { setTimeout(poll, 1000); });
  }
  poll();
  el.input.focus();
})();
`;

/** The page's script text (the metric names of {@link WEB_METRIC_NAMES} substituted in). */
export const WEB_PAGE_SCRIPT = SCRIPT.replace('__METRIC_NAMES__', JSON.stringify(WEB_METRIC_NAMES));
