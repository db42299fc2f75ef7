/**
 * The incremental form of acked-writes-durable, for the safety monitor: the same verdicts as the
 * pure check (acked-writes-durable.ts), from per-node summaries and the acks still worth judging.
 *
 * Acks are the most frequent events of a run with a workload (one per write), so their path is
 * lean: one lookup for the key, one for the node, no allocation in the steady state. Per key the
 * acks still pending form a list, newest first; an ack the new one covers is dropped and its
 * object reused (`pruneCovered`).
 */
import type { ObservedEvent } from '../events.ts';
import type { Finding } from '../violation.ts';
import { lossCause, lostWriteFinding, readHolds, winInShard, type AckedWrite, type LossCause, type ReadBack } from './acked-writes-durable.ts';

type WriteAcked = Extract<ObservedEvent, { kind: 'write-acked' }>;

/**
 * One pending ack: the event's fields, not the event (an old summary pointing at a young event
 * would cost every scavenge); `holders` is the event's array, shared (events are never changed).
 */
class PendingAck {
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

  toWrite(): AckedWrite {
    const write: AckedWrite = { key: this.key, seq: this.seq, node: this.node, atMs: this.atMs, holders: [...this.holders], copies: this.copies };
    if (this.extendsSeq !== undefined) write.extendsSeq = this.extendsSeq;
    return write;
  }
}

/** What the excuses need to know about one node; positions are event indexes, -1 for never. */
class NodeFacts {
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

interface Win {
  index: number;
  node: string;
  former: string | null;
}

export class AckedWritesMonitor {
  private readonly keys = new Map<string, PendingAck>();
  private readonly nodes = new Map<string, NodeFacts>();
  /**
   * The same lists and facts by the caller's numbers (onWriteAckedNumbered): a string-keyed Map
   * lookup per ack cost the simulator a tenth of its speed. `keys` and `nodes` stay the truth.
   */
  private readonly keysByIndex: Array<PendingAck | undefined> = [];
  private readonly nodesByIndex: Array<NodeFacts | undefined> = [];
  private readonly wins: Win[] = [];
  /** Per key, the position of the last MIGRATE that moved it. */
  private readonly lastMigrated = new Map<string, number>();

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
    if (ack !== head) this.keys.set(event.key, ack);
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
    let head = this.keysByIndex[keyIndex];
    if (head === undefined) head = this.keys.get(event.key) ?? undefined;
    const ack = this.addAck(event, index, facts, head ?? null);
    if (ack !== head) {
      this.keys.set(event.key, ack);
      this.keysByIndex[keyIndex] = ack;
    }
  }

  /** The ack's entry at the head of its key's list (`head`), reusing what it covers; returns the new head. */
  private addAck(event: WriteAcked, index: number, facts: NodeFacts | undefined, head: PendingAck | null): PendingAck {
    // The common case (one holder: WAIT 0) makes no arrays or strings.
    const distinctHolders = event.holders.length === 1 ? event.holders : [...new Set(event.holders)].sort();
    const holdersKey = distinctHolders.length === 1 ? distinctHolders[0]! : distinctHolders.join('\u0000');
    const stale = facts !== undefined && facts.supersededAt >= facts.configEpoch;
    const oldestDropped = stale ? null : this.pruneCovered(head, event, holdersKey);
    const older = oldestDropped === null ? head : oldestDropped.older;
    // Something was dropped: the head was, and its object is reused (the key's entry stays).
    const ack = oldestDropped === null ? new PendingAck() : head!;
    ack.key = event.key;
    ack.atMs = event.atMs;
    ack.seq = event.seq;
    ack.node = event.node;
    ack.holders = event.holders;
    ack.copies = event.copies;
    ack.extendsSeq = event.extendsSeq;
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
    for (let ack = this.keys.get(event.key) ?? null; ack !== null; ack = ack.older) {
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
  private pruneCovered(head: PendingAck | null, ack: WriteAcked, holdersKey: string): PendingAck | null {
    const linear = ack.extendsSeq === undefined;
    let ancestor = ack.extendsSeq;
    let dropped: PendingAck | null = null;
    let previous = head;
    while (previous !== null) {
      const isAncestor = linear ? previous.extendsSeq === undefined : ancestor !== null && ancestor !== undefined && previous.seq === ancestor;
      if (!isAncestor || previous.node !== ack.node || previous.holdersKey !== holdersKey) break;
      if (previous.copies > ack.copies || previous.seq >= ack.seq) break;
      dropped = previous;
      ancestor = previous.extendsSeq;
      previous = previous.older;
    }
    return dropped;
  }

  private after(node: string, mark: (facts: NodeFacts) => number, index: number): boolean {
    const facts = this.nodes.get(node);
    return facts !== undefined && mark(facts) > index;
  }

  /** Whether a node lost data after position `from` and before position `to`. */
  private lostBetween(node: string, from: number, to: number): boolean {
    return (this.nodes.get(node)?.losses ?? []).some((at) => at > from && at < to);
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
      if (holderSet.has(win.node) && allSure && !this.lostBetween(win.node, ack.index, win.index)) failoverAfter = true;
      else excusedByFailover = true;
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
    return { excused: holdersLost >= ack.copies || primaryLost || excusedByFailover || ack.stale || migrated, holdersLost, cause };
  }
}
