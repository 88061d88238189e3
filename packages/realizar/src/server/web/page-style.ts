/**
 * The web page's stylesheet (inlined in a `<style>` element: the page loads nothing else). System
 * fonts only, light and dark from `prefers-color-scheme`, two columns (chat | live metrics) that
 * stack on narrow screens.
 */
export const WEB_PAGE_CSS = String.raw`
:root { --bg:#f6f7f9; --panel:#fff; --fg:#1d2330; --muted:#6b7385; --line:#dde1e8; --accent:#2f6fed;
  --user:#e8effd; --bot:#fff; --err:#c62828; --ok:#2e7d32; color-scheme: light dark; }
@media (prefers-color-scheme: dark) { :root { --bg:#14171d; --panel:#1c2028; --fg:#e4e7ee; --muted:#8d95a6;
  --line:#2c323d; --accent:#6b9bff; --user:#22304a; --bot:#1c2028; --err:#ef6b6b; --ok:#6fcf73; } }
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  display: grid; grid-template-rows: auto 1fr; }
header { display: flex; align-items: center; gap: 12px; padding: 10px 16px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { font-size: 16px; margin: 0; }
header .model { color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
header .spacer { flex: 1; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 300px; gap: 12px; padding: 12px; min-height: 0; }
@media (max-width: 820px) { main { grid-template-columns: 1fr; } }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; min-height: 0; }
#chat { display: grid; grid-template-rows: auto 1fr auto; }
details.settings { padding: 8px 12px; border-bottom: 1px solid var(--line); }
details.settings summary { cursor: pointer; color: var(--muted); }
.settings-grid { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 8px; margin-top: 8px; }
.settings-grid label { display: flex; flex-direction: column; gap: 2px; color: var(--muted); font-size: 12px; }
.settings-grid .wide { grid-column: 1 / -1; }
textarea, input { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; }
textarea { resize: vertical; }
#messages { overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 10px; min-height: 200px; }
#messages .empty { color: var(--muted); text-align: center; margin: auto; }
.msg { max-width: 85%; padding: 8px 12px; border-radius: 10px; border: 1px solid var(--line); }
.msg.user { align-self: flex-end; background: var(--user); }
.msg.assistant { align-self: flex-start; background: var(--bot); }
.msg .content { white-space: pre-wrap; word-wrap: break-word; }
.msg.streaming .content::after { content: "\258D"; color: var(--accent); animation: blink 1s steps(2) infinite; }
@keyframes blink { 50% { opacity: 0; } }
.msg .meta { color: var(--muted); font-size: 11px; margin-top: 4px; }
.msg.error { border-color: var(--err); }
.msg.error .meta { color: var(--err); }
form#composer { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid var(--line); }
form#composer textarea { flex: 1; min-height: 40px; max-height: 200px; }
button { font: inherit; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 6px; padding: 6px 14px; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); }
button:disabled { opacity: .5; cursor: default; }
#metrics { padding: 12px; display: flex; flex-direction: column; gap: 10px; align-self: start; }
#metrics h2 { font-size: 13px; margin: 0; display: flex; align-items: center; gap: 6px; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); display: inline-block; }
.dot.live { background: var(--ok); }
.dot.down { background: var(--err); }
.tiles { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; }
.tile .label { color: var(--muted); font-size: 11px; }
.tile .value { font-size: 20px; font-variant-numeric: tabular-nums; }
.tile .unit { color: var(--muted); font-size: 11px; margin-left: 2px; }
.bar { height: 6px; background: var(--line); border-radius: 3px; overflow: hidden; margin-top: 4px; }
.bar > div { height: 100%; width: 0; background: var(--accent); transition: width .3s; }
svg.spark { width: 100%; height: 48px; display: block; }
svg.spark polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; }
.totals { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
#metrics-status { color: var(--muted); font-size: 11px; font-weight: normal; }
`;
