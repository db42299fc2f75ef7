/**
 * The data model: the keys a node holds (key -> seq of the write that set it), as the cluster
 * code and replication act on them. It implements keyspace.ts's hook, so CLUSTER RESET, REPLICATE,
 * SETSLOT and the dirty slots of clusterUpdateSlotsConfigWith see real keys.
 *
 * Hook for migrate_slots (sim/admin-actions.ts): `source.keyspace.migrateSlot(slot, target.keyspace)`
 * moves every key of a slot as MIGRATE does: RESTORE on the target (propagated to the target's
 * replicas) and DEL on the source (propagated to the source's replicas). There is no separate
 * `moveSlotKeys`; `migrateSlot` is that hook, a slot at a time.
 *
 * Keys are the workload's `key:<n>`, named here by n. A value is the workload's seq, so writes are
 * told apart; 0 never occurs as a value (seqs start at 1), and in the replication stream seq 0
 * means DEL. Bounded by the workload's key count (values in an array indexed by key). Replication
 * (replication.ts) moves data as writes in the stream and as a snapshot on a full sync; `digest()`
 * is what CLUSTER views report as `dataDigest` (DEBUG DIGEST's role: equal data, equal digest).
 */
import { keySlot } from '../key-slot.ts';
import { DEL_STREAM_BYTES, RESTORE_STREAM_BYTES, SET_STREAM_BYTES } from './constants.ts';
import type { Keyspace } from './keyspace.ts';
import { CLUSTER_SLOTS } from './slot-set.ts';

/**
 * Slot per workload key, -1 not computed yet. A typed array: a plain array filled at random key
 * numbers went sparse (dictionary elements), a megamorphic keyed load on every write.
 */
let slotOfKeyCache = new Int16Array(0);

/** The hash slot of workload key n (`key:<n>`), cached. */
export function slotOfKey(key: number): number {
  if (key < slotOfKeyCache.length) {
    const slot = slotOfKeyCache[key]!;
    if (slot >= 0) return slot;
  }
  return computeSlotOfKey(key);
}

function computeSlotOfKey(key: number): number {
  const slot = keySlot(`key:${key}`);
  if (!Number.isInteger(key) || key < 0) return slot;
  if (key >= slotOfKeyCache.length) {
    const grown = new Int16Array(Math.max(1024, 2 * slotOfKeyCache.length, key + 1)).fill(-1);
    grown.set(slotOfKeyCache);
    slotOfKeyCache = grown;
  }
  slotOfKeyCache[key] = slot;
  return slot;
}

