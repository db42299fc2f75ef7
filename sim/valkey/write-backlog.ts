/**
 * The data half of the replication backlog (replication.c's repl_backlog): the recent writes of
 * the stream a node serves or follows, each with the offset the stream reached after it, so that
 * a partial resync (+CONTINUE) can send a replica exactly the writes it misses. Replication PINGs
 * and other commands move offsets but change no key, so only writes (SET, and DEL as seq 0) are
 * kept. Valkey's backlog is 1 MB of stream bytes; the ring holds at least as many writes as fit in
 * those bytes, so the byte rule of PSYNC (replication.ts) decides and the ring never binds first.
 *
 * Bounded: a ring that grows on demand up to `capacity` entries and then forgets the oldest, which
 * raises `floorOffset` (writes at or below it may be gone).
 */

const INITIAL_ENTRIES = 1024;

/** A ring's three arrays, of one size. */
interface RingArrays {
  endOffsets: Float64Array;
  keys: Int32Array;
  seqs: Float64Array;
}

/**
 * The arrays of backlogs whose server is gone, for new servers to reuse (as their slot tables
 * are): a restarted server grew its ring again from 1024 entries, fresh memory at every step.
 */
const freeRings: RingArrays[] = [];
const MAX_FREE_RINGS = 64;

/** Entries: the stream offset after the write, the key, and its seq (0: the key was deleted). */
export class WriteBacklog {
  private endOffsets: Float64Array;
  private keys: Int32Array;
  private seqs: Float64Array;
  private start = 0;
  private length = 0;
  /** Every write with endOffset above this is in the ring. */
  floorOffset = 0;

  private readonly capacity: number = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    // Only the entries [start, start + length) are ever read, so a reused ring needs no clearing.
    const reused = freeRings.pop();
    this.endOffsets = reused?.endOffsets ?? new Float64Array(INITIAL_ENTRIES);
    this.keys = reused?.keys ?? new Int32Array(INITIAL_ENTRIES);
    this.seqs = reused?.seqs ?? new Float64Array(INITIAL_ENTRIES);
  }

  /** The server is gone: its arrays go back for another backlog. Never use this one after. */
  retire(): void {
    if (freeRings.length < MAX_FREE_RINGS)
      freeRings.push({ endOffsets: this.endOffsets, keys: this.keys, seqs: this.seqs });
  }

  /** The history starts over at `offset` (a full sync or a fresh start): nothing older is kept. */
  reset(offset: number): void {
    this.start = 0;
    this.length = 0;
    this.floorOffset = offset;
  }

  push(endOffset: number, key: number, seq: number): void {
    if (this.length === this.endOffsets.length && this.length < this.capacity) this.grow();
    const size = this.endOffsets.length;
    if (this.length === size) {
      // Full: forget the oldest write.
      this.floorOffset = this.endOffsets[this.start]!;
      this.start = this.start + 1 === size ? 0 : this.start + 1;
      this.length--;
    }
    // start + length < 2 x size: a subtraction wraps it (no integer division per write).
    let at = this.start + this.length;
    if (at >= size) at -= size;
    this.endOffsets[at] = endOffset;
    this.keys[at] = key;
    this.seqs[at] = seq;
    this.length++;
  }

  /** Whether every write after `offset` (what a replica at `offset` misses) is still here. */
  covers(offset: number): boolean {
    return offset >= this.floorOffset;
  }

  /** The writes after `offset`, oldest first, flattened as [endOffset, key, seq, ...]. */
  writesAfter(offset: number): number[] {
    const size = this.endOffsets.length;
    // End offsets grow along the ring: find the first one above `offset` by bisection.
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.endOffsets[(this.start + middle) % size]! <= offset) low = middle + 1;
      else high = middle;
    }
    const out: number[] = [];
    for (let i = low; i < this.length; i++) {
      const at = (this.start + i) % size;
      // Math.trunc (exact: offsets and seqs are whole numbers) hands them on as small integers, not
      // as the heap numbers a Float64Array read gives: the replica stores them in its offset and
      // seq fields, which V8 would otherwise turn into boxed double fields for good.
      out.push(Math.trunc(this.endOffsets[at]!), this.keys[at]!, Math.trunc(this.seqs[at]!));
    }
    return out;
  }

  private grow(): void {
    const size = Math.min(this.capacity, this.endOffsets.length * 4);
    this.endOffsets = this.unrolled(this.endOffsets, new Float64Array(size));
    this.keys = this.unrolled(this.keys, new Int32Array(size));
    this.seqs = this.unrolled(this.seqs, new Float64Array(size));
    this.start = 0;
  }

  /** `to` holding the entries of ring array `from` oldest first (two block copies). */
  private unrolled<T extends Float64Array | Int32Array>(from: T, to: T): T {
    const firstPart = Math.min(this.length, from.length - this.start);
    to.set(from.subarray(this.start, this.start + firstPart));
    to.set(from.subarray(0, this.length - firstPart), firstPart);
    return to;
  }
}
