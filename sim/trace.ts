/**
 * The run's trace: one compact record per step (and per notable thing inside a step), hashed
 * incrementally so two runs with the same seed give the same `trace_hash`, and a ring of the last
 * records from which readable lines are built only when asked (crash file tail, `--trace`).
 *
 * A record is five integers [atMs, code, a, b, c]; records collect in a typed buffer that is fed to
 * sha256 a chunk at a time, so the hot path neither builds strings nor allocates. Two chunk
 * buffers alternate, so the last records are always at hand for the tail.
 */
import { createHash, type Hash } from 'node:crypto';
import { copyWriteAcked, type ObservedEvent, type WriteAckedCopy } from '../core/events.ts';
import { MESSAGE_TYPE_NAMES } from './message.ts';
import type { TraceTap } from './recorder.ts';

export const T_CRON = 1;
export const T_DELIVER = 2;
export const T_DROP = 3;
export const T_LOST = 4;
export const T_STALL = 5;
export const T_WAIT_RESUME = 6;
export const T_CONNECTED = 7;
export const T_REFUSED = 8;
export const T_CLOSED = 9;
export const T_PLAN = 10;
export const T_EVENT = 11;
export const T_WRITE = 12;
export const T_PROCESS = 13;
export const T_CHECK = 14;
export const T_FORMATION = 15;
export const T_REPL_CRON = 16;
export const T_NOOP = 17;
export const T_SHUTDOWN = 18;

/** The middle field of a T_SHUTDOWN record: the SIGTERM, else the shutdown step (sim/valkey/shutdown.ts). */
export const SHUTDOWN_SIGTERM = 0;
/** The last field of a T_WRITE record: refused, accepted, or blocked (writes paused for a shutdown). */
const WRITE_WORDS = ['refused', 'accepted', 'blocked (writes paused for a shutdown)'];
const SHUTDOWN_WORDS = [
  'got SIGTERM: shuts down in its next cron',
  'waits for its replicas (client writes paused)',
  'exits: its replicas have acknowledged its offset',
  'exits: shutdown-timeout',
];

/** The last field of a resume's T_PROCESS record: where the SIGSTOP had landed. */
export const RESUMED_IDLE = -1;
export const RESUMED_MID_PASS = -2;

const RECORD_INTS = 5;
const CHUNK_RECORDS = 4096;

/** How the runner names processes and plan steps in readable lines. */
export interface TraceNames {
  node(processIndex: number): string;
  planStep(faultId: number, phase: number): string;
  processState(state: number): string;
}

type WriteAcked = Extract<ObservedEvent, { kind: 'write-acked' }>;

/**
 * A write-acked event as the ring keeps it: acks are the most frequent events, and storing each
 * young event object in the (old) ring cost a remembered-set entry per ack and kept it alive past
 * a scavenge; the ring instead reuses these and copies the fields in.
 */
class AckLine implements WriteAckedCopy {
  key = '';
  seq = 0;
  node = '';
  holders: readonly string[] = [];
  copies = 0;
  extendsSeq: number | null | undefined = undefined;

  describe(): string {
    const extendsPart = this.extendsSeq === undefined ? '' : ` extendsSeq=${String(this.extendsSeq)}`;
    return `write-acked key=${this.key} seq=${this.seq} node=${this.node} holders=[${this.holders.join(',')}] copies=${this.copies}${extendsPart}`;
  }
}

export class Trace {
  private readonly hash: Hash = createHash('sha256');
  private chunk = new Int32Array(CHUNK_RECORDS * RECORD_INTS);
  /** The chunk hashed last (its records precede the current chunk's). */
  private previous = new Int32Array(CHUNK_RECORDS * RECORD_INTS);
  private previousRecords = 0;
  private chunkRecords = 0;
  /** Observed events named by T_EVENT records, kept as long as their records are in the ring. */
  private readonly eventRing: Array<ObservedEvent | AckLine | null>;
  private readonly ackLines: AckLine[];
  private eventSeq = 0;
  records = 0;
  /** Called with each readable line as it is recorded (`reproduce --trace`); slow, off by default. */
  onLine: ((line: string) => void) | null = null;
  /** The report's recorder (sim/recorder.ts) when a report is asked for; null otherwise. */
  tap: TraceTap | null = null;

  constructor(
    private readonly names: TraceNames,
    readonly tailRecords = 50,
  ) {
    if (tailRecords > CHUNK_RECORDS)
      throw new Error(`Trace: a tail of ${tailRecords} records is longer than a chunk (${CHUNK_RECORDS})`);
    this.eventRing = new Array<ObservedEvent | AckLine | null>(Math.max(1, tailRecords)).fill(null);
    this.ackLines = [];
    for (let i = 0; i < this.eventRing.length; i++) this.ackLines.push(new AckLine());
  }

  record(atMs: number, code: number, a: number, b: number, c: number): void {
    const offset = this.chunkRecords * RECORD_INTS;
    const chunk = this.chunk;
    chunk[offset] = atMs;
    chunk[offset + 1] = code;
    chunk[offset + 2] = a;
    chunk[offset + 3] = b;
    chunk[offset + 4] = c;
    if (++this.chunkRecords === CHUNK_RECORDS) this.flushChunk();
    this.records++;
    if (this.onLine !== null) this.onLine(this.formatRecord(atMs, code, a, b, c));
    if (this.tap !== null) this.tap.record(atMs, code, a, b, c);
  }

