/**
 * A run's event record: what the HTML report draws (core/report/), kept only when a report is
 * asked for. Both backends feed one RecordBuilder: the simulator from its trace and network
 * (sim/recorder.ts), the real backend from its events, polls and the proxy's frame parser.
 *
 * The record stays small whatever the run's length (a 10M-step run's page must stay under 5 MB):
 * - events other than acks are few (node-state changes, faults, votes) and are kept whole;
 * - bus messages are kept one by one only for the last MESSAGE_RING of them (the window a person
 *   zooms into before the violation); every message also counts in a per-type histogram;
 * - acknowledged writes are kept one by one inside the message window and as per-node counts
 *   outside it; a write the final read-back did not find (a lost write) is always kept;
 * - beliefs (what a node thinks of a peer: flags and role) are kept as changes only.
 */
import type { ObservedEvent } from '../events.ts';

export const RUN_RECORD_FORMAT = 'busfuzz-run/1';

/** Bus messages held while recording (the newest); older ones survive as histogram counts. */
export const MESSAGE_RING = 262_144;
/** Of those, how many the page gets one by one: the ones nearest the focus (see focusOf). */
export const MESSAGE_KEEP = 30_000;
/** Stale or long-waited messages kept beyond the ring. */
const NOTABLE_MESSAGES = 5_000;
/** Histogram resolution while recording; coarsened to at most HISTOGRAM_BUCKETS at the end. */
const FINE_BUCKET_MS = 100;
const HISTOGRAM_BUCKETS = 600;

/** Message marks (bits). */
export const MARK_STALE = 1;
export const MARK_DROPPED = 2;
export const MARK_LOST = 4;
export const MARK_WAITED = 8;
export const MARK_REPLICATION = 16;

/** Belief code bits: how `observer` sees `subject` in its own node table. */
export const BELIEF_PFAIL = 1;
export const BELIEF_FAIL = 2;
export const BELIEF_HANDSHAKE = 4;
export const BELIEF_PRIMARY = 8;
/** Not in the observer's table at all (forgotten, never met). */
export const BELIEF_UNKNOWN = 16;

/** Process states as lanes draw them. */
export const PROCESS_STATES = ['down', 'starting', 'running', 'paused'] as const;
export type ProcessStateName = (typeof PROCESS_STATES)[number];

/** What the page needs besides the record: who ran what, and how it ended. */
export interface RunMeta {
  scenarioId: string;
  backend: 'sim' | 'real';
  server: { binary: string; version: string } | null;
  seed: number;
  verdict: string;
  steps: number;
  endMs: number;
  violation: {
    invariant: string;
    message: string;
    step: number;
    timeMs: number;
    nodes: string[];
    fingerprint: string;
  } | null;
  replay: string | null;
  confirmation: string | null;
  nodeTimeoutMs: number;
  nodeStatus: string[];
  traceHash: string;
}

/** The JSON document (`run.json`): compact columns, node names as indices into `nodes`. */
export interface RunRecordDoc {
  format: typeof RUN_RECORD_FORMAT;
  meta: RunMeta;
  nodes: string[];
  /** Every event but write-acked, as the backends reported it. */
  events: ObservedEvent[];
  /** [t, node, state index in PROCESS_STATES] ... flattened. */
  process: number[];
  /** Fault spans: [start, end (-1: instantaneous or never healed), action, nodes, detail]. */
  faults: Array<[number, number, string, string[], string]>;
  /** Belief changes: [t, observer, subject, code] ... flattened. */
  beliefs: number[];
  messageTypes: string[];
  /** Where the ring of messages kept one by one begins (before it: only stale and waited ones). */
  windowStartMs: number;
  windowEndMs: number;
  /** The message window the page opens on: [from, to] ms (focusOf). */
  focus: [number, number];
  /** The messages kept one by one: parallel columns, by delivery time. */
  messages: {
    sent: number[];
    recv: number[];
    from: number[];
    to: number[];
    type: number[];
    mark: number[];
    claim: number[];
  };
  /** Per-type message counts over the whole run. */
  histogram: { bucketMs: number; counts: number[][] };
  /** Acked writes inside the message window: [t, node, seq] flattened, keys in ackKeys. */
  acks: number[];
  ackKeys: string[];
  /** Acked writes per node per histogram bucket over the whole run. */
  ackHistogram: number[][];
  /** Acked writes the final read-back did not find: [t, node, key, seq]. */
  lostWrites: Array<[number, string, string, number]>;
}

