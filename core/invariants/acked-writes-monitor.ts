/**
 * The incremental form of acked-writes-durable, for the safety monitor: the same verdicts as the
 * pure check (acked-writes-durable.ts), from per-node summaries and the acks still worth judging.
 *
 * Acks are the most frequent events of a run with a workload (one per write), so their path is
 * lean: one lookup for the key, one for the node, no allocation in the steady state. Per key the
 * acks still pending form a list, newest first; an ack the new one covers is dropped and its
 * object reused (`pruneCovered`). For a caller that numbers keys (the simulator), the newest ack of
 * each key lives in flat arrays instead (`NumberedHeads`): one ack per write to a random key made
 * the head object a cache miss per ack, the largest single cost of a simulated write.
 *
 * Bounded: acks that are excused stay excused (every excuse only ever becomes true), and such an
 * ack can never be reported, so the lists are swept of them whenever they have doubled.
 */
import { copyWriteAcked, type ObservedEvent } from '../events.ts';
import type { Finding } from '../violation.ts';
import {
  lossCause,
  lostWriteFinding,
  readHolds,
  syncedFromNonHolder,
  winInShard,
  type LossCause,
  type ReadBack,
} from './acked-writes-durable.ts';
import {
  EXT_UNDEFINED,
  FLAG_OLDER_LINKED,
  FLAG_SOLE,
  FLAG_STALE,
  F_AT_MS,
  F_COPIES,
  F_EXTENDS,
  F_FLAGS,
  F_INDEX,
  F_NODE,
  F_OLDER_SEQ,
  F_SEQ,
  NumberedHeads,
  PendingAck,
  REF_ROW,
  ROW,
  R_DISTINCT,
  R_HOLDERS,
  R_HOLDERS_KEY,
  decodeExtends,
  distinctSorted,
  encodeExtends,
  holdersKeyOf,
  NodeFacts,
  type Win,
} from './acked-writes-state.ts';

type WriteAcked = Extract<ObservedEvent, { kind: 'write-acked' }>;

export class AckedWritesMonitor {
  private readonly keys = new Map<string, PendingAck>();
  private readonly nodes = new Map<string, NodeFacts>();
  /**
   * The same lists and facts by the caller's numbers (onWriteAckedNumbered): a string-keyed Map
   * lookup per ack cost the simulator a tenth of its speed. A numbered key's list lives in
   * `heads` only (`keys` holds the named path's lists); `nodes` holds every node's facts.
   */
  private readonly heads = new NumberedHeads();
  private readonly nodesByIndex: Array<NodeFacts | undefined> = [];
  /** Pending acks in the lists (heads in `heads` not counted), and the count that triggers a sweep. */
  private pending = 0;
  private sweepAt = 0;
  private readonly wins: Win[] = [];
  /** Per key, the position of the last MIGRATE that moved it. */
  private readonly lastMigrated = new Map<string, number>();

  /**
   * A sweep comes when the pending acks reach `minSweepAt`, or `sweepGrowth` times what the last
   * sweep kept if more (tests sweep at every pending ack: 1, 0).
   */
  private readonly minSweepAt: number = 0;
  private readonly sweepGrowth: number = 0;

  constructor(minSweepAt = 1024, sweepGrowth = 2) {
    this.minSweepAt = minSweepAt;
    this.sweepGrowth = sweepGrowth;
    this.sweepAt = minSweepAt;
  }

  onNodeState(event: Extract<ObservedEvent, { kind: 'node-state' }>, index: number): void {
    const facts = this.facts(event.node);
    if (event.role === 'replica') {
      facts.primary = event.primary;
      facts.lastDemoted = index;
    }
    facts.configEpoch = event.configEpoch;
    facts.owningPrimary = event.role === 'primary' && event.slotCount > 0;
    if (event.role === 'primary' && event.slotCount < facts.slotCount) facts.lastSlotsLost = index;
    facts.slotCount = event.role === 'primary' ? event.slotCount : 0;
  }

