/**
 * The built-in web page served at `/`: a chat with the loaded model (streamed through
 * `POST /v1/chat/completions`) and a live panel of the server's `/metrics`. One self-contained
 * HTML document: inline CSS and script, system fonts, no request to any other origin (the CSP of
 * {@link WEB_PAGE_CSP} enforces that in the browser).
 */
import { createHash } from 'node:crypto';
import { WEB_PAGE_CSS } from './page-style.js';
import { WEB_PAGE_SCRIPT } from './page-script.js';

const BODY = `
<header>
  <h1>apr</h1>
  <span class="model" id="model" title="model served">model</span>
  <span class="spacer"></span>
  <button type="button" class="secondary" id="clear">New chat</button>
</header>
<main>
  <section id="chat">
    <details class="settings">
      <summary>Settings</summary>
      <div class="settings-grid">
        <label class="wide">System prompt<textarea id="system" rows="2" placeholder="You are a helpful assistant."></textarea></label>
        <label>Temperature<input id="temperature" type="number" min="0" max="2" step="0.1" value="0.7"></label>
        <label>Max tokens<input id="max-tokens" type="number" min="1" max="32768" step="1" value="256"></label>
        <label>API key<input id="api-key" type="password" autocomplete="off" placeholder="(none)"></label>
      </div>
    </details>
    <div id="messages" aria-live="polite"><div class="empty">Say something to the model.</div></div>
    <form id="composer">
      <textarea id="input" rows="2" placeholder="Message (Enter to send, Shift+Enter for a new line)"></textarea>
      <button type="submit" id="send">Send</button>
      <button type="button" class="secondary" id="stop" disabled>Stop</button>
    </form>
  </section>
  <section id="metrics">
    <h2><span class="dot" id="metrics-dot"></span>Server <span id="metrics-status">connecting</span></h2>
    <div class="tiles">
      <div class="tile"><div class="label">decode</div><span class="value" id="m-decode">&ndash;</span><span class="unit">tok/s</span></div>
      <div class="tile"><div class="label">prompt</div><span class="value" id="m-prompt">&ndash;</span><span class="unit">tok/s</span></div>
      <div class="tile"><div class="label">queue</div><span class="value" id="m-queue">&ndash;</span><span class="unit">waiting</span></div>
      <div class="tile"><div class="label">slots active</div><span class="value" id="m-active">&ndash;</span><span class="unit">/ <span id="m-slots">&ndash;</span></span>
        <div class="bar"><div id="m-slot-bar"></div></div></div>
    </div>
    <div class="tile"><div class="label">KV cache</div><span class="value" id="m-kv-pct">&ndash;</span>
      <span class="unit"><span id="m-kv-used">&ndash;</span> / <span id="m-kv-cap">&ndash;</span> tokens</span>
      <div class="bar"><div id="m-kv-bar"></div></div></div>
    <div class="tile"><div class="label">decode tok/s, last 60 s (max <span id="spark-max">&ndash;</span>)</div>
      <svg class="spark" viewBox="0 0 100 48" preserveAspectRatio="none"><polyline id="spark-line" points=""></polyline></svg></div>
    <div class="totals">requests <span id="m-requests">&ndash;</span> &middot; prompt tokens <span id="m-prompt-total">&ndash;</span>
      &middot; generated <span id="m-gen-total">&ndash;</span></div>
  </section>
</main>`;

/** The whole page, as served at `GET /`. */
export const WEB_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>apr</title>
<link rel="icon" href="data:,">
<style>${WEB_PAGE_CSS}</style>
</head>
<body>${BODY}
<script>${WEB_PAGE_SCRIPT}</script>
</body>
</html>
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Content-Security-Policy of the page: its own inline script and style only (by hash, so nothing
 * injected runs), fetches to its own origin only, no other resource from anywhere.
 */
export const WEB_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(WEB_PAGE_SCRIPT)}`,
  `style-src ${sha256(WEB_PAGE_CSS)}`,
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
