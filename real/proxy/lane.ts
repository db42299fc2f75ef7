/**
 * One direction of one proxied connection: bytes read from `source`, cut into bus messages (or
 * taken as raw chunks on the replication port), judged against the network rules of the directed
 * pair (from, to), and written to `destination` in order.
 *
 * - drop is decided when a message arrives (lost in the network);
 * - latency stamps the message with a delivery time when it arrives; the lane stays FIFO, as a
 *   TCP stream does, so a delayed message delays those behind it;
 * - block (partition) and hold stop the lane at its head; what arrives meanwhile is queued and
 *   delivered, stale, once the rule is lifted (as TCP retransmission does after a partition heals).
 * The source is paused while more than QUEUE_PAUSE_BYTES wait, so a long cut pushes back into the
 * kernel buffers and the server's own send buffer instead of our memory.
 */
import type { Socket } from 'node:net';
import { decideLink } from '../../core/scenario/semantics/link-rules.ts';
import { FrameParser, type BusMessageTypeName } from './frame-parser.ts';
import type { NetworkFaults } from './network-faults.ts';

export interface LaneCounters {
  /** Bus messages read by the proxy. */
  messages: number;
  dropped: number;
  delayed: number;
  /** Messages that waited behind a block or hold. */
  stalled: number;
  /** Told of each bus message between two nodes, when a report records the run (real/run-record.ts). */
  onFrame?: FrameTap;
}

/** A bus message from `from` to `to`: read at `readWallMs`, passed on (or dropped) at `passedWallMs`. */
export type FrameTap = (
  from: string,
  to: string,
  type: string,
  readWallMs: number,
  passedWallMs: number,
  outcome: 'passed' | 'dropped' | 'stalled',
) => void;

export interface LaneOptions {
  /** Node names; null for a connection from outside the cluster (our own clients): no faults. */
  from: string | null;
  to: string | null;
  /** Bus port (frames, all rules) or client/replication port (raw, partitions only). */
  bus: boolean;
  network: NetworkFaults;
  source: Socket;
  destination: Socket;
  /** Uniform [0, 1) for drop and jitter draws. */
  random: () => number;
  counters: LaneCounters;
}

interface QueuedChunk {
  bytes: Buffer;
  readyAtMs: number;
  stalled: boolean;
  /** The bus message type, or null for raw bytes. */
  type: BusMessageTypeName | null;
  /** When the proxy read it (for the report's frame tap). */
  readAtMs: number;
  /** The pair's discard generation when it was queued (NetworkFaults.discardQueued). */
  generation: number;
}

const QUEUE_PAUSE_BYTES = 1024 * 1024;

export class Lane {
  private readonly parser: FrameParser | null;
  private readonly queue: QueuedChunk[] = [];
  private queuedBytes = 0;
  private sourceEnded = false;
  private waitingForDrain = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: LaneOptions) {
    this.parser = options.bus ? new FrameParser() : null;
    this.unsubscribe = options.network.subscribe(() => this.pump());
    options.source.on('data', (chunk: Buffer) => this.onData(chunk));
    options.source.on('end', () => {
      this.sourceEnded = true;
      this.pump();
    });
    options.destination.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
  }

  /** Stops the lane for good (the connection is gone); queued bytes are lost with it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    if (this.timer !== null) clearTimeout(this.timer);
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private get faultsApply(): boolean {
    return this.options.from !== null && this.options.to !== null;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    if (this.parser === null) {
      this.enqueue(chunk, 0, null);
    } else {
      for (const piece of this.parser.push(chunk)) {
        if (piece.kind === 'raw') {
          this.enqueue(piece.bytes, 0, null);
          continue;
        }
        this.options.counters.messages++;
        const delayMs = this.judge(piece.frame.type);
        if (delayMs !== null) this.enqueue(piece.frame.bytes, delayMs, piece.frame.type);
        else if (this.options.counters.onFrame !== undefined && this.faultsApply) {
          const now = Date.now();
          this.options.counters.onFrame(this.options.from!, this.options.to!, piece.frame.type, now, now, 'dropped');
        }
      }
    }
    this.pump();
    if (this.queuedBytes > QUEUE_PAUSE_BYTES) this.options.source.pause();
  }

  /**
   * Null: the message is lost. Otherwise how long it is delayed. What the rules on the link mean
   * is core's (core/scenario/semantics/link-rules.ts): one loss chance per drop rule naming the
   * type, and the newest latency rule in force (not the sum of all).
   */
  private judge(type: BusMessageTypeName): number | null {
    if (!this.faultsApply) return 0;
    const decision = decideLink(this.options.network.rulesFor(this.options.from!, this.options.to!), type);
    for (const probability of decision.dropProbabilities) {
      if (this.options.random() < probability) {
        this.options.counters.dropped++;
        return null;
      }
    }
    const delayMs =
      decision.delayMs + (decision.jitterMs > 0 ? Math.floor(this.options.random() * (decision.jitterMs + 1)) : 0);
    if (delayMs > 0) this.options.counters.delayed++;
    return delayMs;
  }

  private enqueue(bytes: Buffer, delayMs: number, type: BusMessageTypeName | null): void {
    const now = Date.now();
    this.queue.push({
      bytes,
      readyAtMs: now + delayMs,
      stalled: false,
      type,
      readAtMs: now,
      generation: this.generation(),
    });
    this.queuedBytes += bytes.length;
  }

  private generation(): number {
    return this.faultsApply ? this.options.network.discardGeneration(this.options.from!) : 0;
  }

  private isStopped(headType: BusMessageTypeName | null): boolean {
    return (
      this.faultsApply &&
      this.options.network.isStopped(this.options.from!, this.options.to!, this.options.bus, headType ?? undefined)
    );
  }

  /** Delivers from the head of the queue as far as the rules allow. */
  private pump(): void {
    if (this.closed || this.waitingForDrain) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const generation = this.generation();
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      // Bus messages queued before a discard are lost (raw bytes never are: they may be cut frames).
      if (head.type !== null && head.generation < generation) {
        this.queue.shift();
        this.queuedBytes -= head.bytes.length;
        continue;
      }
      if (this.isStopped(head.type)) {
        this.markStalled();
        return;
      }
      const waitMs = head.readyAtMs - Date.now();
      if (waitMs > 0) {
        this.timer = setTimeout(() => this.pump(), waitMs);
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.bytes.length;
      const tap = this.options.counters.onFrame;
      if (tap !== undefined && head.type !== null && this.faultsApply)
        tap(
          this.options.from!,
          this.options.to!,
          head.type,
          head.readAtMs,
          Date.now(),
          head.stalled ? 'stalled' : 'passed',
        );
      if (head.type !== null && this.faultsApply)
        this.options.network.noteDelivered(this.options.from!, this.options.to!, head.type);
      if (!this.options.destination.write(head.bytes)) {
        this.waitingForDrain = true;
        return;
      }
    }
    if (this.queuedBytes <= QUEUE_PAUSE_BYTES && !this.sourceEnded) this.options.source.resume();
    // The source's FIN goes on only after what it sent before it, as on a real link.
    if (this.sourceEnded && this.queue.length === 0) this.options.destination.end();
  }

  private markStalled(): void {
    for (const chunk of this.queue) {
      if (!chunk.stalled && this.parser !== null) this.options.counters.stalled++;
      chunk.stalled = true;
    }
  }
}
