/**
 * Assembles the self-contained HTML pages: the stylesheet and scripts under assets/ (and uPlot, for
 * the campaign plots) are inlined, the data goes in as one JSON script element, nothing is fetched.
 * The assets are read when a page is written, not at import, so the CLI starts as fast as before.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const ASSETS = new URL('./assets/', import.meta.url);

function asset(name: string): string {
  return readFileSync(new URL(name, ASSETS), 'utf8');
}

/** uPlot's browser build and stylesheet, from the pinned dependency. */
function uplot(): { js: string; css: string } {
  const require = createRequire(import.meta.url);
  const jsPath = require.resolve('uplot/dist/uPlot.iife.min.js');
  return {
    js: readFileSync(jsPath, 'utf8'),
    css: readFileSync(jsPath.replace(/uPlot\.iife\.min\.js$/, 'uPlot.min.css'), 'utf8'),
  };
}

/** JSON that cannot end the script element it sits in (`</script>`, `<!--`). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function inlineScript(code: string): string {
  return `<script>\n${code.replace(/<\/script/gi, '<\\/script')}\n</script>`;
}

export function runPageHtml(title: string, data: unknown): string {
  const scripts = ['run-model.js', 'run-timeline.js', 'run-messages.js', 'run-page.js'].map(asset).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${asset('page.css')}</style></head>
<body>
<header id="header"></header>
<h2>Timeline</h2>
<div class="legend"><span style="--c:var(--primary)">primary</span><span style="--c:var(--replica)">replica</span><span style="--c:var(--down)">down</span><span style="--c:#f7d08a">paused</span><span style="--c:var(--starting)">starting</span><span style="--c:var(--pfail)">PFAIL (majority)</span><span style="--c:var(--fail)">FAIL (majority) / stale message / lost write</span><span style="--c:rgba(217,48,37,.3)">fault</span><span style="--c:#1e8e3e">election: request bar, votes, win ★</span></div>
<div class="toolbar"><button id="zoom-in">zoom in</button><button id="zoom-out">zoom out</button><button id="zoom-all">whole run</button><button id="zoom-window">zoom to message window</button>
<span class="note">wheel: zoom · drag: pan · shift-drag: pick the message window · hover a lane: that node's status then</span></div>
<div class="chart" id="timeline"></div>
<div id="histogram"></div>
<h2>Messages</h2>
<div class="toolbar"><label>window from <input id="win-from" type="number"> to <input id="win-to" type="number"> ms</label></div>
<div id="messages"></div>
<h2 id="status-title">Node status at the end of the run</h2>
<div id="status"></div>
<h2>Faults, actions and events</h2>
<div id="events"></div>
<script type="application/json" id="busfuzz-data">${scriptJson(data)}</script>
${inlineScript(scripts)}
</body></html>
`;
}

export function campaignPageHtml(title: string, data: unknown): string {
  const plot = uplot();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${plot.css}\n${asset('page.css')}</style></head>
<body>
<header id="header"></header>
<h2>Progress</h2>
<div class="plots" id="plots"></div>
<h2>Findings</h2>
<div id="findings"></div>
<script type="application/json" id="busfuzz-data">${scriptJson(data)}</script>
${inlineScript(plot.js)}
${inlineScript(asset('campaign-page.js'))}
</body></html>
`;
}
