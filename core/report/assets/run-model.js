/* busfuzz run page, part 1: the model. Turns the embedded record (core/report/record.ts) into
 * per-node spans (process state, role), fault spans, elections, majority failure flags, and a
 * status lookup for any node at any time (the hover). No DOM here. */
'use strict';

const BELIEF_PFAIL = 1,
  BELIEF_FAIL = 2,
  BELIEF_HANDSHAKE = 4,
  BELIEF_PRIMARY = 8,
  BELIEF_UNKNOWN = 16;
const MARK_STALE = 1,
  MARK_DROPPED = 2,
  MARK_LOST = 4,
  MARK_WAITED = 8;
const PROCESS_STATES = ['down', 'starting', 'running', 'paused'];
/** Fault actions that break something; the others are admin actions (marks). */
const FAULT_KINDS = new Set([
  'kill',
  'terminate',
  'restart',
  'pause',
  'resume',
  'partition',
  'latency',
  'drop',
  'hold',
  'release',
  'kill_links',
  'heal',
]);

function nodeNumber(name) {
  return Number(String(name).replace(/^node-/, ''));
}

function buildModel(data) {
  const meta = data.meta;
  // Lanes: every node the record names, in creation order; only nodes that ever ran or were named.
  const used = new Set();
  for (const e of data.events)
    for (const k of ['node', 'voter', 'candidate', 'from', 'to']) if (typeof e[k] === 'string') used.add(e[k]);
  for (let i = 0; i < data.process.length; i += 3) used.add(data.nodes[data.process[i + 1]]);
  for (const name of meta.violation ? meta.violation.nodes : []) used.add(name);
  const lanes = data.nodes.filter((n) => used.has(n)).sort((a, b) => nodeNumber(a) - nodeNumber(b));
  const laneOf = new Map(lanes.map((n, i) => [n, i]));
  const endMs = Math.max(meta.endMs, meta.violation ? meta.violation.timeMs : 0);
  let startMs = 0;
  for (const e of data.events) startMs = Math.min(startMs, e.atMs);

  // Process state per lane: the simulator's own records, else node-down / node-up events.
  const proc = lanes.map(() => []);
  if (data.process.length > 0) {
    for (let i = 0; i < data.process.length; i += 3) {
      const lane = laneOf.get(data.nodes[data.process[i + 1]]);
      if (lane !== undefined) proc[lane].push([data.process[i], PROCESS_STATES[data.process[i + 2]]]);
    }
  } else {
    for (const lane of lanes.keys()) proc[lane].push([startMs, 'running']);
    for (const e of data.events) {
      const lane = laneOf.get(e.node);
      if (lane === undefined) continue;
      if (e.kind === 'node-down') proc[lane].push([e.atMs, e.cause === 'pause' ? 'paused' : 'down']);
      if (e.kind === 'node-up') proc[lane].push([e.atMs, 'running']);
    }
  }
  // Role and epochs per lane, from node-state events.
  const roles = lanes.map(() => []);
  for (const e of data.events) {
    if (e.kind !== 'node-state') continue;
    const lane = laneOf.get(e.node);
    if (lane !== undefined) roles[lane].push(e);
  }
  // Beliefs per observer lane: [t, subject lane, code].
  const beliefs = lanes.map(() => []);
  for (let i = 0; i < data.beliefs.length; i += 4) {
    const o = laneOf.get(data.nodes[data.beliefs[i + 1]]);
    const s = laneOf.get(data.nodes[data.beliefs[i + 2]]);
    if (o !== undefined && s !== undefined) beliefs[o].push([data.beliefs[i], s, data.beliefs[i + 3]]);
  }
  const faults = data.faults.map(([start, end, action, nodes, detail]) => ({
    start,
    end,
    action,
    nodes,
    detail,
    fault: FAULT_KINDS.has(action),
    everyone: nodes.length > 1 && nodes.length >= lanes.length,
  }));
  return {
    data,
    meta,
    lanes,
    laneOf,
    startMs,
    endMs,
    proc,
    roles,
    beliefs,
    faults,
    segments: lanes.map((_, lane) => laneSegments(proc[lane], roles[lane], startMs, endMs)),
    flags: majorityFlags(lanes, beliefs, endMs),
    elections: electionsOf(data, laneOf),
  };
}

/** [start, end, state, label] per lane: down/starting/paused from the process, else the role. */
function laneSegments(proc, roles, startMs, endMs) {
  const cuts = [];
  for (const [t, state] of proc) cuts.push([t, 'p', state]);
  for (const e of roles) cuts.push([e.atMs, 'r', e]);
  cuts.sort((a, b) => a[0] - b[0]);
  const out = [];
  let state = proc.length > 0 ? 'down' : 'running';
  let role = null;
  let at = startMs;
  const current = () => (state === 'running' ? (role === null ? 'starting' : role.role) : state);
  const label = () =>
    state === 'running' && role !== null
      ? `${role.role === 'primary' ? 'P' : 'R'} e${role.configEpoch}${role.role === 'primary' ? ` ${role.slotCount} slots` : role.primary ? ` of ${role.primary}` : ''}`
      : state;
  for (const [t, kind, value] of cuts) {
    if (t > at) out.push([at, t, current(), label(), role]);
    at = Math.max(at, t);
    // A restarted node keeps its last reported role until a node-state event says otherwise: the
    // simulator reports only changes, and a node that reloads nodes.conf comes back as it was.
    if (kind === 'p') state = value;
    else role = value;
  }
  if (endMs > at) out.push([at, endMs, current(), label(), role]);
  // Merge neighbours in the same state and label (a node-state event that changed nothing drawn).
  const merged = [];
  for (const s of out) {
    const last = merged[merged.length - 1];
    if (last && last[2] === s[2] && last[3] === s[3] && last[1] === s[0]) last[1] = s[1];
    else merged.push(s.slice());
  }
  return merged;
}

