/* busfuzz run page, part 4: the page. Reads the embedded record, writes the header, and wires the
 * timeline, the histogram, the message diagram and the node status together. */
'use strict';

function runPage() {
  const data = JSON.parse(document.getElementById('busfuzz-data').textContent);
  const model = buildModel(data);
  const meta = data.meta,
    v = meta.violation;
  const rows = [
    ['scenario', esc(meta.scenarioId)],
    [
      'backend',
      `${esc(meta.backend)}${meta.server ? ` (${esc(meta.server.version)}, ${esc(meta.server.binary)})` : ' (simulator, valkey 8.0.1 model)'}`,
    ],
    ['seed', String(meta.seed)],
    [
      'verdict',
      `<span class="verdict-${esc(meta.verdict)}">${esc(meta.verdict.toUpperCase())}</span> after ${meta.steps.toLocaleString('en-US')} steps, ${esc(fmtMs(meta.endMs))} ${meta.backend === 'sim' ? 'simulated' : 'wall'}`,
    ],
  ];
  if (v) {
    rows.push([
      'violation',
      `<b>${esc(v.invariant)}</b> at step ${v.step}, ${esc(fmtMs(v.timeMs))}: ${esc(v.message)}`,
    ]);
    rows.push(['fingerprint', `<code>${esc(v.fingerprint)}</code>`]);
  }
  if (meta.replay) rows.push(['replay', `<code>${esc(meta.replay)}</code>`]);
  if (meta.confirmation) rows.push(['confirmation', esc(meta.confirmation)]);
  rows.push(['trace hash', `<code>${esc(meta.traceHash)}</code>`]);
  document.getElementById('header').innerHTML =
    `<h1>${esc(meta.scenarioId)} · ${esc(meta.backend)} · seed ${meta.seed}</h1><dl class="header-grid">${rows.map(([k, val]) => `<dt>${k}</dt><dd>${val}</dd>`).join('')}</dl>`;

  const messages = new MessageView(document.getElementById('messages'), model);
  const timelineHost = document.getElementById('timeline');
  const timeline = new Timeline(timelineHost, model, (a, b) => {
    messages.setWindow(a, b);
    fromInput.value = Math.round(a);
    toInput.value = Math.round(b);
  });
  const fromInput = document.getElementById('win-from'),
    toInput = document.getElementById('win-to');
  [fromInput.value, toInput.value] = timeline.window.map(Math.round);
  const applyWindow = () => {
    const a = Number(fromInput.value),
      b = Number(toInput.value);
    if (Number.isFinite(a) && Number.isFinite(b) && b > a) timeline.setWindow(a, b);
  };
  fromInput.addEventListener('change', applyWindow);
  toInput.addEventListener('change', applyWindow);
  document.getElementById('zoom-in').onclick = () => timeline.zoom(0.5, (timeline.view[0] + timeline.view[1]) / 2);
  document.getElementById('zoom-out').onclick = () => timeline.zoom(2, (timeline.view[0] + timeline.view[1]) / 2);
  document.getElementById('zoom-all').onclick = () => timeline.setView(model.startMs, model.endMs);
  document.getElementById('zoom-window').onclick = () => {
    const [a, b] = timeline.window,
      pad = (b - a) * 0.15;
    timeline.setView(a - pad, b + pad);
  };
  timeline.render();
  messages.render();
  document.getElementById('histogram').innerHTML = histogramSvg(model, Math.max(600, timelineHost.clientWidth || 1200));

  const status = meta.nodeStatus && meta.nodeStatus.length > 0 ? meta.nodeStatus.join('\n') : '(not recorded)';
  document.getElementById('status-title').textContent = `Node status at the ${v ? 'violation' : 'end of the run'}`;
  document.getElementById('status').innerHTML = `<pre data-node-status="1">${esc(status)}</pre>`;
  const notable = data.events.filter(
    (e) => e.kind !== 'node-state' && e.kind !== 'vote-granted' && e.kind !== 'read-back',
  );
  document.getElementById('events').innerHTML = `<table><tr><th>time</th><th>event</th></tr>${notable
    .slice(0, 400)
    .map((e) => {
      const { atMs, kind, ...rest } = e;
      return `<tr><td class="mono">${esc(fmtMs(atMs))}</td><td><b>${esc(kind)}</b> ${esc(
        Object.entries(rest)
          .map(([k, val]) => `${k}=${Array.isArray(val) ? `[${val.join(',')}]` : val}`)
          .join(' '),
      )}</td></tr>`;
    })
    .join('')}</table>${notable.length > 400 ? `<p class="note">${notable.length - 400} more not shown</p>` : ''}`;
  window.busfuzzReport = {
    model,
    timeline,
    messages,
    statusAt: (node, t) => statusAt(model, model.laneOf.get(node), t),
  };
  window.busfuzzReadyMs = performance.now();
  document.body.setAttribute('data-ready', '1');
}

window.addEventListener('DOMContentLoaded', runPage);
