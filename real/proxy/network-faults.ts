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
  /** Bus messages are queued, not lost, until `release`. */
  | { kind: 'hold' };

interface PlacedRule {
  faultId: number;
  from: string;
  to: string;
  rule: NetworkRule;
}

/** Bounds on the rule table: a scenario with more than this is a bug in the plan, not a fault. */
const MAX_RULES = 100_000;

export class NetworkFaults {
  private rules: PlacedRule[] = [];
  private readonly listeners = new Set<() => void>();

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
      (placed) => !(placed.rule.kind === 'hold' && fromSet.has(placed.from) && toSet.has(placed.to)),
    );
    this.changed();
  }

  /** `heal`: every partition, latency, drop and hold ends. */
  clear(): void {
    this.rules = [];
    this.changed();
  }

  get isHealed(): boolean {
    return this.rules.length === 0;
  }

  rulesFor(from: string, to: string): NetworkRule[] {
    const out: NetworkRule[] = [];
    for (const placed of this.rules) {
      if (placed.from === from && placed.to === to) out.push(placed.rule);
    }
    return out;
  }

  /** Whether traffic from → to is stopped: always for a partition, and for holds on the bus. */
  isStopped(from: string, to: string, bus: boolean): boolean {
    for (const placed of this.rules) {
      if (placed.from !== from || placed.to !== to) continue;
      if (placed.rule.kind === 'block') return true;
      if (bus && placed.rule.kind === 'hold') return true;
    }
    return false;
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
