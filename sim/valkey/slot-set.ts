/**
 * Slot sets: the 16384-bit `myslots` bitmap of Valkey's header and of `clusterNode.slots`, held as
 * immutable, interned range lists. A message carries its sender's set by reference, and "does the
 * claim differ from my view of the sender" (`memcmp(sender->slots, hdr->myslots)`) is a pointer
 * comparison on the hot path. After a failover the winner claims exactly the set its primary had,
 * so the same interned object simply moves from node to node.
 *
 * Not here: who owns a slot in a node's view (valkey/slots.ts keeps the owner table).
 */

/** CLUSTER_SLOTS. */
export const CLUSTER_SLOTS = 16384;

/** Above this many distinct sets the table starts over (equality then falls back to the key). */
const MAX_INTERNED_SETS = 100_000;

export class SlotSet {
  private bitsCache: Uint8Array | null = null;

  /** Canonical text, `0-5460,6000`: equal sets have equal keys. */
  readonly key: string;
  /** Flat inclusive pairs: [start0, end0, start1, end1, ...]. */
  readonly ranges: readonly number[];
  readonly count: number = 0;

  constructor(key: string, ranges: readonly number[], count: number) {
    this.key = key;
    this.ranges = ranges;
    this.count = count;
  }

  /** Whether `slot` is in the set: a bisection over the ranges (few, and no 16384-entry table to touch). */
  has(slot: number): boolean {
    const ranges = this.ranges;
    let low = 0;
    let high = ranges.length >> 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (ranges[2 * middle + 1]! < slot) low = middle + 1;
      else high = middle;
    }
    return low < ranges.length >> 1 && ranges[2 * low]! <= slot;
  }

  /** One byte per slot (1 = in the set), built on first use. */
  get bits(): Uint8Array {
    if (this.bitsCache === null) {
      const bits = new Uint8Array(CLUSTER_SLOTS);
      for (let i = 0; i < this.ranges.length; i += 2) bits.fill(1, this.ranges[i]!, this.ranges[i + 1]! + 1);
      this.bitsCache = bits;
    }
    return this.bitsCache;
  }

  equals(other: SlotSet): boolean {
    return this === other || this.key === other.key;
  }

  /** As CLUSTER NODES lists them: [start, end] pairs. */
  toRanges(): Array<readonly [number, number]> {
    const out: Array<readonly [number, number]> = [];
    for (let i = 0; i < this.ranges.length; i += 2) out.push([this.ranges[i]!, this.ranges[i + 1]!] as const);
    return out;
  }
}

/** The world's intern table: one object per distinct set. */
export class SlotSetTable {
  private readonly byKey = new Map<string, SlotSet>();
  readonly empty: SlotSet;

  constructor() {
    this.empty = this.intern([]);
  }

  /** The set of slots whose entry in a table of owner numbers is `id`. */
  ofOwnerId(ids: Int32Array, id: number): SlotSet {
    const ranges: number[] = [];
    let start = -1;
    for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
      if (ids[slot] === id) {
        if (start < 0) start = slot;
      } else if (start >= 0) {
        ranges.push(start, slot - 1);
        start = -1;
      }
    }
    if (start >= 0) ranges.push(start, CLUSTER_SLOTS - 1);
    return this.intern(ranges);
  }

  /** `set` plus the slots start..end. */
  withRange(set: SlotSet, start: number, end: number): SlotSet {
    const ranges: number[] = [];
    let placed = false;
    const source = set.ranges;
    for (let i = 0; i < source.length; i += 2) {
      const a = source[i]!;
      const b = source[i + 1]!;
      if (!placed && start < a) {
        pushMerged(ranges, start, end);
        placed = true;
      }
      pushMerged(ranges, a, b);
    }
    if (!placed) pushMerged(ranges, start, end);
    return this.intern(ranges);
  }

  /** `set` without the slots start..end. */
  withoutRange(set: SlotSet, start: number, end: number): SlotSet {
    const ranges: number[] = [];
    const source = set.ranges;
    for (let i = 0; i < source.length; i += 2) {
      const a = source[i]!;
      const b = source[i + 1]!;
      if (b < start || a > end) {
        ranges.push(a, b);
        continue;
      }
      if (a < start) ranges.push(a, start - 1);
      if (b > end) ranges.push(end + 1, b);
    }
    return this.intern(ranges);
  }

  /** The set of one inclusive range. */
  ofRange(start: number, end: number): SlotSet {
    if (start < 0 || end >= CLUSTER_SLOTS || end < start) throw new Error(`SlotSetTable: bad range ${start}-${end}`);
    return this.intern([start, end]);
  }

  private intern(ranges: number[]): SlotSet {
    let key = '';
    let count = 0;
    for (let i = 0; i < ranges.length; i += 2) {
      const start = ranges[i]!;
      const end = ranges[i + 1]!;
      if (i > 0) key += ',';
      key += start === end ? `${start}` : `${start}-${end}`;
      count += end - start + 1;
    }
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    if (this.byKey.size >= MAX_INTERNED_SETS) this.byKey.clear();
    const set = new SlotSet(key, ranges, count);
    this.byKey.set(key, set);
    return set;
  }
}

/**
 * The slots of range list `a` that are (`inB` true) or are not (false) in range list `b`, as flat
 * inclusive pairs in ascending order. Both lists sorted and disjoint, as SlotSet keeps them. Lets a
 * rule that treats "slots I bind to the sender" and "slots it claims" differently work on ranges
 * instead of walking every slot.
 */
export function rangesSplit(a: readonly number[], b: readonly number[], inB: boolean): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let start = a[i]!;
    const end = a[i + 1]!;
    while (j < b.length && b[j + 1]! < start) j += 2;
    for (let k = j; start <= end; k += 2) {
      if (k >= b.length || b[k]! > end) {
        if (!inB) out.push(start, end);
        break;
      }
      // b's range k overlaps start..end (it ends at or after start).
      const overlapStart = Math.max(start, b[k]!);
      const overlapEnd = Math.min(end, b[k + 1]!);
      if (!inB && overlapStart > start) out.push(start, overlapStart - 1);
      if (inB) out.push(overlapStart, overlapEnd);
      start = overlapEnd + 1;
    }
  }
  return out;
}

/** Appends start..end to sorted, disjoint `ranges`, merging with the last range if they touch. */
function pushMerged(ranges: number[], start: number, end: number): void {
  const last = ranges.length - 1;
  if (last > 0 && ranges[last]! >= start - 1) {
    if (end > ranges[last]!) ranges[last] = end;
    return;
  }
  ranges.push(start, end);
}