class Grow {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
  at(index: number): number {
    return this.data[index]!;
  }
}

export class RecordBuilder {
  private readonly nodeIndex = new Map<string, number>();
  private readonly nodes: string[] = [];
  private readonly events: ObservedEvent[] = [];
  private readonly processRows: number[] = [];
  private readonly faults: Array<[number, number, string, string[], string]> = [];
  private readonly openFaults = new Map<number, number>();
  private pendingFault: { index: number; atMs: number } | null = null;
  private readonly beliefRows: number[] = [];
  private readonly lastBelief = new Map<number, number>();
  private readonly typeIndex = new Map<string, number>();
  private readonly typeNames: string[] = [];
  private readonly histogram: Int32Array[] = [];
  private readonly ackHistogram: Int32Array[] = [];
  // The message ring: parallel columns, `next` is the slot written next.
  private readonly sent = new Float64Array(MESSAGE_RING);
  private readonly recv = new Float64Array(MESSAGE_RING);
  private readonly from = new Int16Array(MESSAGE_RING);
  private readonly to = new Int16Array(MESSAGE_RING);
  private readonly type = new Uint8Array(MESSAGE_RING);
  private readonly mark = new Uint8Array(MESSAGE_RING);
  private readonly claim = new Float64Array(MESSAGE_RING);
  private next = 0;
  private count = 0;
  /** Stale and waited messages, kept even when the ring has moved past them (the story's clues). */
  private readonly notable: number[][] = [];
  // Every ack (needed to tell lost writes at the end): time, node, key index, seq.
  private readonly ackT = new Grow();
  private readonly ackNode = new Grow();
  private readonly ackKey = new Grow();
  private readonly ackSeq = new Grow();
  private readonly keyIndex = new Map<string, number>();
  private readonly keys: string[] = [];

  node(name: string): number {
    let index = this.nodeIndex.get(name);
    if (index === undefined) {
      index = this.nodes.length;
      this.nodeIndex.set(name, index);
      this.nodes.push(name);
    }
    return index;
  }

  event(event: ObservedEvent): void {
    if (event.kind === 'write-acked') {
      this.ack(event.atMs, event.node, event.key, event.seq);
      return;
    }
    this.events.push(event);
    if ('node' in event) this.node(event.node);
    if (event.kind === 'fault') {
      const pending = this.pendingFault;
      const span = pending === null ? null : this.faults[pending.index]!;
      // The plan phase comes first; the fault event it caused (same action) names the targets. The
      // simulator emits it in the same instant, the real backend a few ms later.
      if (span !== null && span !== undefined && span[2] === event.action && span[3].length === 0) {
        span[3] = [...event.nodes];
        span[4] = event.detail;
        this.pendingFault = null;
      } else {
        // A fault the plan did not announce (an end's restart or resume, a wait's verdict): a mark.
        this.faults.push([event.atMs, -1, event.action, [...event.nodes], event.detail]);
      }
    }
  }

  /** A write acknowledged (the simulator passes its reused ack object's fields). */
  ack(atMs: number, node: string, key: string, seq: number): void {
    let keyIndex = this.keyIndex.get(key);
    if (keyIndex === undefined) {
      keyIndex = this.keys.length;
      this.keyIndex.set(key, keyIndex);
      this.keys.push(key);
    }
    const nodeIndex = this.node(node);
    this.ackT.push(atMs);
    this.ackNode.push(nodeIndex);
    this.ackKey.push(keyIndex);
    this.ackSeq.push(seq);
    this.bump(this.ackHistogram, nodeIndex, atMs);
  }

  /** A plan phase begins (phase 0) or ends (1) a fault span. */
  plan(atMs: number, faultId: number, phase: number, action: string): void {
    if (phase === 0) {
      this.faults.push([atMs, -1, action, [], '']);
      this.openFaults.set(faultId, this.faults.length - 1);
      this.pendingFault = { index: this.faults.length - 1, atMs };
      return;
    }
    const index = this.openFaults.get(faultId);
    if (index === undefined) return;
    this.faults[index]![1] = atMs;
    this.openFaults.delete(faultId);
  }

  process(atMs: number, node: string, state: ProcessStateName): void {
    this.processRows.push(atMs, this.node(node), PROCESS_STATES.indexOf(state));
  }

