/**
 * The state acked-writes-monitor.ts keeps: what the excuses know about each node (NodeFacts), the
 * acks it still judges (PendingAck, the fields of its event), and for a caller that numbers keys (the simulator) the newest ack of each
 * key in flat arrays (NumberedHeads) instead of objects: one ack per write to a random key made
 * the head object a cache miss per ack, the largest single cost of a simulated write.
 */
import type { WriteAckedCopy } from '../events.ts';
import type { AckedWrite } from './acked-writes-durable.ts';

/**
 * One pending ack: the event's fields, not the event (an old summary pointing at a young event
 * would cost every scavenge); `holders` is the event's array, shared (events are never changed).
 */
export class PendingAck implements WriteAckedCopy {
  // What pruneCovered reads comes first: one cache line for the check on every ack.
  seq = 0;
  extendsSeq: number | null | undefined = undefined;
  node = '';
  /** Sorted distinct holders joined: two acks with equal keys have the same holder set. */
  holdersKey = '';
  copies = 0;
  /** The next older pending ack of the key. */
  older: PendingAck | null = null;
  index = -1;
  /** The acking primary had been failed over already (excused whatever follows). */
  stale = false;
  key = '';
  atMs = 0;
  holders: readonly string[] = [];
  distinctHolders: readonly string[] = [];

  /** Whether this ack is the one `ancestor` names (linear: every earlier write counts). */
  isAncestorFor(ancestor: number | null | undefined, linear: boolean): boolean {
    return linear
      ? this.extendsSeq === undefined
      : ancestor !== null && ancestor !== undefined && this.seq === ancestor;
  }

  toWrite(): AckedWrite {
    const write: AckedWrite = {
      key: this.key,
      seq: this.seq,
      node: this.node,
      atMs: this.atMs,
      holders: [...this.holders],
      copies: this.copies,
    };
    if (this.extendsSeq !== undefined) write.extendsSeq = this.extendsSeq;
    return write;
  }
}

/**
 * The holders distinct and sorted, as the holders key needs them: the array itself when it
 * already is (one holder; or the simulator's, listed in process order), else a sorted copy.
 */
export function distinctSorted(holders: readonly string[]): readonly string[] {
  for (let i = 1; i < holders.length; i++) {
    if (!(holders[i - 1]! < holders[i]!)) return [...new Set(holders)].sort();
  }
  return holders;
}

/** Equal for two acks exactly when their holder sets are (the common single holder: its name). */
export function holdersKeyOf(distinctHolders: readonly string[]): string {
  return distinctHolders.length === 1 ? distinctHolders[0]! : distinctHolders.join('\u0000');
}

/** extendsSeq in a Float64Array: undefined and null as negative codes (seqs are positive). */
export const EXT_UNDEFINED = -1;
const EXT_NULL = -2;

export function encodeExtends(extendsSeq: number | null | undefined): number {
  return extendsSeq === undefined ? EXT_UNDEFINED : extendsSeq === null ? EXT_NULL : extendsSeq;
}

export function decodeExtends(code: number): number | null | undefined {
  return code === EXT_UNDEFINED ? undefined : code === EXT_NULL ? null : code;
}

/** Fields of a numbered head in `NumberedHeads.fields`, one 64-byte row per key. */
export const F_SEQ = 0;
export const F_EXTENDS = 1;
export const F_NODE = 2;
export const F_COPIES = 3;
export const F_INDEX = 4;
export const F_AT_MS = 5;
/** FLAG_STALE | FLAG_OLDER_LINKED | FLAG_SOLE. */
export const F_FLAGS = 6;
/** The seq of the first older ack (0: none), so the common path need not read that object. */
export const F_OLDER_SEQ = 7;
export const ROW = 8;
export const FLAG_STALE = 1;
/** The first older ack may be covered too once the head is (its seq is the head's extendsSeq). */
export const FLAG_OLDER_LINKED = 2;
/**
 * The holders are the acking node alone (WAIT 0, the simulator's common case): the refs row is
 * not written or read, the holders are rebuilt from the node's name. A row of numbers, not three
 * more references to store, is one cache line less per ack on a random key.
 */
export const FLAG_SOLE = 4;
/** References of a numbered head in `NumberedHeads.refs`: holders, distinct holders, their key. */
export const R_HOLDERS = 0;
export const R_DISTINCT = 1;
export const R_HOLDERS_KEY = 2;
export const REF_ROW = 3;

/**
 * The newest pending ack of each numbered key as a row of numbers (seq 0: none) and a row of
 * references, each row together in memory (a write touches one or two cache lines, not one per
 * field), with the older pending acks of the key as a PendingAck list behind it (`older`).
 */
export class NumberedHeads {
  fields = new Float64Array(0);
  refs: Array<readonly string[] | string> = [];
  older: Array<PendingAck | null> = [];
  /** Names by number (key names by key number, node names by node number). */
  keyName: string[] = [];
  nodeName: string[] = [];
  /** Per node number, `[its name]`: the holders of a FLAG_SOLE head. */
  private readonly soleHolders: Array<readonly string[] | undefined> = [];
  readonly keyByName = new Map<string, number>();

