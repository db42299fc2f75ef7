/**
 * The simulator's event queue: a binary min-heap keyed by (atMs, seq), seq a counter, so events
 * at the same instant run in the order they were scheduled, the same way every run.
 *
 * Struct-of-arrays storage (typed arrays for times, kinds and integer arguments, one array for an
 * optional object payload) so that scheduling an event allocates nothing once the arrays have
 * grown to the run's working size. `pop()` copies the event into `kind`, `arg` and `ref` and
 * frees its slot. Events can be cancelled by the handle `schedule` returns; a cancelled event
 * stays in the heap and is skipped when it comes up (cheaper than tracking heap positions).
 *
 * Not here: what an event means (the world dispatches on `kind`).
 */

/**
 * A handle packs the slot and its generation so a stale handle never cancels a reused slot. Both
 * fit in 30 bits so a handle is a small integer: a larger one is a heap number that V8 allocates
 * on every schedule() (a sixth of the simulator's garbage). Ten bits of generation are plenty: the
 * world drops a handle as soon as its event runs.
 */
const SLOT_BITS = 2 ** 20;
const GENERATION_MASK = 0x3ff;

/** At most this many pending events; beyond it the simulator has a leak (a busfuzz bug). */
export const MAX_PENDING_EVENTS = SLOT_BITS - 1;

export class Scheduler {
  /** The simulated clock: the time of the event last popped. */
  nowMs = 0;
  /** The popped event, valid until the next pop. */
  kind = 0;
  arg = 0;
  ref: unknown = null;

  private seqCounter = 0;
  private capacity: number;
  private atMs: Float64Array;
  private seq: Float64Array;
  private kinds: Int32Array;
  private args: Int32Array;
  private refs: unknown[];
  private generation: Int32Array;
  /** 1 while the slot holds a pending event that was cancelled. */
  private cancelled: Uint8Array;
  /** heap[i] = slot. */
  private heap: Int32Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private used = 0;
  size = 0;

  constructor(initialCapacity = 1024) {
    this.capacity = initialCapacity;
    this.atMs = new Float64Array(initialCapacity);
    this.seq = new Float64Array(initialCapacity);
    this.kinds = new Int32Array(initialCapacity);
    this.args = new Int32Array(initialCapacity);
    this.refs = new Array<unknown>(initialCapacity).fill(null);
    this.generation = new Int32Array(initialCapacity);
    this.cancelled = new Uint8Array(initialCapacity);
    this.heap = new Int32Array(initialCapacity);
    this.freeSlots = new Int32Array(initialCapacity);
  }

  /** Schedules an event; returns a handle for `cancel`. `atMs` must not be in the past. */
  schedule(atMs: number, kind: number, arg: number, ref: unknown): number {
    if (atMs < this.nowMs)
      throw new Error(`Scheduler: event kind ${kind} at ${atMs} ms is before now ${this.nowMs} ms`);
    const slot = this.takeSlot();
    this.atMs[slot] = atMs;
    this.seq[slot] = this.seqCounter++;
    this.kinds[slot] = kind;
    this.args[slot] = arg;
    this.refs[slot] = ref;
    this.siftUp(this.size++, slot);
    return this.generation[slot]! * SLOT_BITS + slot;
  }

  /** Cancels a pending event; a handle of an event that already ran is ignored. */
  cancel(handle: number): void {
    if (handle < 0) return;
    const slot = handle % SLOT_BITS;
    if (slot >= this.used || this.generation[slot] !== (handle - slot) / SLOT_BITS) return;
    this.cancelled[slot] = 1;
    this.refs[slot] = null;
  }

  /** Takes the earliest event into `kind`/`arg`/`ref`, advancing the clock. False when empty. */
  pop(): boolean {
    for (;;) {
      if (this.size === 0) return false;
      const slot = this.heap[0]!;
      const last = --this.size;
      if (last > 0) this.siftDown(0, this.heap[last]!);
      if (this.cancelled[slot] === 1) {
        this.cancelled[slot] = 0;
        this.releaseSlot(slot);
        continue;
      }
      this.nowMs = this.atMs[slot]!;
      this.kind = this.kinds[slot]!;
      this.arg = this.args[slot]!;
      this.ref = this.refs[slot];
      this.releaseSlot(slot);
      return true;
    }
  }

  /** Time of the earliest pending event, or Infinity. */
  peekAtMs(): number {
    return this.size === 0 ? Infinity : this.atMs[this.heap[0]!]!;
  }

  private takeSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]!;
    if (this.used === this.capacity) this.grow();
    return this.used++;
  }

  private releaseSlot(slot: number): void {
    this.refs[slot] = null;
    this.generation[slot] = (this.generation[slot]! + 1) & GENERATION_MASK;
    this.freeSlots[this.freeCount++] = slot;
  }

  /** Moves `slot` up from the hole at `index` to its place. */
  private siftUp(index: number, slot: number): void {
    const heap = this.heap;
    const at = this.atMs;
    const seq = this.seq;
    const slotAt = at[slot]!;
    const slotSeq = seq[slot]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      const parentAt = at[parent]!;
      if (parentAt < slotAt || (parentAt === slotAt && seq[parent]! < slotSeq)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = slot;
  }

  /** Moves `slot` down from the hole at `index` to its place. */
  private siftDown(index: number, slot: number): void {
    const heap = this.heap;
    const at = this.atMs;
    const seq = this.seq;
    const size = this.size;
    const slotAt = at[slot]!;
    const slotSeq = seq[slot]!;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      let childSlot = heap[child]!;
      if (child + 1 < size) {
        const right = heap[child + 1]!;
        const rightAt = at[right]!;
        const childAt = at[childSlot]!;
        if (rightAt < childAt || (rightAt === childAt && seq[right]! < seq[childSlot]!)) {
          child++;
          childSlot = right;
        }
      }
      const childAt = at[childSlot]!;
      if (slotAt < childAt || (slotAt === childAt && slotSeq < seq[childSlot]!)) break;
      heap[index] = childSlot;
      index = child;
    }
    heap[index] = slot;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    if (capacity > SLOT_BITS)
      throw new Error(`Scheduler: more than ${MAX_PENDING_EVENTS} pending events (a leak in the simulator)`);
    this.atMs = growFloat(this.atMs, capacity);
    this.seq = growFloat(this.seq, capacity);
    this.kinds = growInt(this.kinds, capacity, 0);
    this.args = growInt(this.args, capacity, 0);
    this.generation = growInt(this.generation, capacity, 0);
    const cancelled = new Uint8Array(capacity);
    cancelled.set(this.cancelled);
    this.cancelled = cancelled;
    this.heap = growInt(this.heap, capacity, 0);
    this.freeSlots = growInt(this.freeSlots, capacity, 0);
    for (let i = this.capacity; i < capacity; i++) this.refs.push(null);
    this.capacity = capacity;
  }
}

function growFloat(array: Float64Array, capacity: number): Float64Array {
  const out = new Float64Array(capacity);
  out.set(array);
  return out;
}

function growInt(array: Int32Array, capacity: number, fill: number): Int32Array {
  const out = new Int32Array(capacity);
  if (fill !== 0) out.fill(fill);
  out.set(array);
  return out;
}