  onWin(event: Extract<ObservedEvent, { kind: 'election-won' }>, index: number): void {
    const former = this.nodes.get(event.node)?.primary ?? null;
    this.wins.push({ index, node: event.node, former });
    if (former !== null && former !== event.node) {
      const facts = this.facts(former);
      facts.supersededAt = Math.max(facts.supersededAt, event.epoch);
    }
  }

  onDataLost(node: string, index: number): void {
    const facts = this.facts(node);
    facts.lastLost = index;
    if (facts.owningPrimary) facts.lastPrimaryLoss = index;
    facts.losses.push(index);
  }

  onNodeDown(node: string, index: number): void {
    this.facts(node).lastDown = index;
  }

  onKeysMigrated(event: Extract<ObservedEvent, { kind: 'keys-migrated' }>, index: number): void {
    for (const key of event.keys) this.lastMigrated.set(key, index);
  }

  onWriteAcked(event: WriteAcked, index: number): void {
    const head = this.keys.get(event.key) ?? null;
    const ack = this.addAck(event, index, this.nodes.get(event.node), head);
    if (ack !== head) {
      this.keys.set(event.key, ack);
      this.pending++;
      if (this.pending >= this.sweepAt) this.sweep();
    }
  }

  /**
   * onWriteAcked for a caller that numbers keys and nodes (the simulator: key n, process index):
   * `keyIndex` always stands for `event.key` and `nodeIndex` for `event.node`, and no other key or
   * node gets the same number, and all of the caller's acks come this way. Same effect as
   * onWriteAcked, array lookups instead of Map lookups by name.
   */
  onWriteAckedNumbered(event: WriteAcked, index: number, keyIndex: number, nodeIndex: number): void {
    // Facts are created once per node and never replaced; one with no marks judges as none at all.
    let facts = this.nodesByIndex[nodeIndex];
    if (facts === undefined) {
      facts = this.facts(event.node);
      this.nodesByIndex[nodeIndex] = facts;
    }
    const heads = this.heads;
    if (keyIndex >= heads.size) heads.ensure(keyIndex);
    const fields = heads.fields;
    const row = keyIndex * ROW;
    // A key with a head was named with its first ack (a row's seq is never reset to 0).
    if (fields[row + F_SEQ] === 0 && heads.keyName[keyIndex] === '') {
      heads.keyName[keyIndex] = event.key;
      heads.keyByName.set(event.key, keyIndex);
    }
    heads.nodeName[nodeIndex] ??= event.node;
    const holders = event.holders;
    const sole = holders.length === 1 && holders[0] === event.node;
    // Sole: one holder, so distinct and sorted already, and its own key.
    const distinctHolders = sole ? holders : distinctSorted(holders);
    const holdersKey = sole ? event.node : holdersKeyOf(distinctHolders);
    const stale = facts.supersededAt >= facts.configEpoch;
    if (fields[row + F_SEQ] !== 0) {
      if (!stale && this.headCovered(keyIndex, event, nodeIndex, holdersKey, sole)) {
        // The head is dropped; so are the older acks the same walk covers (rare: see FLAG_OLDER_LINKED).
        if ((fields[row + F_FLAGS]! & FLAG_OLDER_LINKED) !== 0) {
          const dropped = this.pruneCovered(
            heads.older[keyIndex]!,
            event,
            holdersKey,
            decodeExtends(fields[row + F_EXTENDS]!),
          );
          if (dropped !== null) {
            for (let ack = heads.older[keyIndex]!; ack !== dropped.older; ack = ack.older!) this.pending--;
            heads.setOlder(keyIndex, dropped.older);
          }
        }
      } else if (!this.headExcused(keyIndex)) {
        // The head stays pending: it moves into the list.
        heads.setOlder(keyIndex, heads.list(keyIndex));
        this.pending++;
      }
      // Else the head is dropped here, as the next sweep would drop it (an excuse never goes away):
      // after a failover every key's head is excused when the new primary first acks the key, and
      // making list entries of them all for a sweep to walk was a few per cent of a simulated run.
    }
    fields[row + F_SEQ] = event.seq;
    fields[row + F_EXTENDS] = encodeExtends(event.extendsSeq);
    fields[row + F_NODE] = nodeIndex;
    fields[row + F_COPIES] = event.copies;
    fields[row + F_INDEX] = index;
    fields[row + F_AT_MS] = event.atMs;
    if (!sole) {
      const refs = heads.refs;
      const refRow = keyIndex * REF_ROW;
      refs[refRow + R_HOLDERS] = holders;
      refs[refRow + R_DISTINCT] = distinctHolders;
      refs[refRow + R_HOLDERS_KEY] = holdersKey;
    }
    // The flags before computeOlderLinked, which reads the head's holders (FLAG_SOLE).
    const flags = (stale ? FLAG_STALE : 0) | (sole ? FLAG_SOLE : 0);
    fields[row + F_FLAGS] = flags;
    // In a line (extendsSeq known) the older ack can only be linked if it is the write this one
    // extends, which the row tells without reading the older ack itself.
    const olderSeq = fields[row + F_OLDER_SEQ]!;
    const linked =
      olderSeq !== 0 &&
      (event.extendsSeq === undefined || olderSeq === event.extendsSeq) &&
      heads.computeOlderLinked(keyIndex);
    if (linked) fields[row + F_FLAGS] = flags | FLAG_OLDER_LINKED;
    if (this.pending >= this.sweepAt) this.sweep();
  }

