/**
 * Which writes a value descends from: the simulator's oracle behind `holders`, `extendsSeq` and
 * read-back `history` (core/events.ts). Every write a primary applies replaces the key's previous
 * value there (its parent); replicas copy values, never make new ones. So the writes of a key form
 * a tree, and a node holds an acknowledged write exactly when its value for the key descends from
 * it. A value that merely has a larger seq does not: after a split brain, or after a stale primary
 * took a shard back, the key's value may come from another branch while writes of the lost branch
 * are gone — which is the data loss acked-writes-durable looks for.
 *
 * Bounded: seqs are dense (one per applied write), and parents and ack marks live in a ring of
 * the last LINEAGE_WRITES writes; older ones read as unknown, and questions about them are
 * answered "yes, it descends" (no finding from what we forgot).
 */

/** Writes remembered: at 200 writes/s, 11 simulated minutes. */
export const LINEAGE_WRITES = 1 << 17;

/**
 * A seq's place in the ring: seq mod LINEAGE_WRITES, as a mask (a power of two; equal for every
 * whole seq below 2^53). `%` on seqs read back from a Float64Array is a floating-point modulo, a
 * call out of the compiled code on the hot path.
 */
function ringSlot(seq: number): number {
  return seq & (LINEAGE_WRITES - 1);
}

export class WriteLineage {
  private readonly parents = new Float64Array(LINEAGE_WRITES);
  private readonly acked = new Uint8Array(LINEAGE_WRITES);
  /** The last seq handed out; seqs start at 1, and 0 stands for "no value". */
  lastSeq = 0;

  /** A new write replaced `parentSeq` (0: the key was absent); returns its seq. */
  add(parentSeq: number): number {
    const seq = ++this.lastSeq;
    this.parents[ringSlot(seq)] = parentSeq;
    this.acked[ringSlot(seq)] = 0;
    return seq;
  }

  markAcked(seq: number): void {
    if (this.known(seq)) this.acked[ringSlot(seq)] = 1;
  }

  /** Whether `value` (a key's seq on some node, 0 for absent) descends from write `seq`. */
  descends(value: number, seq: number): boolean {
    let current = value;
    while (current > seq) {
      if (!this.known(current)) return true;
      current = this.parents[ringSlot(current)]!;
    }
    return current === seq;
  }

  /**
   * The newest acknowledged write that write `seq` descends from (itself excluded), walking no
   * lower than `floorSeq`: null when there is none, undefined when the walk reached forgotten writes.
   * `lastAckedOfKey` is an acked write of the key that the caller already knows of (a shortcut).
   */
  newestAckedAncestor(seq: number, floorSeq: number, lastAckedOfKey = 0): number | null | undefined {
    if (!this.known(seq)) return undefined;
    let current = this.parents[ringSlot(seq)]!;
    // Usually the value it replaced is the key's last acked write (`lastAckedOfKey`, if the caller
    // knows it): then no walk, and no look far back into the ring, is needed.
    if (current === lastAckedOfKey && current > 0) return current;
    while (current >= floorSeq && current > 0) {
      if (!this.known(current)) return undefined;
      if (this.acked[ringSlot(current)] === 1) return current;
      current = this.parents[ringSlot(current)]!;
    }
    return null;
  }

  /**
   * read-back `history` of `value`: its seq and its ancestors' down to the first one below
   * `floorSeq`, ending in 0 when the walk reaches the key's creation; it stops early (without 0) at
   * forgotten writes.
   */
  history(value: number, floorSeq: number): number[] {
    const out: number[] = [];
    let current = value;
    while (current > 0) {
      out.push(current);
      if (current < floorSeq || !this.known(current)) return out;
      current = this.parents[ringSlot(current)]!;
    }
    out.push(0);
    return out;
  }

  private known(seq: number): boolean {
    return seq > 0 && seq <= this.lastSeq && seq > this.lastSeq - LINEAGE_WRITES;
  }
}
