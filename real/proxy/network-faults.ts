/**
 * The network faults in force, as rules on directed node pairs (Jepsen's grudge): a partition is
 * the set of blocked pairs, so one-way cuts, heal and hold/release need no special case. Every
 * proxy lane asks here, for its (from, to) pair, what to do with each message, and is told when
 * the rules change so it can deliver what it queued.
 *
 * Rules carry the id of the fault that added them, so a fault's end lifts exactly its own rules;
 * `heal` lifts them all. Pure bookkeeping: no sockets, no timers.
 */
import type { MessageType } from '../../core/scenario/types.ts';

export type NetworkRule =
  /** Partition: nothing passes (bus and replication traffic), queued until lifted. */
  | { kind: 'block' }
  /** Bus messages of these types (all if absent) are lost with this probability (0..1). */
  | { kind: 'drop'; types?: MessageType[]; probability: number }
  /** Bus messages are delayed by delayMs plus a uniform 0..jitterMs. */
  | { kind: 'latency'; delayMs: number; jitterMs: number }
  /**
   * Bus messages are queued, not lost, until `release`. With `types` (confirm's steering), only a
   * lane whose head message is of one of those types stops; FIFO order still holds behind it.
   */
  | { kind: 'hold'; types?: readonly string[] };

interface PlacedRule {
  faultId: number;
  from: string;
  to: string;
  rule: NetworkRule;
}

/**
 * Fault ids at or below this are confirm's steering holds (real/steering.ts): they stand for the
 * message order the simulator had, not for a fault of the scenario, so `heal` and `release` leave
 * them; only their own end lifts them.
 */
export const STEERING_FAULT_ID_MAX = -1000;

function isSteering(placed: PlacedRule): boolean {
  return placed.faultId <= STEERING_FAULT_ID_MAX;
}

/** Bounds on the rule table: a scenario with more than this is a bug in the plan, not a fault. */
const MAX_RULES = 100_000;

export class NetworkFaults {
  private rules: PlacedRule[] = [];
  private readonly listeners = new Set<() => void>();
  /** Bus messages delivered per directed pair and type (`from>to>type`), for confirm's steering. */
  private readonly deliveries = new Map<string, number>();
  /** Per sender: queued bus messages older than this generation are discarded (a kill's RST). */
  private readonly discards = new Map<string, number>();

  /** Adds `rule` on every directed pair from a node in `from` to a different node in `to`. */
  add(faultId: number, from: readonly string[], to: readonly string[], rule: NetworkRule): void {
    for (const source of from) {
      for (const destination of to) {
        if (source === destination) continue;
        this.rules.push({ faultId, from: source, to: destination, rule });
      }
    }
    if (this.rules.length > MAX_RULES) throw new Error(`network rules: ${this.rules.length} > ${MAX_RULES}`);
    this.changed();
  }

  /** Lifts the rules a fault added (its planned end). */
  removeFault(faultId: number): void {
    this.rules = this.rules.filter((placed) => placed.faultId !== faultId);
    this.changed();
  }

  /** `release`: lifts hold rules on these directed pairs, whoever added them. */
  release(from: readonly string[], to: readonly string[]): void {
    const fromSet = new Set(from);
    const toSet = new Set(to);
    this.rules = this.rules.filter(
      (placed) =>
        isSteering(placed) || !(placed.rule.kind === 'hold' && fromSet.has(placed.from) && toSet.has(placed.to)),
    );
    this.changed();
  }

  /** `heal`: every partition, latency, drop and hold ends (steering holds excepted). */
  clear(): void {
    this.rules = this.rules.filter(isSteering);
    this.changed();
  }

  get isHealed(): boolean {
    return this.rules.every(isSteering);
  }

  rulesFor(from: string, to: string): NetworkRule[] {
    const out: NetworkRule[] = [];
    for (const placed of this.rules) {
      if (placed.from === from && placed.to === to) out.push(placed.rule);
    }
    return out;
  }

  /**
   * Whether traffic from → to is stopped: always for a partition, and for holds on the bus (a
   * typed hold only when the lane's head message, `headType`, is of one of its types).
   */
  isStopped(from: string, to: string, bus: boolean, headType?: string): boolean {
    for (const placed of this.rules) {
      if (placed.from !== from || placed.to !== to) continue;
      if (placed.rule.kind === 'block') return true;
      if (bus && placed.rule.kind === 'hold') {
        const types = placed.rule.types;
        if (types === undefined || (headType !== undefined && types.includes(headType))) return true;
      }
    }
    return false;
  }

  /** A lane wrote a whole bus message of `type` from → to. */
  noteDelivered(from: string, to: string, type: string): void {
    const key = `${from}>${to}>${type}`;
    this.deliveries.set(key, (this.deliveries.get(key) ?? 0) + 1);
  }

  /** Bus messages delivered from → to so far, of the given types (every type when absent). */
  delivered(from: string, to: string, types?: readonly string[]): number {
    let total = 0;
    const prefix = `${from}>${to}>`;
    for (const [key, count] of this.deliveries) {
      if (!key.startsWith(prefix)) continue;
      if (types === undefined || types.includes(key.slice(prefix.length))) total += count;
    }
    return total;
  }

  /** Delivered counts so far: per pair (`from>to`) and per pair and type (`from>to>type`). */
  deliveryCounts(): Map<string, number> {
    const counts = new Map(this.deliveries);
    for (const [key, count] of this.deliveries) {
      const pair = key.slice(0, key.lastIndexOf('>'));
      counts.set(pair, (counts.get(pair) ?? 0) + count);
    }
    return counts;
  }

  /**
   * Loses every bus message queued now from `from` (to anyone), as the simulator loses what a
   * partition stalls when its sender dies (sim/network.ts close()).
   */
  discardQueuedFrom(from: string): void {
    this.discards.set(from, (this.discards.get(from) ?? 0) + 1);
    this.changed();
  }

  /** The discard generation of a sender (a message it queued before a later discard is lost). */
  discardGeneration(from: string): number {
    return this.discards.get(from) ?? 0;
  }

  /** Calls `listener` whenever rules change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The rules now in force, one readable line each (for the trace and debugging). */
  describe(): string[] {
    return this.rules.map((placed) => `${placed.from}->${placed.to} ${placed.rule.kind} (fault ${placed.faultId})`);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