  /** pruneCovered's test on a numbered key's head. */
  private headCovered(
    keyIndex: number,
    ack: WriteAcked,
    nodeIndex: number,
    holdersKey: string,
    sole: boolean,
  ): boolean {
    const fields = this.heads.fields;
    const row = keyIndex * ROW;
    const headSeq = fields[row + F_SEQ]!;
    const ancestor = ack.extendsSeq;
    const isAncestor =
      ancestor === undefined ? fields[row + F_EXTENDS] === EXT_UNDEFINED : ancestor !== null && headSeq === ancestor;
    if (!isAncestor || fields[row + F_NODE] !== nodeIndex) return false;
    // Both sole holders of the same node: the same holders key, without reading it.
    if (!(sole && (fields[row + F_FLAGS]! & FLAG_SOLE) !== 0) && this.heads.holdersKey(keyIndex) !== holdersKey)
      return false;
    return fields[row + F_COPIES]! <= ack.copies && headSeq < ack.seq;
  }

  /** The ack's entry at the head of its key's list (`head`), reusing what it covers; returns the new head. */
  private addAck(event: WriteAcked, index: number, facts: NodeFacts | undefined, head: PendingAck | null): PendingAck {
    // The common case (one holder: WAIT 0) makes no arrays or strings.
    const distinctHolders = distinctSorted(event.holders);
    const holdersKey = holdersKeyOf(distinctHolders);
    const stale = facts !== undefined && facts.supersededAt >= facts.configEpoch;
    const oldestDropped = stale ? null : this.pruneCovered(head, event, holdersKey, event.extendsSeq);
    if (oldestDropped !== null)
      for (let ack = head!.older; ack !== oldestDropped.older; ack = ack!.older) this.pending--;
    const older = oldestDropped === null ? head : oldestDropped.older;
    // Something was dropped: the head was, and its object is reused (the key's entry stays).
    const ack = oldestDropped === null ? new PendingAck() : head!;
    copyWriteAcked(ack, event);
    ack.atMs = event.atMs;
    ack.index = index;
    ack.holdersKey = holdersKey;
    ack.distinctHolders = distinctHolders;
    ack.stale = stale;
    ack.older = older;
    return ack;
  }

