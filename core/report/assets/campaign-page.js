/* busfuzz campaign page: the header, uPlot plots (runs per second, steps per second, findings over
 * time, distinct features over time when the stats file counts them) from the stats series, and the
 * fingerprint table linking to each finding's page. */
'use strict';

function esc(text) {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '-';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function rates(series, field) {
  const out = [];
  for (let i = 0; i < series.length; i++) {
    const prev = i === 0 ? { t_ms: 0, [field]: 0 } : series[i - 1];
    const dt = (series[i].t_ms - prev.t_ms) / 1000;
    out.push(dt > 0 ? (series[i][field] - prev[field]) / dt : null);
  }
  return out;
}

function plot(host, title, xs, ys, label, color, stepped) {
  const box = document.createElement('div');
  box.setAttribute('data-plot', title);
  host.appendChild(box);
  const opts = {
    title,
    width: 460,
    height: 240,
    scales: { x: { time: false } },
    axes: [{ label: 'seconds into the campaign' }, { label, size: 80 }],
    series: [
      { label: 's' },
      {
        label,
        stroke: color,
        width: 2,
        fill: `${color}22`,
        ...(stepped ? { paths: uPlot.paths.stepped({ align: 1 }) } : {}),
      },
    ],
  };
  // eslint-disable-next-line no-new
  new uPlot(opts, [xs, ys], box);
}

function campaignPage() {
  const data = JSON.parse(document.getElementById('busfuzz-data').textContent);
  const rows = [
    ['folder', `<code>${esc(data.dir)}</code>`],
    [
      'source',
      esc(
        data.source === 'stats'
          ? 'fuzzer_stats.json'
          : data.source === 'fuzz-loop'
            ? 'the fuzz loop that wrote this page'
            : 'crash files (no stats file)',
      ),
    ],
  ];
  if (data.backend) rows.push(['backend', esc(data.backend)]);
  if (data.state) rows.push(['state', esc(data.state)]);
  if (data.startedAt) rows.push(['started', esc(data.startedAt)]);
  if (data.runs !== null)
    rows.push([
      'runs',
      `${data.runs.toLocaleString('en-US')}${data.inconclusive ? ` (${data.inconclusive} inconclusive)` : ''}`,
    ]);
  if (data.steps !== null) rows.push(['steps', data.steps.toLocaleString('en-US')]);
  if (data.wallMs !== null) {
    rows.push(['wall time', esc(fmtDuration(data.wallMs))]);
    if (data.runs !== null && data.wallMs > 0)
      rows.push([
        'rate',
        `${(data.runs / (data.wallMs / 1000)).toFixed(2)} runs/s, ${Math.round(data.steps / (data.wallMs / 1000)).toLocaleString('en-US')} steps/s`,
      ]);
  }
  if (data.workers !== null) rows.push(['workers', String(data.workers)]);
  if (data.guided) rows.push(['mode', 'guided (fuzz --guided)']);
  if (data.features !== null && data.features !== undefined)
    rows.push(['features', `${data.features.toLocaleString('en-US')} distinct`]);
  rows.push([
    'findings',
    `${data.findings.length} fingerprints, ${data.findings.filter((f) => f.status === 'new').length} new`,
  ]);
  document.getElementById('header').innerHTML =
    `<h1>busfuzz campaign</h1><dl class="header-grid">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>${data.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}`;

  const plots = document.getElementById('plots');
  const series = data.series;
  const xs = series.map((p) => p.t_ms / 1000);
  if (series.length > 0 && series.some((p) => p.runs > 0)) {
    plot(plots, 'runs per second', xs, rates(series, 'runs'), 'runs/s', '#2f6fdf', false);
    plot(plots, 'steps per second', xs, rates(series, 'steps'), 'steps/s', '#1e8e3e', false);
  } else {
    plots.insertAdjacentHTML(
      'beforeend',
      '<p class="note" data-no-rates="1">no runs or steps over time in this folder (no stats file): only findings are plotted</p>',
    );
  }
  if (series.length > 0)
    plot(
      plots,
      'findings over time',
      [0, ...xs],
      [0, ...series.map((p) => p.findings)],
      'fingerprints',
      '#d93025',
      true,
    );

  if (series.some((p) => p.features !== undefined))
    plot(
      plots,
      'distinct features over time',
      [0, ...xs],
      [0, ...series.map((p) => p.features ?? null)],
      'features',
      '#8e24aa',
      true,
    );

  const table =
    data.findings.length === 0
      ? '<p class="note">no findings</p>'
      : `<table data-findings="1"><tr><th>status</th><th>fingerprint</th><th>count</th><th>first seed</th><th>time to first find</th><th>page</th><th>crash file / reason</th></tr>${data.findings
          .map((f) => {
            const status = f.status.toUpperCase();
            const page = f.page ? `<a href="${esc(f.page)}" data-finding-link="1">timeline</a>` : '-';
            const why = f.crashFile
              ? `<code>${esc(f.crashFile)}</code>`
              : esc([f.knownReason, f.upstream].filter(Boolean).join(' · ') || '-');
            return `<tr data-fingerprint="${esc(f.fingerprint)}"><td class="status-${status}">${status}</td><td><code>${esc(f.fingerprint)}</code></td><td>${f.count}</td><td>${f.firstSeed}</td><td>${esc(fmtDuration(f.firstFoundMs))}</td><td>${page}</td><td>${why}</td></tr>`;
          })
          .join('')}</table>`;
  document.getElementById('findings').innerHTML = table;
  window.busfuzzReadyMs = performance.now();
  document.body.setAttribute('data-ready', '1');
}

window.addEventListener('DOMContentLoaded', campaignPage);
