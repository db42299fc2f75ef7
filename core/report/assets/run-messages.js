/* busfuzz run page, part 3: the messages. A spacetime diagram of the bus messages in the chosen
 * window (one horizontal line per node, a message a line from sender at send time to receiver
 * at read time), filterable by type; stale messages in red, dropped and lost ones dashed. Outside
 * the window of messages kept one by one, a per-type histogram of the whole run. */
'use strict';

const MSG_DRAW_LIMIT = 6000;
const TYPE_COLORS = {
  ping: '#9bb7e0',
  pong: '#b9c7d6',
  meet: '#8e44ad',
  fail: '#d93025',
  publish: '#7f8c8d',
  'auth-req': '#e67e22',
  'auth-ack': '#1e8e3e',
  update: '#c0392b',
  mfstart: '#16a085',
  module: '#555',
  publishshard: '#555',
};

function typeColor(name) {
  return TYPE_COLORS[name] || '#444';
}

class MessageView {
  constructor(host, model) {
    this.host = host;
    this.model = model;
    const types = model.data.messageTypes;
    // Pings and pongs are most of the traffic: shown, but a click away from hiding them.
    this.shown = new Set(types);
    this.window = defaultWindow(model);
    this.toolbar = document.createElement('div');
    this.toolbar.className = 'toolbar filters';
    this.toolbar.innerHTML = `<span>types:</span>${types.map((t) => `<label><input type="checkbox" data-type="${esc(t)}" checked> <span style="color:${typeColor(t)}">■</span> ${esc(t)}</label>`).join('')}
      <label><input type="checkbox" data-only-stale> only stale/waited</label>`;
    host.appendChild(this.toolbar);
    this.note = document.createElement('div');
    this.note.className = 'note';
    host.appendChild(this.note);
    this.chart = document.createElement('div');
    this.chart.className = 'chart';
    this.chart.setAttribute('data-messages', '1');
    host.appendChild(this.chart);
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'tooltip';
    this.chart.appendChild(this.tooltip);
    this.svgHost = document.createElement('div');
    this.chart.appendChild(this.svgHost);
    this.toolbar.addEventListener('change', (ev) => {
      const type = ev.target.getAttribute('data-type');
      if (type !== null) {
        if (ev.target.checked) this.shown.add(type);
        else this.shown.delete(type);
      }
      this.onlyStale = this.toolbar.querySelector('[data-only-stale]').checked;
      this.render();
    });
    this.svgHost.addEventListener('mousemove', (ev) => {
      const line = ev.target.closest ? ev.target.closest('[data-msg]') : null;
      if (!line) {
        this.tooltip.style.display = 'none';
        return;
      }
      this.tooltip.textContent = this.describe(Number(line.getAttribute('data-msg')));
      const r = this.chart.getBoundingClientRect();
      this.tooltip.style.display = 'block';
      this.tooltip.style.left = `${Math.min(ev.clientX - r.left + 12, r.width - 340)}px`;
      this.tooltip.style.top = `${ev.clientY - r.top + 10}px`;
    });
  }

  setWindow(a, b) {
    this.window = [a, b];
    this.render();
  }

  describe(i) {
    const d = this.model.data,
      m = d.messages;
    const marks = [];
    if (m.mark[i] & MARK_STALE) marks.push('STALE: its sender no longer is what it claims');
    if (m.mark[i] & MARK_WAITED) marks.push('waited (held by a pause or a partition)');
    if (m.mark[i] & MARK_DROPPED) marks.push('dropped by a fault');
    if (m.mark[i] & MARK_LOST) marks.push('lost with its connection');
    return [
      `${d.messageTypes[m.type[i]]} ${d.nodes[m.from[i]]} -> ${d.nodes[m.to[i]]}`,
      `sent ${fmtMs(m.sent[i])}, ${m.mark[i] & (MARK_DROPPED | MARK_LOST) ? 'gone' : 'read'} ${fmtMs(m.recv[i])}`,
      `claims ${claimWords(m.claim[i])}`,
      ...marks,
    ].join('\n');
  }

