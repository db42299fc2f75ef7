/**
 * The network faults in force on each directed pair of processes (Jepsen's grudge, as typed
 * arrays): partitions and holds as counts, latency and drop rules as lists tagged with the fault
 * that added them. sim/network.ts asks here whether a direction is blocked, how late a message
 * arrives and whether it is lost; what the rules mean is core's (core/scenario/semantics/).
 *
 * Every table is indexed by `pairIndex(from, to)`, which checks both process indices against the
 * capacity: a wrong index would otherwise read or write another pair's slot silently. The reads
 * on the delivery path (`blocked`, the draws) take the ends of a direction, which Network.connect
 * checked when it opened the connection, and index unchecked.
 */
import { assert } from '../core/assert.ts';
import type { Rng } from '../core/rng.ts';
import { latencyInForce, type LinkDecision } from '../core/scenario/semantics/link-rules.ts';
import { busMessageTypeNumber } from '../core/scenario/semantics/message-types.ts';

export type Pairs = ReadonlyArray<readonly [number, number]>;

export interface LatencyRule {
  faultId: number;
  delayMs: number;
  jitterMs: number;
}

export interface DropRule {
  faultId: number;
  /** Bit per bus message type; 0 means every type. */
  typeMask: number;
  probability: number;
}

export class LinkRules {
  private readonly capacity: number;
  private readonly partitionCount: Uint16Array;
  private readonly holdCount: Uint16Array;
  private readonly latencyRules: Array<LatencyRule[] | null>;
  private readonly dropRules: Array<DropRule[] | null>;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.partitionCount = new Uint16Array(capacity * capacity);
    this.holdCount = new Uint16Array(capacity * capacity);
    this.latencyRules = new Array<LatencyRule[] | null>(capacity * capacity).fill(null);
    this.dropRules = new Array<DropRule[] | null>(capacity * capacity).fill(null);
  }

  /** The slot of the directed pair from → to in every table. */
  pairIndex(from: number, to: number): number {
    assert(
      from >= 0 && from < this.capacity && to >= 0 && to < this.capacity,
      'link pair out of range',
      from,
      to,
      this.capacity,
    );
    return from * this.capacity + to;
  }

  addPartition(from: number, to: number): void {
    const index = this.pairIndex(from, to);
    const count = this.partitionCount[index] ?? 0;
    assert(count < 0xffff, 'partition count overflow', from, to);
    this.partitionCount[index] = count + 1;
  }

  /** Lifts one partition of the pair; true when that opened it (no partition left on it). */
  liftPartition(from: number, to: number): boolean {
    const index = this.pairIndex(from, to);
    const count = this.partitionCount[index] ?? 0;
    if (count === 0) return false;
    this.partitionCount[index] = count - 1;
    return count === 1;
  }

  addHold(from: number, to: number): void {
    const index = this.pairIndex(from, to);
    const count = this.holdCount[index] ?? 0;
    assert(count < 0xffff, 'hold count overflow', from, to);
    this.holdCount[index] = count + 1;
  }

  /** Ends every hold on the pair; true when there was one. */
  release(from: number, to: number): boolean {
    const index = this.pairIndex(from, to);
    if (this.holdCount[index] === 0) return false;
    this.holdCount[index] = 0;
    return true;
  }

  addLatency(faultId: number, from: number, to: number, delayMs: number, jitterMs: number): void {
    const index = this.pairIndex(from, to);
    let rules = this.latencyRules[index];
    if (rules === null || rules === undefined) {
      rules = [];
      this.latencyRules[index] = rules;
    }
    rules.push({ faultId, delayMs, jitterMs });
  }

  removeLatency(faultId: number): void {
    removeRules(this.latencyRules, faultId);
  }

  addDrop(faultId: number, from: number, to: number, typeMask: number, probability: number): void {
    const index = this.pairIndex(from, to);
    let rules = this.dropRules[index];
    if (rules === null || rules === undefined) {
      rules = [];
      this.dropRules[index] = rules;
    }
    rules.push({ faultId, typeMask, probability });
  }

  removeDrop(faultId: number): void {
    removeRules(this.dropRules, faultId);
  }

  /** Ends every partition, hold, latency and drop rule. */
  clear(): void {
    this.partitionCount.fill(0);
    this.holdCount.fill(0);
    this.latencyRules.fill(null);
    this.dropRules.fill(null);
  }

  /** No partition, hold, latency or drop rule is active. */
  isHealthy(): boolean {
    // Loops rather than every() callbacks: a callback made per call is optimised again each run.
    for (let i = 0; i < this.partitionCount.length; i++) {
      if (this.partitionCount[i] !== 0 || this.holdCount[i] !== 0) return false;
      const latency = this.latencyRules[i];
      const drop = this.dropRules[i];
      if (
        (latency !== null && latency !== undefined && latency.length > 0) ||
        (drop !== null && drop !== undefined && drop.length > 0)
      )
        return false;
    }
    return true;
  }

  partitioned(from: number, to: number): boolean {
    return (this.partitionCount[this.pairIndex(from, to)] ?? 0) > 0;
  }

  held(from: number, to: number): boolean {
    return (this.holdCount[this.pairIndex(from, to)] ?? 0) > 0;
  }

  /** Whether a direction's head may not move: a partition stops every kind, a hold the bus only. */
  blocked(from: number, to: number, bus: boolean): boolean {
    const index = from * this.capacity + to; // a direction's ends, checked at connect
    return (this.partitionCount[index] ?? 0) > 0 || (bus && (this.holdCount[index] ?? 0) > 0);
  }

  /**
   * The delay a bus message from → to gets beyond the base: the latency rule in force (core's
   * overlap rule) plus a uniform whole 0..jitter drawn from `rng`; 0 without a rule.
   */
  drawDelayMs(from: number, to: number, rng: Rng): number {
    const rule = latencyInForce(this.latencyRules[from * this.capacity + to]); // checked at connect
    if (rule === null) return 0;
    return rule.delayMs + (rule.jitterMs > 0 ? rng.int(rule.jitterMs + 1) : 0);
  }

  /** Whether a drop rule on from → to takes a bus message of `type`: one draw per rule that names it. */
  drawDrop(from: number, to: number, type: number, rng: Rng): boolean {
    if (type >= 16) return false;
    const rules = this.dropRules[from * this.capacity + to]; // checked at connect
    if (rules === null || rules === undefined) return false;
    for (const rule of rules) {
      if (rule.typeMask !== 0 && (rule.typeMask & (1 << type)) === 0) continue;
      if (rng.float() < rule.probability) return true;
    }
    return false;
  }

  /**
   * The decision on from → to in core's terms (core/scenario/semantics/link-rules.ts), for a bus
   * message of the named type (absent: every drop rule counts).
   */
  decision(from: number, to: number, type?: string): LinkDecision {
    const bit = type === undefined ? 0 : 1 << busMessageTypeNumber(type);
    const index = this.pairIndex(from, to);
    const latency = latencyInForce(this.latencyRules[index]);
    return {
      blocked: (this.partitionCount[index] ?? 0) > 0,
      held: (this.holdCount[index] ?? 0) > 0,
      delayMs: latency?.delayMs ?? 0,
      jitterMs: latency?.jitterMs ?? 0,
      dropProbabilities: (this.dropRules[index] ?? [])
        .filter((rule) => bit === 0 || rule.typeMask === 0 || (rule.typeMask & bit) !== 0)
        .map((rule) => rule.probability),
    };
  }
}

function removeRules<T extends { faultId: number }>(table: Array<T[] | null>, faultId: number): void {
  for (let i = 0; i < table.length; i++) {
    const rules = table[i];
    if (rules === null || rules === undefined) continue;
    const kept = rules.filter((rule) => rule.faultId !== faultId);
    table[i] = kept.length === 0 ? null : kept;
  }
}