  onReadBack(event: Extract<ObservedEvent, { kind: 'read-back' }>): Finding | null {
    const read: ReadBack = { key: event.key, seq: event.seq, node: event.node, atMs: event.atMs };
    if (event.history !== undefined) read.history = event.history;
    let worst: { ack: PendingAck; holdersLost: number; cause: LossCause } | null = null;
    const numbered = this.heads.keyByName.get(event.key);
    const list = numbered === undefined ? (this.keys.get(event.key) ?? null) : this.heads.list(numbered);
    for (let ack = list; ack !== null; ack = ack.older) {
      if (readHolds(read, ack.seq)) continue;
      if (worst !== null && ack.seq <= worst.ack.seq) continue;
      const verdict = this.judge(ack);
      if (!verdict.excused) worst = { ack, holdersLost: verdict.holdersLost, cause: verdict.cause };
    }
    return worst === null ? null : lostWriteFinding(worst.ack.toWrite(), read, worst.holdersLost, worst.cause);
  }

  private facts(node: string): NodeFacts {
    let facts = this.nodes.get(node);
    if (facts === undefined) {
      facts = new NodeFacts();
      this.nodes.set(node, facts);
    }
    return facts;
  }

  /**
   * Drops older acks that the new one covers: acked by the same node with the same holders and no
   * more copies, and an ancestor of it (by `extendsSeq`, or every earlier write when the backend
   * cannot tell). Such an ack can never be the one reported: a value that lacks it lacks the new
   * one too (an ancestor is held whenever its descendant is), the new one has the higher seq, and
   * every excuse of the new one (a later window) excuses the old one too. (An ack by a stale
   * primary drops nothing: its own excuse is not the older ones'.) Returns the oldest ack dropped
   * (what it points to is what is left), for reuse, or null.
   */
  private pruneCovered(
    head: PendingAck | null,
    ack: WriteAcked,
    holdersKey: string,
    firstAncestor: number | null | undefined,
  ): PendingAck | null {
    const linear = ack.extendsSeq === undefined;
    let ancestor = firstAncestor;
    let dropped: PendingAck | null = null;
    let previous = head;
    while (previous !== null) {
      if (!previous.isAncestorFor(ancestor, linear) || previous.node !== ack.node || previous.holdersKey !== holdersKey)
        break;
      if (previous.copies > ack.copies || previous.seq >= ack.seq) break;
      dropped = previous;
      ancestor = previous.extendsSeq;
      previous = previous.older;
    }
    return dropped;
  }

  /**
   * Drops every pending ack (heads aside) that is excused: it can never be reported (an excuse
   * never goes away: data losses, wins, migrations and demotions only accumulate), so the lists
   * stay as long as the acks that could still be lost, however long the run.
   */
  private sweep(): void {
    let kept = 0;
    const sweepList = (first: PendingAck | null): PendingAck | null => {
      let head: PendingAck | null = null;
      let tail: PendingAck | null = null;
      for (let ack = first; ack !== null; ack = ack.older) {
        if (this.excused(ack)) continue;
        kept++;
        if (tail === null) head = ack;
        else tail.older = ack;
        tail = ack;
      }
      if (tail !== null) tail.older = null;
      return head;
    };
    for (const [key, first] of this.keys) {
      const head = sweepList(first);
      if (head === null) this.keys.delete(key);
      else this.keys.set(key, head);
    }
    const heads = this.heads;
    for (let keyIndex = 0; keyIndex < heads.size; keyIndex++) {
      if (heads.older[keyIndex] === null) continue;
      heads.setOlder(keyIndex, sweepList(heads.older[keyIndex]!));
      // The head's link to its first older ack may be gone: recompute it.
      const row = keyIndex * ROW;
      heads.fields[row + F_FLAGS] =
        (heads.fields[row + F_FLAGS]! & (FLAG_STALE | FLAG_SOLE)) |
        (heads.computeOlderLinked(keyIndex) ? FLAG_OLDER_LINKED : 0);
    }
    this.pending = kept;
    this.sweepAt = Math.max(this.minSweepAt, this.sweepGrowth * kept);
  }

  /**
   * judge(ack).excused without the rest of the verdict, and without allocating: a sweep asks it of
   * every pending ack (thousands per sweep), and judge's sets, closures and arrays made the sweeps
   * a few per cent of a simulated run. The same tests in a cheaper order; keep the two in step.
   */
  private excused(ack: PendingAck): boolean {
    return ack.stale || this.excusedAfter(ack.key, ack.index, ack.node, ack.distinctHolders, ack.copies);
  }