  /** Records an observed event; its fields go into the hash through a few integers. */
  recordEvent(event: ObservedEvent, kindCode: number, node: number, value: number): void {
    const seq = this.eventSeq++;
    this.eventRing[seq % this.eventRing.length] = event;
    if (this.tap !== null) this.tap.event(event);
    this.record(event.atMs, T_EVENT, seq, kindCode * 4096 + (node & 4095), value);
  }

  /** recordEvent for a 'write-acked' event (the same record), keeping a copy of its fields. */
  recordAck(event: WriteAcked, kindCode: number, node: number): void {
    const seq = this.eventSeq++;
    const slot = seq % this.eventRing.length;
    const line = this.ackLines[slot]!;
    copyWriteAcked(line, event);
    this.eventRing[slot] = line;
    if (this.tap !== null) this.tap.event(event);
    this.record(event.atMs, T_EVENT, seq, kindCode * 4096 + (node & 4095), event.seq);
  }

  /** sha256 (hex) of every record so far. */
  digest(): string {
    const copy = this.hash.copy();
    if (this.chunkRecords > 0) copy.update(new Uint8Array(this.chunk.buffer, 0, this.chunkRecords * RECORD_INTS * 4));
    return copy.digest('hex');
  }

  /** The last records as readable lines, oldest first. */
  tail(): string[] {
    const lines: string[] = [];
    const fromPrevious = Math.min(this.previousRecords, Math.max(0, this.tailRecords - this.chunkRecords));
    for (let i = this.previousRecords - fromPrevious; i < this.previousRecords; i++)
      lines.push(this.formatAt(this.previous, i));
    for (let i = Math.max(0, this.chunkRecords - this.tailRecords); i < this.chunkRecords; i++)
      lines.push(this.formatAt(this.chunk, i));
    return lines;
  }

  private formatAt(buffer: Int32Array, index: number): string {
    const o = index * RECORD_INTS;
    return this.formatRecord(buffer[o]!, buffer[o + 1]!, buffer[o + 2]!, buffer[o + 3]!, buffer[o + 4]!);
  }

  private flushChunk(): void {
    this.hash.update(new Uint8Array(this.chunk.buffer, 0, this.chunkRecords * RECORD_INTS * 4));
    const full = this.chunk;
    this.chunk = this.previous;
    this.previous = full;
    this.previousRecords = this.chunkRecords;
    this.chunkRecords = 0;
  }

  private formatRecord(atMs: number, code: number, a: number, b: number, c: number): string {
    return `${Math.floor(atMs)}ms ${this.describe(code, a, b, c)}`;
  }

  private describe(code: number, a: number, b: number, c: number): string {
    const n = this.names;
    const type = (value: number): string => MESSAGE_TYPE_NAMES[value & 255] ?? `type-${value & 255}`;
    const link = (value: number): string => (value >> 8 === 1 ? 'repl ' : '');
    switch (code) {
      case T_CRON:
        return `${n.node(a)} cron`;
      case T_REPL_CRON:
        return `${n.node(a)} replication cron`;
      case T_DELIVER:
        return `${n.node(b)} <- ${n.node(a)} ${link(c)}${type(c)}`;
      case T_DROP:
        return `${n.node(a)} -> ${n.node(b)} ${link(c)}${type(c)} dropped (drop rule)`;
      case T_LOST:
        return `${n.node(a)} -> ${n.node(b)} ${link(c)}${type(c)} lost (connection closed)`;
      case T_STALL:
        return `${n.node(a)} -> ${n.node(b)} ${link(c)}${type(c)} stalled (partition or hold)`;
      case T_WAIT_RESUME:
        return `${n.node(a)} -> ${n.node(b)} ${link(c)}${type(c)} waits in the socket buffer (paused)`;
      case T_CONNECTED:
        return `${n.node(a)} connected to ${n.node(b)} (${c === 1 ? 'replication' : 'bus'})`;
      case T_REFUSED:
        return `${n.node(a)} connect to ${n.node(b)} refused (${c === 1 ? 'replication' : 'bus'})`;
      case T_CLOSED:
        return `${n.node(a)} sees the ${c === 1 ? 'replication' : 'bus'} connection with ${n.node(b)} closed`;
      case T_PLAN:
        return `plan: ${n.planStep(a, b)}`;
      case T_EVENT:
        return this.describeEvent(a, b, c);
      case T_WRITE:
        return `write key ${a} to ${n.node(b)} ${WRITE_WORDS[c] ?? 'refused'}`;
      case T_SHUTDOWN:
        return `${n.node(a)} ${SHUTDOWN_WORDS[b] ?? `shutdown step ${b}`}`;
      case T_PROCESS:
        return `${n.node(a)} process ${n.processState(b)}${c === RESUMED_IDLE ? ' (resumed, stopped in epoll_wait)' : c === RESUMED_MID_PASS ? ' (resumed, stopped mid-pass)' : ''}`;
      case T_CHECK:
        return `convergence check: ${c === 1 ? 'holds' : 'not yet'}`;
      case T_FORMATION:
        return `formation step ${a}`;
      case T_NOOP:
        return 'no-op';
      default:
        return `record ${code} ${a} ${b} ${c}`;
    }
  }

  private describeEvent(seq: number, kindAndNode: number, value: number): string {
    const event = this.eventRing[seq % this.eventRing.length];
    if (event === null || event === undefined || seq < this.eventSeq - this.eventRing.length) {
      return `event ${kindAndNode >> 12} on ${this.names.node(kindAndNode & 4095)} (${value})`;
    }
    if (event instanceof AckLine) return event.describe();
    const { atMs: _atMs, kind, ...rest } = event;
    const fields = Object.entries(rest).map(
      ([key, v]) => `${key}=${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`,
    );
    return `${kind} ${fields.join(' ')}`;
  }
}