  /** How `observer` sees `subject` now; kept when it changed. */
  belief(atMs: number, observer: number, subject: number, code: number): void {
    const key = observer * 65_536 + subject;
    if (this.lastBelief.get(key) === code) return;
    if (this.lastBelief.get(key) === undefined && code === BELIEF_UNKNOWN) return;
    this.lastBelief.set(key, code);
    this.beliefRows.push(atMs, observer, subject, code);
  }

  messageType(name: string): number {
    let index = this.typeIndex.get(name);
    if (index === undefined) {
      index = this.typeNames.length;
      this.typeIndex.set(name, index);
      this.typeNames.push(name);
    }
    return index;
  }

  /**
   * A bus message: sent at `sentMs`, delivered at `recvMs` (or dropped/lost there, per `mark`).
   * `claim`: role (1 primary, 0 replica) + 2 * configEpoch the message claimed, -1 unknown.
   */
  message(sentMs: number, recvMs: number, from: number, to: number, type: number, mark: number, claim: number): void {
    const slot = this.next;
    this.sent[slot] = sentMs;
    this.recv[slot] = recvMs;
    this.from[slot] = from;
    this.to[slot] = to;
    this.type[slot] = type;
    this.mark[slot] = mark;
    this.claim[slot] = claim;
    if ((mark & (MARK_STALE | MARK_WAITED)) !== 0 && this.notable.length < NOTABLE_MESSAGES)
      this.notable.push([sentMs, recvMs, from, to, type, mark, claim]);
    this.next = (slot + 1) % MESSAGE_RING;
    if (this.count < MESSAGE_RING) this.count++;
    this.bump(this.histogram, type, recvMs);
  }

  private bump(table: Int32Array[], row: number, atMs: number): void {
    while (table.length <= row) table.push(new Int32Array(64));
    const bucket = Math.max(0, Math.floor(atMs / FINE_BUCKET_MS));
    let counts = table[row]!;
    if (bucket >= counts.length) {
      let size = counts.length;
      while (size <= bucket) size *= 2;
      const grown = new Int32Array(size);
      grown.set(counts);
      counts = grown;
      table[row] = counts;
    }
    counts[bucket]!++;
  }

  finish(meta: RunMeta): RunRecordDoc {
    for (const name of meta.violation?.nodes ?? []) this.node(name);
    const order = Array.from(
      { length: this.count },
      (_, i) => (this.next - this.count + i + MESSAGE_RING) % MESSAGE_RING,
    );
    const factor = Math.max(1, Math.ceil(Math.max(1, meta.endMs) / FINE_BUCKET_MS / HISTOGRAM_BUCKETS));
    const buckets = Math.ceil(Math.max(1, meta.endMs) / FINE_BUCKET_MS / factor) + 1;
    const coarsen = (table: Int32Array[], rows: number) =>
      Array.from({ length: rows }, (_, row) => {
        const out = new Array<number>(buckets).fill(0);
        const counts = table[row];
        if (counts !== undefined)
          for (let b = 0; b < counts.length; b++)
            if (counts[b]! > 0) out[Math.min(buckets - 1, Math.floor(b / factor))]! += counts[b]!;
        return out;
      });
    const messages = {
      sent: [] as number[],
      recv: [] as number[],
      from: [] as number[],
      to: [] as number[],
      type: [] as number[],
      mark: [] as number[],
      claim: [] as number[],
    };
    const add = (row: number[]) => {
      messages.sent.push(round(row[0]!));
      messages.recv.push(round(row[1]!));
      messages.from.push(row[2]!);
      messages.to.push(row[3]!);
      messages.type.push(row[4]!);
      messages.mark.push(row[5]!);
      messages.claim.push(row[6]!);
    };
    const focus = focusOf(meta, this.events);
    // The kept stretch: MESSAGE_KEEP messages of the ring centred on the focus.
    let centre = order.findIndex((slot) => this.recv[slot]! >= (focus[0] + focus[1]) / 2);
    if (centre < 0) centre = order.length;
    const first = Math.max(0, Math.min(centre - MESSAGE_KEEP / 2, order.length - MESSAGE_KEEP));
    const kept = order.slice(first, first + MESSAGE_KEEP);
    const ringStart = kept.length === 0 ? Number.POSITIVE_INFINITY : this.recv[kept[0]!]!;
    const ringEnd = kept.length === 0 ? Number.NEGATIVE_INFINITY : this.recv[kept[kept.length - 1]!]!;
    const isKept = (recv: number) => recv >= ringStart && recv <= ringEnd;
    for (const row of this.notable) if (row[1]! < ringStart) add(row);
    for (const slot of kept)
      add([
        this.sent[slot]!,
        this.recv[slot]!,
        this.from[slot]!,
        this.to[slot]!,
        this.type[slot]!,
        this.mark[slot]!,
        this.claim[slot]!,
      ]);
    const acks: number[] = [];
    const ackKeys: string[] = [];
    const ackKeyIndex = new Map<number, number>();
    const lateNotable = this.notable.filter((row) => row[1]! > ringEnd);
    for (const row of lateNotable) add(row);
    for (let i = 0; i < this.ackT.length; i++) {
      if (!isKept(this.ackT.at(i))) continue;
      const key = this.ackKey.at(i);
      let local = ackKeyIndex.get(key);
      if (local === undefined) {
        local = ackKeys.length;
        ackKeyIndex.set(key, local);
        ackKeys.push(this.keys[key]!);
      }
      acks.push(round(this.ackT.at(i)), this.ackNode.at(i), local, this.ackSeq.at(i));
    }
    return {
      format: RUN_RECORD_FORMAT,
      meta,
      nodes: [...this.nodes],
      events: this.events,
      process: this.processRows.map(round),
      faults: this.faults,
      beliefs: this.beliefRows.map(round),
      messageTypes: [...this.typeNames],
      messages,
      windowStartMs: ringStart === Number.POSITIVE_INFINITY ? meta.endMs : ringStart,
      windowEndMs: ringEnd === Number.NEGATIVE_INFINITY ? meta.endMs : ringEnd,
      focus,
      histogram: { bucketMs: FINE_BUCKET_MS * factor, counts: coarsen(this.histogram, this.typeNames.length) },
      acks,
      ackKeys,
      ackHistogram: coarsen(this.ackHistogram, this.nodes.length),
      lostWrites: this.lostWrites(),
    };
  }