  render() {
    const model = this.model,
      d = model.data,
      m = d.messages,
      [w0, w1] = this.window;
    const W = Math.max(600, this.host.clientWidth || 1200),
      lanes = model.lanes;
    const laneH = 22,
      top = 22,
      H = top + lanes.length * laneH + 24;
    const x = (t) => Math.round((LABEL_W + ((t - w0) / Math.max(1, w1 - w0)) * (W - LABEL_W - 10)) * 10) / 10;
    const y = (nodeIdx) => {
      const lane = model.laneOf.get(d.nodes[nodeIdx]);
      return lane === undefined ? -1 : top + lane * laneH + laneH / 2;
    };
    const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">`, axisSvg(x, w0, w1, W, 0, H)];
    lanes.forEach((name, lane) => {
      const ly = top + lane * laneH + laneH / 2;
      parts.push(
        `<g data-msg-lane="${esc(name)}"><text class="lane-label" x="4" y="${ly + 4}">${esc(name)}</text><line x1="${LABEL_W}" x2="${W - 10}" y1="${ly}" y2="${ly}" stroke="#c8ced6"/></g>`,
      );
    });
    let inWindow = 0,
      drawn = 0,
      stale = 0;
    const order = [];
    for (let i = 0; i < m.recv.length; i++) {
      if (m.recv[i] < w0 || m.sent[i] > w1) continue;
      if (!this.shown.has(d.messageTypes[m.type[i]])) continue;
      if (this.onlyStale && !(m.mark[i] & (MARK_STALE | MARK_WAITED))) continue;
      inWindow++;
      order.push(i);
    }
    // Too many to draw: keep every marked one, thin the plain ones evenly.
    const plain = order.filter((i) => !(m.mark[i] & (MARK_STALE | MARK_WAITED | MARK_DROPPED | MARK_LOST)));
    const keepEvery = plain.length > MSG_DRAW_LIMIT ? Math.ceil(plain.length / MSG_DRAW_LIMIT) : 1;
    let plainSeen = 0;
    const labels = [];
    for (const i of order) {
      const marked = (m.mark[i] & (MARK_STALE | MARK_WAITED | MARK_DROPPED | MARK_LOST)) !== 0;
      if (!marked && plainSeen++ % keepEvery !== 0) continue;
      const y0 = y(m.from[i]),
        y1 = y(m.to[i]);
      if (y0 < 0 || y1 < 0) continue;
      const type = d.messageTypes[m.type[i]];
      const cls = `msg${m.mark[i] & MARK_STALE ? ' stale' : ''}${m.mark[i] & MARK_DROPPED ? ' dropped' : ''}${m.mark[i] & MARK_LOST ? ' lost' : ''}`;
      const gone = (m.mark[i] & (MARK_DROPPED | MARK_LOST)) !== 0;
      // A dropped message ends halfway, with a cross.
      const x1 = gone ? (x(m.sent[i]) + x(m.recv[i]) + 8) / 2 : x(m.recv[i]);
      const ye = gone ? (y0 + y1) / 2 : y1;
      parts.push(
        `<line class="${cls}" data-msg="${i}" data-type="${esc(type)}"${m.mark[i] & MARK_STALE ? ' data-stale="1"' : ''} x1="${x(m.sent[i])}" y1="${y0}" x2="${x1}" y2="${ye}" stroke="${typeColor(type)}"/>`,
      );
      if (gone) parts.push(`<text class="msg-end" x="${x1 - 3}" y="${ye + 3}">×</text>`);
      if (m.mark[i] & MARK_STALE) {
        stale++;
        // One label per spot: several stale messages read at once would print over each other.
        const near = labels.filter(([lx, ly]) => Math.abs(lx - x1) < 60 && Math.abs(ly - ye) < 8).length;
        labels.push([x1, ye]);
        parts.push(
          `<text class="msg-end" x="${x1 + 3}" y="${ye - 3 - near * 10}">stale ${esc(type)} from ${esc(d.nodes[m.from[i]])}</text>`,
        );
      }
      drawn++;
    }
    parts.push('</svg>');
    this.svgHost.innerHTML = parts.join('');
    const kept =
      m.recv.length === 0
        ? 'no messages kept'
        : `messages are kept one by one from ${fmtMs(d.windowStartMs)} to ${fmtMs(d.windowEndMs)} (stale and long-waited ones over the whole run)`;
    this.note.textContent = `window ${fmtMs(w0)} .. ${fmtMs(w1)}: ${inWindow} messages${drawn < inWindow ? `, ${drawn} drawn (every marked one, 1 in ${keepEvery} of the rest)` : ''}, ${stale} stale. ${kept}.`;
  }
}

/** The whole run's message counts per type (bars per bucket), as one small SVG. */
function histogramSvg(model, width) {
  const h = model.data.histogram,
    types = model.data.messageTypes;
  const buckets = h.counts.length === 0 ? 0 : h.counts[0].length;
  if (buckets === 0) return '<p class="note">no bus messages recorded</p>';
  const totals = new Array(buckets).fill(0);
  for (const row of h.counts)
    row.forEach((c, b) => {
      totals[b] += c;
    });
  const max = Math.max(1, ...totals),
    H = 70,
    barW = (width - LABEL_W - 10) / buckets;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 16}" data-histogram="1"><text class="lane-label" x="4" y="14">msgs / ${esc(fmtMs(h.bucketMs))}</text><text class="lane-label" x="4" y="28">max ${max}</text>`,
  ];
  for (let b = 0; b < buckets; b++) {
    let y = H;
    types.forEach((type, t) => {
      const c = h.counts[t][b];
      if (!c) return;
      const bh = (c / max) * (H - 4);
      y -= bh;
      parts.push(
        `<rect x="${LABEL_W + b * barW}" y="${y}" width="${Math.max(0.5, barW - 0.3)}" height="${bh}" fill="${typeColor(type)}"/>`,
      );
    });
  }
  parts.push(
    `<text class="lane-label" x="${LABEL_W}" y="${H + 13}">${esc(fmtMs(0))}</text><text class="lane-label" x="${width - 80}" y="${H + 13}">${esc(fmtMs(buckets * h.bucketMs))}</text></svg>`,
  );
  // Acked writes over the whole run (one by one they are drawn only where messages are kept).
  const acks = new Array(buckets).fill(0);
  for (const row of model.data.ackHistogram)
    row.forEach((c, b) => {
      if (b < buckets) acks[b] += c;
    });
  const ackMax = Math.max(0, ...acks);
  if (ackMax > 0) {
    const AH = 30;
    parts.push(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${AH + 4}" data-ack-histogram="1"><text class="lane-label" x="4" y="14">acked writes</text><text class="lane-label" x="4" y="28">max ${ackMax}</text>`,
    );
    acks.forEach((c, b) => {
      if (c > 0)
        parts.push(
          `<rect x="${LABEL_W + b * barW}" y="${AH - (c / ackMax) * (AH - 2)}" width="${Math.max(0.5, barW - 0.3)}" height="${(c / ackMax) * (AH - 2)}" fill="#555"/>`,
        );
    });
    parts.push('</svg>');
  }
  return parts.join('');
}