  /** excused() for a numbered key's head, read from its row (no PendingAck made for it). */
  private headExcused(keyIndex: number): boolean {
    const heads = this.heads;
    const row = keyIndex * ROW;
    const fields = heads.fields;
    if ((fields[row + F_FLAGS]! & FLAG_STALE) !== 0) return true;
    return this.excusedAfter(
      heads.keyName[keyIndex]!,
      fields[row + F_INDEX]!,
      heads.nodeName[fields[row + F_NODE]!]!,
      heads.distinctHolders(keyIndex),
      fields[row + F_COPIES]!,
    );
  }

  /** excused() but for the stale flag: the excuses that come after the ack (at event position `index`). */
  private excusedAfter(key: string, index: number, node: string, holders: readonly string[], copies: number): boolean {
    if ((this.lastMigrated.get(key) ?? -1) > index) return true;
    let holdersLost = 0;
    for (let i = 0; i < holders.length; i++) {
      const facts = this.nodes.get(holders[i]!);
      if (facts === undefined) continue;
      if (facts.lastPrimaryLoss > index) return true;
      if (facts.lastLost > index) holdersLost++;
    }
    if (holdersLost >= copies) return true;
    const allSure = copies >= holders.length;
    for (let i = this.wins.length - 1; i >= 0 && this.wins[i]!.index > index; i--) {
      const win = this.wins[i]!;
      // winInShard, with the holders as the (distinct) array they are.
      const former = win.former;
      const inShard =
        win.node === node ||
        holders.includes(win.node) ||
        (former !== null && (former === node || holders.includes(former)));
      if (!inShard) continue;
      if (!(holders.includes(win.node) && allSure && !this.lostBetween(win.node, index, win.index))) return true;
    }
    return false;
  }

  private after(node: string, mark: (facts: NodeFacts) => number, index: number): boolean {
    const facts = this.nodes.get(node);
    return facts !== undefined && mark(facts) > index;
  }

  /** Whether a node lost data after position `from` and before position `to`. */
  private lostBetween(node: string, from: number, to: number): boolean {
    const losses = this.nodes.get(node)?.losses;
    if (losses === undefined) return false;
    for (let i = 0; i < losses.length; i++) if (losses[i]! > from && losses[i]! < to) return true;
    return false;
  }

  /** The excuses of the ack's loss (see acked-writes-durable.ts), from the summaries. */
  private judge(ack: PendingAck): { excused: boolean; holdersLost: number; cause: LossCause } {
    const holders = ack.distinctHolders;
    const holdersLost = holders.filter((holder) => this.after(holder, (facts) => facts.lastLost, ack.index)).length;
    const allSure = ack.copies >= holders.length;
    const holderSet = new Set(holders);
    let excusedByFailover = false;
    let failoverAfter = false;
    for (let i = this.wins.length - 1; i >= 0 && this.wins[i]!.index > ack.index; i--) {
      const win = this.wins[i]!;
      if (!winInShard(ack.node, holderSet, win.node, win.former)) continue;
      if (holderSet.has(win.node) && allSure && !this.lostBetween(win.node, ack.index, win.index)) {
        if (!syncedFromNonHolder(holderSet, win.former)) failoverAfter = true;
      } else excusedByFailover = true;
    }
    const migrated = (this.lastMigrated.get(ack.key) ?? -1) > ack.index;
    const primaryLost = holders.some((holder) => this.after(holder, (facts) => facts.lastPrimaryLoss, ack.index));
    const cause = lossCause(
      failoverAfter,
      this.after(ack.node, (facts) => facts.lastDemoted, ack.index),
      this.after(ack.node, (facts) => facts.lastSlotsLost, ack.index),
      holdersLost > 0,
      holders.some((holder) => this.after(holder, (facts) => facts.lastDown, ack.index)),
    );
    return {
      excused: holdersLost >= ack.copies || primaryLost || excusedByFailover || ack.stale || migrated,
      holdersLost,
      cause,
    };
  }
}