/** A well-mixed 32-bit hash of one key and its value, summed into the digest. */
function entryHash(key: number, seq: number): number {
  let h = Math.imul(key + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seq + 0x7f4a7c15, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A node's data as a full sync ships it: seq per key (0: absent), indexed by key. */
export type DataSnapshot = Float64Array;

/**
 * What a keyspace asks of the server that holds it (server-boot.ts provides it): whether its
 * writes feed a replication stream (a primary's do), the stream itself, and the report of keys
 * MIGRATE moved. Injected, so the data model depends on no protocol rule.
 */
export interface KeyspaceOwner {
  readonly processIndex: number;
  /** A primary (no primary address) propagates its own writes. */
  feedsStream(): boolean;
  feedWrite(bytes: number, key: number, seq: number, requestAck: boolean): void;
  keysMigrated(to: KeyspaceOwner, keys: readonly number[]): void;
}

export class DataKeyspace implements Keyspace {
  /** seq per key, 0 when absent; grown to the largest key written (the workload's key count). */
  private values = new Float64Array(0);
  private count = 0;
  /** Keys per slot (countKeysInSlot), allocated with the first key. */
  private perSlot: Uint16Array | null = null;

  constructor(readonly owner: KeyspaceOwner) {}

  /** The seq the key holds, 0 when absent. */
  get(key: number): number {
    return key < this.values.length ? this.values[key]! : 0;
  }

  keyCount(): number {
    return this.count;
  }

  countKeysInSlot(slot: number): number {
    return this.perSlot === null ? 0 : this.perSlot[slot]!;
  }

  /** delKeysInSlot: a primary propagates each DEL to its replicas (8.0 does, propagateDeletion). */
  deleteKeysInSlot(slot: number): number {
    const keys = this.keysInSlot(slot);
    const propagate = this.owner.feedsStream();
    for (const key of keys) {
      this.remove(key);
      if (propagate) this.owner.feedWrite(DEL_STREAM_BYTES, key, 0, false);
    }
    return keys.length;
  }

  /** emptyData. */
  flush(): void {
    this.values.fill(0);
    this.count = 0;
    this.perSlot?.fill(0);
  }

  /** MIGRATE every key of the slot: RESTORE on `target`, then DEL here (both propagated). */
  migrateSlot(slot: number, target: Keyspace): number {
    if (!(target instanceof DataKeyspace)) throw new Error('migrateSlot: the target keyspace is not modelled');
    const keys = this.keysInSlot(slot);
    for (const key of keys) {
      target.restore(key, this.get(key));
      this.remove(key);
      if (this.owner.feedsStream()) this.owner.feedWrite(DEL_STREAM_BYTES, key, 0, false);
    }
    if (keys.length > 0) this.owner.keysMigrated(target.owner, keys);
    return keys.length;
  }

  /** A client write on a primary: set the key and feed the stream; returns the seq it replaced. */
  clientWrite(key: number, seq: number, requestAck: boolean): number {
    const previous = this.set(key, seq);
    this.owner.feedWrite(SET_STREAM_BYTES, key, seq, requestAck);
    return previous;
  }

  /** A write from the replication stream (seq 0: DEL). */
  apply(key: number, seq: number): void {
    if (seq === 0) this.remove(key);
    else this.set(key, seq);
  }

  /** A copy of the data (the RDB of a full sync). */
  snapshot(): DataSnapshot {
    return this.values.slice();
  }

  /** Loading a full sync's RDB: the data becomes the snapshot. */
  replaceWith(snapshot: DataSnapshot): void {
    this.flush();
    for (let key = 0; key < snapshot.length; key++) if (snapshot[key] !== 0) this.set(key, snapshot[key]!);
  }

  /** Whether replacing the data with `snapshot` drops or changes some key. */
  losesTo(snapshot: DataSnapshot): boolean {
    const values = this.values;
    for (let key = 0; key < values.length; key++) {
      if (values[key] !== 0 && (key >= snapshot.length || snapshot[key] !== values[key])) return true;
    }
    return false;
  }

  /** DEBUG DIGEST's role: `<keys>:<hash>`, equal for equal data (computed when views ask). */
  digest(): string {
    let sum = 0;
    const values = this.values;
    for (let key = 0; key < values.length; key++)
      if (values[key] !== 0) sum = (sum + entryHash(key, values[key]!)) >>> 0;
    return `${this.count}:${sum.toString(16).padStart(8, '0')}`;
  }

  private restore(key: number, seq: number): void {
    this.set(key, seq);
    if (this.owner.feedsStream()) this.owner.feedWrite(RESTORE_STREAM_BYTES, key, seq, false);
  }

  private set(key: number, seq: number): number {
    if (key >= this.values.length) this.grow(key);
    const previous = this.values[key]!;
    if (previous === 0) {
      this.count++;
      this.perSlot ??= new Uint16Array(CLUSTER_SLOTS);
      this.perSlot[slotOfKey(key)]!++;
    }
    this.values[key] = seq;
    return previous;
  }

  private remove(key: number): void {
    if (this.get(key) === 0) return;
    this.values[key] = 0;
    this.count--;
    this.perSlot![slotOfKey(key)]!--;
  }

  private grow(key: number): void {
    let size = Math.max(16, this.values.length);
    while (size <= key) size *= 2;
    const values = new Float64Array(size);
    values.set(this.values);
    this.values = values;
  }

  /** The keys of a slot, in key order (so what they do to the stream is deterministic). */
  private keysInSlot(slot: number): number[] {
    if (this.countKeysInSlot(slot) === 0) return [];
    const keys: number[] = [];
    const values = this.values;
    for (let key = 0; key < values.length; key++) if (values[key] !== 0 && slotOfKey(key) === slot) keys.push(key);
    return keys;
  }
}
