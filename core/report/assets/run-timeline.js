/* busfuzz run page, part 2: the timeline. One SVG lane per node (`data-node`), drawn for the
 * visible time range only, so zooming into a long run stays fast. Wheel zooms, drag pans,
 * shift-drag picks the message window, hovering a lane shows that node's status then. */
'use strict';

const LABEL_W = 92,
  LANE_H = 24,
  LANE_GAP = 5,
  TOP_H = 34,
  AXIS_H = 20,
  NET_H = 16;

function esc(text) {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

function niceStep(spanMs, pixels) {
  const target = spanMs / Math.max(1, pixels / 90);
  const pow = 10 ** Math.floor(Math.log10(Math.max(target, 1e-3)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= target) return m * pow;
  return 10 * pow;
}

function axisSvg(x, v0, v1, width, y, height) {
  const step = niceStep(v1 - v0, width - LABEL_W);
  let out = '<g class="axis">';
  for (let t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
    const px = x(t);
    out += `<line x1="${px}" x2="${px}" y1="${y}" y2="${y + height}"/><text x="${px + 2}" y="${y + 11}">${esc(fmtMs(t))}</text>`;
  }
  return `${out}</g>`;
}

class Timeline {
  constructor(host, model, onWindow) {
    this.host = host;
    this.model = model;
    this.onWindow = onWindow;
    this.view = [model.startMs, model.endMs];
    this.window = defaultWindow(model);
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'tooltip';
    host.appendChild(this.tooltip);
    this.svgHost = document.createElement('div');
    host.appendChild(this.svgHost);
    this.bind();
  }

  width() {
    return Math.max(600, this.host.clientWidth || 1200);
  }
  laneY(lane) {
    return TOP_H + NET_H + lane * (LANE_H + LANE_GAP);
  }
  height() {
    return this.laneY(this.model.lanes.length) + AXIS_H;
  }
  xOf() {
    const [v0, v1] = this.view;
    const w = this.width() - LABEL_W - 8;
    return (t) => Math.round((LABEL_W + ((t - v0) / (v1 - v0)) * w) * 10) / 10;
  }

  render() {
    const m = this.model,
      [v0, v1] = this.view,
      W = this.width(),
      H = this.height(),
      x = this.xOf();
    const clipX = (t) => Math.max(LABEL_W, Math.min(W - 8, x(t)));
    const visible = (a, b) => b >= v0 && a <= v1;
    const parts = [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" data-timeline="1">`,
      '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f7d08a"/><line x1="0" y1="0" x2="0" y2="6" stroke="#e08a00" stroke-width="3"/></pattern>',
      '<marker id="arrow" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="5" markerHeight="5" orient="auto-start-reverse"><path d="M0,0L6,3L0,6z" fill="#1e8e3e"/></marker></defs>',
    ];
    parts.push(axisSvg(x, v0, v1, W, 0, H));
    // Network-wide faults (every node named) in their own row at the top.
    parts.push(`<text class="lane-label" x="4" y="${TOP_H + 11}">network</text>`);
    for (const f of m.faults) {
      if (!f.everyone || !visible(f.start, f.end < 0 ? f.start : f.end)) continue;
      const x0 = clipX(f.start),
        x1 = f.end < 0 ? x0 + 3 : Math.max(x0 + 3, clipX(f.end));
      parts.push(
        `<rect class="fault fault-net" data-fault="${esc(f.action)}" data-targets="all" x="${x0}" y="${TOP_H}" width="${x1 - x0}" height="${NET_H - 2}"><title>${esc(`${f.action} ${fmtMs(f.start)}${f.end >= 0 ? `..${fmtMs(f.end)}` : ''} ${f.detail}`)}</title></rect>`,
      );
      if (x1 - x0 > 40) parts.push(`<text class="fault-label" x="${x0 + 2}" y="${TOP_H + 10}">${esc(f.action)}</text>`);
    }
    const violating = new Set(m.meta.violation ? m.meta.violation.nodes : []);
    m.lanes.forEach((name, lane) => {
      parts.push(this.laneSvg(name, lane, x, clipX, visible, violating.has(name)));
    });
    parts.push(this.electionSvg(x, visible));
    const v = m.meta.violation;
    if (v && visible(v.timeMs, v.timeMs)) {
      const px = x(v.timeMs);
      parts.push(
        `<g data-violation="${esc(v.invariant)}"><line class="violation-line" x1="${px}" x2="${px}" y1="${TOP_H - 6}" y2="${H - AXIS_H}"/><text class="violation-label" x="${Math.min(px + 4, W - 260)}" y="${TOP_H - 10}">violation: ${esc(v.invariant)} at ${esc(fmtMs(v.timeMs))}</text></g>`,
      );
    }
    const [w0, w1] = this.window;
    if (visible(w0, w1))
      parts.push(
        `<rect class="window-rect" data-window="1" x="${clipX(w0)}" y="${TOP_H}" width="${Math.max(2, clipX(w1) - clipX(w0))}" height="${H - TOP_H - AXIS_H}"/>`,
      );
    parts.push(axisSvg(x, v0, v1, W, H - AXIS_H, 0));
    parts.push('</svg>');
    this.svgHost.innerHTML = parts.join('');
  }

  laneSvg(name, lane, x, clipX, visible, violating) {
    const m = this.model,
      y = this.laneY(lane),
      out = [`<g data-node="${esc(name)}" data-lane="${lane}">`];
    out.push(`<text class="lane-label${violating ? ' violating' : ''}" x="4" y="${y + 15}">${esc(name)}</text>`);
    out.push(
      `<rect class="lane-bg" data-hover="${esc(name)}" x="${LABEL_W}" y="${y - 2}" width="${this.width() - LABEL_W - 8}" height="${LANE_H}"/>`,
    );
    let lastLabelEnd = -1;
    for (const [a, b, state, label] of m.segments[lane]) {
      if (!visible(a, b)) continue;
      const x0 = clipX(a),
        x1 = clipX(b);
      if (x1 - x0 < 0.2) continue;
      // A violating node's time as primary is outlined: with two of them, the second primary shows.
      const flagged = violating && state === 'primary' ? ' violating-primary" data-violating-primary="1' : '';
      out.push(
        `<rect class="st-${state}${flagged}" data-state="${state}" x="${x0}" y="${y}" width="${x1 - x0}" height="${LANE_H - 6}"><title>${esc(`${name} ${label} ${fmtMs(a)}..${fmtMs(b)}`)}</title></rect>`,
      );
      if (x1 - x0 > 46 && x0 > lastLabelEnd) {
        out.push(
          `<text class="epoch${state === 'replica' || state === 'starting' ? ' dark' : ''}" x="${x0 + 3}" y="${y + 12}">${esc(label)}</text>`,
        );
        lastLabelEnd = x0 + label.length * 5.5;
      }
    }
    for (const [a, b, level] of m.flags[lane]) {
      if (!visible(a, b)) continue;
      out.push(
        `<rect class="fl-${level}" data-flag="${level}" x="${clipX(a)}" y="${y + LANE_H - 5}" width="${Math.max(1, clipX(b) - clipX(a))}" height="4"><title>${esc(`a majority sees ${name} ${level.toUpperCase()} ${fmtMs(a)}..${fmtMs(b)}`)}</title></rect>`,
      );
    }
    for (const f of m.faults) {
      if (f.everyone || !f.nodes.includes(name) || !visible(f.start, f.end < 0 ? f.start : f.end)) continue;
      const x0 = clipX(f.start);
      if (!f.fault) {
        out.push(
          `<path class="admin" data-admin="${esc(f.action)}" d="M${x0},${y - 2}l4,5l-4,5l-4,-5z"><title>${esc(`${f.action} ${fmtMs(f.start)} ${f.detail}`)}</title></path>`,
        );
        continue;
      }
      const x1 = f.end < 0 ? x0 + 3 : Math.max(x0 + 3, clipX(f.end));
      out.push(
        `<rect class="fault" data-fault="${esc(f.action)}" data-targets="${esc(f.nodes.join(' '))}" x="${x0}" y="${y - 2}" width="${x1 - x0}" height="${LANE_H - 2}"><title>${esc(`${f.action} ${f.nodes.join(',')} ${fmtMs(f.start)}${f.end >= 0 ? `..${fmtMs(f.end)}` : ''} ${f.detail}`)}</title></rect>`,
      );
      if (x1 - x0 > 30) out.push(`<text class="fault-label" x="${x0 + 2}" y="${y + 19}">${esc(f.action)}</text>`);
    }
    // Acked writes (kept inside the message window), lost writes, stale messages received.
    const d = m.data,
      nodeIdx = d.nodes.indexOf(name);
    for (let i = 0; i < d.acks.length; i += 4) {
      if (d.acks[i + 1] !== nodeIdx || !visible(d.acks[i], d.acks[i])) continue;
      const px = x(d.acks[i]);
      out.push(`<line class="ack" data-ack="1" x1="${px}" x2="${px}" y1="${y + LANE_H - 9}" y2="${y + LANE_H - 5}"/>`);
    }
    for (const [t, node, key, seq] of d.lostWrites) {
      if (node !== name || !visible(t, t)) continue;
      out.push(
        `<circle class="lost-write" data-lost-write="${esc(key)}" cx="${x(t)}" cy="${y + LANE_H - 7}" r="3"><title>${esc(`lost write: ${key} seq ${seq}, acked ${fmtMs(t)} on ${node}`)}</title></circle>`,
      );
    }
    const msg = d.messages;
    for (let i = 0; i < msg.recv.length; i++) {
      if (!(msg.mark[i] & MARK_STALE) || msg.to[i] !== nodeIdx || !visible(msg.recv[i], msg.recv[i])) continue;
      const px = x(msg.recv[i]);
      out.push(
        `<path class="stale-mark" data-stale="${esc(d.messageTypes[msg.type[i]])}" d="M${px},${y - 4}l5,9h-10z"><title>${esc(`stale ${d.messageTypes[msg.type[i]]} from ${d.nodes[msg.from[i]]}, sent ${fmtMs(msg.sent[i])}, read ${fmtMs(msg.recv[i])}: claims ${claimWords(msg.claim[i])}`)}</title></path>`,
      );
    }
    out.push('</g>');
    return out.join('');
  }

  electionSvg(x, visible) {
    const m = this.model,
      out = ['<g data-layer="elections">'];
    for (const el of m.elections) {
      const lane = m.laneOf.get(el.node);
      const y = this.laneY(lane) + (LANE_H - 6) / 2;
      const end = el.wonMs !== null ? el.wonMs : Math.max(...el.votes.map((v) => v[0]), el.requestMs);
      if (!visible(el.requestMs, end)) continue;
      out.push(`<g data-election="${esc(`${el.node}/e${el.epoch}`)}">`);
      out.push(
        `<line class="election-bar" x1="${x(el.requestMs)}" x2="${Math.max(x(el.requestMs) + 2, x(end))}" y1="${y - 10}" y2="${y - 10}"><title>${esc(`${el.node} asks for votes (epoch ${el.epoch}) at ${fmtMs(el.requestMs)}`)}</title></line>`,
      );
      for (const [t, voter] of el.votes) {
        const vl = m.laneOf.get(voter);
        if (vl === undefined) continue;
        out.push(
          `<line class="vote" data-vote="${esc(voter)}" x1="${x(t)}" y1="${this.laneY(vl) + 9}" x2="${x(t)}" y2="${y + (vl < lane ? -8 : 8)}"><title>${esc(`${voter} votes for ${el.node} (epoch ${el.epoch}) at ${fmtMs(t)}`)}</title></line>`,
        );
      }
      if (el.wonMs !== null) {
        const px = x(el.wonMs);
        out.push(
          `<path class="election-won" data-won="${esc(el.node)}" d="M${px},${y - 7}l2.4,4.8l5.2,.8l-3.8,3.7l.9,5.2l-4.7,-2.5l-4.7,2.5l.9,-5.2l-3.8,-3.7l5.2,-.8z"><title>${esc(`${el.node} wins epoch ${el.epoch}${el.consensus ? '' : ' (no vote: takeover or bump)'} at ${fmtMs(el.wonMs)}`)}</title></path>`,
        );
      }
      out.push('</g>');
    }
    out.push('</g>');
    return out.join('');
  }

  timeAt(clientX) {
    const rect = this.svgHost.getBoundingClientRect();
    const [v0, v1] = this.view,
      w = this.width() - LABEL_W - 8;
    return v0 + ((clientX - rect.left - LABEL_W) / w) * (v1 - v0);
  }

  zoom(factor, aroundMs) {
    const [v0, v1] = this.view;
    const span = Math.max(5, Math.min(this.model.endMs - this.model.startMs, (v1 - v0) * factor));
    const ratio = (aroundMs - v0) / (v1 - v0);
    this.setView(aroundMs - ratio * span, aroundMs - ratio * span + span);
  }

  setView(a, b) {
    const lo = this.model.startMs,
      hi = this.model.endMs,
      span = b - a;
    if (a < lo) {
      a = lo;
      b = lo + span;
    }
    if (b > hi) {
      b = hi;
      a = Math.max(lo, hi - span);
    }
    this.view = [a, b];
    this.render();
  }

  bind() {
    const host = this.svgHost;
    host.addEventListener(
      'wheel',
      (ev) => {
        ev.preventDefault();
        this.zoom(ev.deltaY > 0 ? 1.25 : 0.8, this.timeAt(ev.clientX));
      },
      { passive: false },
    );
    let drag = null;
    host.addEventListener('mousedown', (ev) => {
      drag = { x: ev.clientX, view: this.view.slice(), shift: ev.shiftKey, t0: this.timeAt(ev.clientX) };
    });
    window.addEventListener('mouseup', (ev) => {
      if (drag?.shift && Math.abs(ev.clientX - drag.x) > 3) {
        const t1 = this.timeAt(ev.clientX);
        this.setWindow(Math.min(drag.t0, t1), Math.max(drag.t0, t1));
      }
      drag = null;
    });
    host.addEventListener('mousemove', (ev) => {
      if (drag && !drag.shift && Math.abs(ev.clientX - drag.x) > 2) {
        const [v0, v1] = drag.view,
          w = this.width() - LABEL_W - 8;
        const shift = ((drag.x - ev.clientX) / w) * (v1 - v0);
        this.setView(v0 + shift, v1 + shift);
        return;
      }
      const target = ev.target.closest ? ev.target.closest('g[data-node]') : null;
      if (!target) {
        this.tooltip.style.display = 'none';
        return;
      }
      const lane = Number(target.getAttribute('data-lane'));
      const t = this.timeAt(ev.clientX);
      this.tooltip.textContent = statusAt(this.model, lane, t);
      const hostRect = this.host.getBoundingClientRect();
      this.tooltip.style.display = 'block';
      const left = ev.clientX - hostRect.left + 14;
      this.tooltip.style.left = `${Math.min(left, hostRect.width - 330)}px`;
      this.tooltip.style.top = `${ev.clientY - hostRect.top + 12}px`;
    });
    host.addEventListener('mouseleave', () => {
      this.tooltip.style.display = 'none';
    });
  }

  setWindow(a, b) {
    this.window = [a, b];
    this.render();
    this.onWindow(a, b);
  }
}

function claimWords(claim) {
  if (claim < 0) return 'unknown';
  return `${claim % 2 === 1 ? 'primary' : 'replica'}, configEpoch ${Math.floor(claim / 2)}`;
}