  get size(): number {
    return this.older.length;
  }

  ensure(keyIndex: number): void {
    if (keyIndex < this.size) return;
    let size = Math.max(64, this.size);
    while (size <= keyIndex) size *= 2;
    const fields = new Float64Array(size * ROW);
    fields.set(this.fields);
    this.fields = fields;
    while (this.older.length < size) {
      this.refs.push([], [], '');
      this.older.push(null);
      this.keyName.push('');
    }
  }

  seq(keyIndex: number): number {
    return this.fields[keyIndex * ROW + F_SEQ]!;
  }

  extendsSeq(keyIndex: number): number | null | undefined {
    return decodeExtends(this.fields[keyIndex * ROW + F_EXTENDS]!);
  }

  /** Whether the head's holders are its acking node alone (FLAG_SOLE). */
  sole(keyIndex: number): boolean {
    return (this.fields[keyIndex * ROW + F_FLAGS]! & FLAG_SOLE) !== 0;
  }

  holdersKey(keyIndex: number): string {
    if (this.sole(keyIndex)) return this.nodeName[this.fields[keyIndex * ROW + F_NODE]!]!;
    return this.refs[keyIndex * REF_ROW + R_HOLDERS_KEY] as string;
  }

  /** The head's holders, and the distinct ones (the same array when they already are). */
  holders(keyIndex: number): readonly string[] {
    if (this.sole(keyIndex)) return this.soleHoldersOf(this.fields[keyIndex * ROW + F_NODE]!);
    return this.refs[keyIndex * REF_ROW + R_HOLDERS] as readonly string[];
  }

  distinctHolders(keyIndex: number): readonly string[] {
    if (this.sole(keyIndex)) return this.soleHoldersOf(this.fields[keyIndex * ROW + F_NODE]!);
    return this.refs[keyIndex * REF_ROW + R_DISTINCT] as readonly string[];
  }

  private soleHoldersOf(nodeIndex: number): readonly string[] {
    let holders = this.soleHolders[nodeIndex];
    if (holders === undefined) {
      holders = [this.nodeName[nodeIndex]!];
      this.soleHolders[nodeIndex] = holders;
    }
    return holders;
  }

  /** The head as a PendingAck (a new object) in front of its older list, or the list if none. */
  list(keyIndex: number): PendingAck | null {
    const row = keyIndex * ROW;
    const fields = this.fields;
    if (fields[row + F_SEQ] === 0) return this.older[keyIndex]!;
    const ack = new PendingAck();
    ack.key = this.keyName[keyIndex]!;
    ack.seq = fields[row + F_SEQ]!;
    ack.extendsSeq = decodeExtends(fields[row + F_EXTENDS]!);
    ack.node = this.nodeName[fields[row + F_NODE]!]!;
    ack.copies = fields[row + F_COPIES]!;
    ack.index = fields[row + F_INDEX]!;
    ack.atMs = fields[row + F_AT_MS]!;
    ack.stale = (fields[row + F_FLAGS]! & FLAG_STALE) !== 0;
    ack.holders = this.holders(keyIndex);
    ack.distinctHolders = this.distinctHolders(keyIndex);
    ack.holdersKey = this.holdersKey(keyIndex);
    ack.older = this.older[keyIndex]!;
    return ack;
  }

  /** Sets the first older ack of a key, and what the head's row says about it. */
  setOlder(keyIndex: number, older: PendingAck | null): void {
    this.older[keyIndex] = older;
    this.fields[keyIndex * ROW + F_OLDER_SEQ] = older === null ? 0 : older.seq;
  }

  /** Whether the head's first older ack is linked to it (see FLAG_OLDER_LINKED), from the objects. */
  computeOlderLinked(keyIndex: number): boolean {
    const older = this.older[keyIndex]!;
    if (older === null || this.seq(keyIndex) === 0) return false;
    const extendsSeq = this.extendsSeq(keyIndex);
    const node = this.nodeName[this.fields[keyIndex * ROW + F_NODE]!];
    return (
      older.isAncestorFor(extendsSeq, extendsSeq === undefined) &&
      older.node === node &&
      older.holdersKey === this.holdersKey(keyIndex)
    );
  }
}

/** What the excuses need to know about one node; positions are event indexes, -1 for never. */
export class NodeFacts {
  configEpoch = 0;
  /** The largest epoch a replica of it won with (it was failed over then), -1 for none. */
  supersededAt = -1;
  /** Per its last 'node-state': a primary that owns slots. */
  owningPrimary = false;
  /** Its primary per its last 'node-state' as a replica. */
  primary: string | null = null;
  lastLost = -1;
  lastPrimaryLoss = -1;
  lastDown = -1;
  lastDemoted = -1;
  /** Its slot count per its last 'node-state' (0 as a replica), and when that count last fell while a primary. */
  slotCount = 0;
  lastSlotsLost = -1;
  losses: number[] = [];
}

export interface Win {
  index: number;
  node: string;
  former: string | null;
}