  /**
   * Acked writes that the final read-back of their key did not hold: newer than the value read
   * and not in its history (core/events.ts, read-back). Keys never read back are not judged.
   */
  private lostWrites(): Array<[number, string, string, number]> {
    const held = new Map<number, { seq: number | null; history: Set<number> | null; oldest: number }>();
    for (const event of this.events) {
      if (event.kind !== 'read-back') continue;
      const key = this.keyIndex.get(event.key);
      if (key !== undefined) {
        const history = event.history === undefined ? null : new Set(event.history);
        held.set(key, {
          seq: event.seq,
          history,
          oldest: event.history === undefined ? 0 : Math.min(...event.history),
        });
      }
    }
    const lost: Array<[number, string, string, number]> = [];
    if (held.size === 0) return lost;
    for (let i = 0; i < this.ackT.length; i++) {
      const read = held.get(this.ackKey.at(i));
      if (read === undefined) continue;
      const seq = this.ackSeq.at(i);
      const kept =
        read.history !== null ? read.history.has(seq) || seq < read.oldest : read.seq !== null && seq <= read.seq;
      if (!kept)
        lost.push([round(this.ackT.at(i)), this.nodes[this.ackNode.at(i)]!, this.keys[this.ackKey.at(i)]!, seq]);
      if (lost.length >= 5000) break;
    }
    return lost;
  }
}

/** Times to 0.01 ms: enough to order a spacetime diagram, fewer digits in the JSON. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * The stretch of the run a person looks at first: the seconds before the violation, or, when a
 * violating node's own state last changed well before it (a convergence check finds a broken
 * state late), the seconds around that change. A run without a violation: its last seconds.
 */
export function focusOf(meta: RunMeta, events: readonly ObservedEvent[]): [number, number] {
  const spanMs = Math.max(4000, 4 * meta.nodeTimeoutMs);
  const v = meta.violation;
  let anchor = v !== null ? v.timeMs : meta.endMs;
  if (v !== null) {
    let last = Number.NEGATIVE_INFINITY;
    for (const e of events)
      if (e.kind === 'node-state' && v.nodes.includes(e.node) && e.atMs <= v.timeMs) last = Math.max(last, e.atMs);
    if (last > Number.NEGATIVE_INFINITY && anchor - last > spanMs / 2) anchor = last + spanMs * 0.2;
  }
  return [anchor - spanMs, anchor];
}