/**
 * Per subject lane: spans where a majority of the other running nodes flag it PFAIL (or FAIL).
 * [start, end, 'pfail' | 'fail'].
 */
function majorityFlags(lanes, beliefs, endMs) {
  const n = lanes.length;
  const changes = [];
  beliefs.forEach((rows, observer) => {
    for (const [t, subject, code] of rows) changes.push([t, observer, subject, code]);
  });
  changes.sort((a, b) => a[0] - b[0]);
  const code = new Map();
  const out = lanes.map(() => []);
  const open = lanes.map(() => null);
  const level = (subject) => {
    let pf = 0,
      fail = 0;
    for (let o = 0; o < n; o++) {
      if (o === subject) continue;
      const c = code.get(o * 4096 + subject) || 0;
      if (c & BELIEF_FAIL) fail++;
      else if (c & BELIEF_PFAIL) pf++;
    }
    const majority = Math.floor((n - 1) / 2) + 1;
    return fail >= majority ? 'fail' : fail + pf >= majority ? 'pfail' : null;
  };
  for (const [t, observer, subject, c] of changes) {
    code.set(observer * 4096 + subject, c);
    const now = level(subject);
    const was = open[subject];
    if ((was ? was[2] : was) === now) continue;
    if (was) {
      was[1] = t;
      out[subject].push(was);
    }
    open[subject] = now ? [t, endMs, now] : null;
  }
  open.forEach((span, subject) => {
    if (span) out[subject].push(span);
  });
  return out;
}

/** Elections by (candidate, epoch): the first vote (the request, when no auth-req was kept), votes, win. */
function electionsOf(data, laneOf) {
  const byKey = new Map();
  const get = (node, epoch) => {
    const key = `${node}/${epoch}`;
    if (!byKey.has(key)) byKey.set(key, { node, epoch, requestMs: null, votes: [], wonMs: null, consensus: true });
    return byKey.get(key);
  };
  for (const e of data.events) {
    if (e.kind === 'vote-granted' && laneOf.has(e.candidate)) {
      const el = get(e.candidate, e.epoch);
      el.votes.push([e.atMs, e.voter]);
      if (el.requestMs === null || e.atMs < el.requestMs) el.requestMs = e.atMs;
    }
    if (e.kind === 'election-won' && laneOf.has(e.node)) {
      const el = get(e.node, e.epoch);
      el.wonMs = e.atMs;
      el.consensus = e.consensus;
    }
  }
  // The request: the candidate's first auth-req of the election, when the message window has it.
  const m = data.messages;
  const authReq = data.messageTypes.indexOf('auth-req');
  for (const el of byKey.values()) {
    const from = data.nodes.indexOf(el.node);
    const limit = el.wonMs !== null ? el.wonMs : el.votes.length > 0 ? el.votes[0][0] : Infinity;
    for (let i = 0; i < m.sent.length; i++) {
      if (m.from[i] === from && m.type[i] === authReq && m.sent[i] <= limit && m.sent[i] >= limit - 5000) {
        if (el.requestMs === null || m.sent[i] < el.requestMs) el.requestMs = m.sent[i];
      }
    }
    if (el.requestMs === null) el.requestMs = el.wonMs;
  }
  return [...byKey.values()];
}

/** The last entry of a time-sorted list at or before t (entries [t, ...] or objects with atMs). */
function lastBefore(rows, t, timeOf) {
  let found = null;
  for (const row of rows) {
    if (timeOf(row) > t) break;
    found = row;
  }
  return found;
}

function beliefWords(code) {
  if (code & BELIEF_UNKNOWN) return 'unknown';
  const words = [code & BELIEF_PRIMARY ? 'primary' : 'replica'];
  if (code & BELIEF_FAIL) words.push('FAIL');
  else if (code & BELIEF_PFAIL) words.push('PFAIL');
  if (code & BELIEF_HANDSHAKE) words.push('handshake');
  return words.join(' ');
}

/** Lines describing lane `lane` at time t: process, role, epochs, slots, and what it believes of each peer. */
function statusAt(model, lane, t) {
  const name = model.lanes[lane];
  const p = lastBefore(model.proc[lane], t, (r) => r[0]);
  const r = lastBefore(model.roles[lane], t, (e) => e.atMs);
  const lines = [`${name} at ${fmtMs(t)}`, `process   ${p ? p[1] : 'running'}`];
  if (r) {
    lines.push(`role      ${r.role}${r.primary ? ` of ${r.primary}` : ''}`);
    lines.push(`epochs    current ${r.currentEpoch}, config ${r.configEpoch}`);
    lines.push(`slots     ${r.slotCount}`);
  }
  const seen = new Map();
  for (const [bt, subject, code] of model.beliefs[lane]) {
    if (bt > t) break;
    seen.set(subject, code);
  }
  if (seen.size > 0) {
    lines.push('believes:');
    const rows = [...seen.entries()].sort((a, b) => a[0] - b[0]);
    for (const [subject, code] of rows) lines.push(`  ${model.lanes[subject].padEnd(8)} ${beliefWords(code)}`);
  }
  return lines.join('\n');
}

function fmtMs(ms) {
  const abs = Math.abs(ms);
  if (abs >= 10000) return `${(ms / 1000).toFixed(2)} s`;
  if (abs >= 1000) return `${(ms / 1000).toFixed(3)} s`;
  return `${Math.round(ms * 100) / 100} ms`;
}

/** The message window the page opens on: the record's focus (core/report/record.ts, focusOf). */
function defaultWindow(model) {
  const f = model.data.focus;
  return [Math.max(model.startMs, f[0]), Math.min(model.endMs, f[1])];
}
