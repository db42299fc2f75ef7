/**
 * The incremental form of the safety invariants: the simulator feeds it every event of runs that
 * take millions of steps, the real backend every event it derives on a poll. O(1) work per event
 * (a read-back walks the acked writes of one key, which pruning keeps short, and the elections won
 * since), per-node summaries instead of event lists.
 *
 * It must agree with the pure `check` of epoch-order, one-vote-per-epoch, one-winner-per-epoch and
 * acked-writes-durable on event sequences (a fast-check property feeds both the same events);
 * both build their findings with the same functions, so messages and fingerprints match.
 * epoch-order's view half (reports in views) is not here: views are the convergence checks' input.
 */
import type { ObservedEvent } from '../events.ts';
import type { InvariantName, Scenario } from '../scenario/types.ts';
import type { Finding } from '../violation.ts';
import { ackedWrite, lossCause, lostWriteFinding, readHolds, winInShard, type LossCause, type ReadBack } from './acked-writes-durable.ts';
import { epochOrderEventFinding } from './epoch-order.ts';
import { doubleVoteFinding, isRestartingDown, type GrantedVote } from './one-vote-per-epoch.ts';
import { twoWinnersFinding, type ElectionWin } from './one-winner-per-epoch.ts';

export interface SafetyMonitor {
  /** Feed the next event; returns a finding if this event breaks an enabled safety invariant. */
  observe(event: ObservedEvent): Finding | null;
}

type WriteAcked = Extract<ObservedEvent, { kind: 'write-acked' }>;

/**
 * One acked write as the monitor keeps it: the event's fields (not the event, so events die young)
 * and summaries. Objects of acks dropped by pruning are reused for the next ack: at one ack per
 * write, the steady state allocates nothing here.
 */
class PendingAck {
  /** The event's fields; `holders` is the event's array, shared (events are never changed). */
  event: WriteAcked | null = null;
  seq = 0;
  node = '';
  copies = 0;
  extendsSeq: number | null | undefined = undefined;
  index = -1;
  /** Sorted distinct holders joined: two acks with equal keys have the same holder set. */
  holdersKey = '';
  distinctHolders: readonly string[] = [];
  /** The acking primary had been failed over already (excused whatever follows). */
  stale = false;

  fill(event: WriteAcked, index: number, distinctHolders: readonly string[], holdersKey: string, stale: boolean): void {
    this.event = event;
    this.seq = event.seq;
    this.node = event.node;
    this.copies = event.copies;
    this.extendsSeq = event.extendsSeq;
    this.index = index;
    this.distinctHolders = distinctHolders;
    this.holdersKey = holdersKey;
    this.stale = stale;
  }
}

interface Win {
  index: number;
  node: string;
  former: string | null;
}

/** Per-node event positions, -1 for never. */
class NodeMarks {
  private readonly marks = new Map<string, number>();
  set(node: string, index: number): void {
    this.marks.set(node, index);
  }
  after(node: string, index: number): boolean {
    return (this.marks.get(node) ?? -1) > index;
  }
}

export function createSafetyMonitor(scenario: Scenario): SafetyMonitor {
  const enabled = new Set<InvariantName>(scenario.validation.invariants);
  const lastLost = new NodeMarks();
  /** Data lost while the node was a slot-owning primary (per its last 'node-state'). */
  const lastPrimaryLoss = new NodeMarks();
  const owningPrimaries = new Set<string>();
  const lossIndexes = new Map<string, number[]>();
  const lastDown = new NodeMarks();
  const lastDemoted = new NodeMarks();
  const lastMigrated = new NodeMarks();
  const configEpochs = new Map<string, number>();
  /** Per primary, the largest epoch a replica of it won with (it was failed over then). */
  const supersededAt = new Map<string, number>();
  const wins: Win[] = [];
  const lastRestart = new NodeMarks();
  const formerPrimary = new Map<string, string | null>();
  const firstVotes = new Map<string, GrantedVote & { index: number }>();
  const winners = new Map<number, ElectionWin>();
  const acksByKey = new Map<string, PendingAck[]>();
  let index = -1;

  function onWriteAcked(event: WriteAcked): void {
    // The common case (one holder: WAIT 0) makes no arrays or strings.
    const distinctHolders = event.holders.length === 1 ? event.holders : [...new Set(event.holders)].sort();
    const holdersKey = distinctHolders.length === 1 ? distinctHolders[0]! : distinctHolders.join('\u0000');
    const stale = (supersededAt.get(event.node) ?? -1) >= (configEpochs.get(event.node) ?? 0);
    let list = acksByKey.get(event.key);
    if (list === undefined) {
      list = [];
      acksByKey.set(event.key, list);
    }
    const ack = (stale ? null : pruneCovered(list, event, holdersKey)) ?? new PendingAck();
    ack.fill(event, index, distinctHolders, holdersKey, stale);
    list.push(ack);
  }

  /**
   * Drops older acks that the new one covers: acked by the same node with the same holders and no
   * more copies, and an ancestor of it (by `extendsSeq`, or every earlier write when the backend
   * cannot tell). Such an ack can never be the one reported: a value that lacks it lacks the new
   * one too (an ancestor is held whenever its descendant is), the new one has the higher seq, and
   * every excuse of the new one (a later window) excuses the old one too, unless the new one was
   * acked by a stale primary, so then nothing is dropped. Returns the last one dropped, for reuse.
   */
  function pruneCovered(list: PendingAck[], ack: WriteAcked, holdersKey: string): PendingAck | null {
    const linear = ack.extendsSeq === undefined;
    let ancestor = ack.extendsSeq;
    let dropped: PendingAck | null = null;
    while (list.length > 0) {
      const previous = list[list.length - 1]!;
      const isAncestor = linear ? previous.extendsSeq === undefined : ancestor !== null && ancestor !== undefined && previous.seq === ancestor;
      if (!isAncestor || previous.node !== ack.node || previous.holdersKey !== holdersKey) break;
      if (previous.copies > ack.copies || previous.seq >= ack.seq) break;
      dropped = list.pop()!;
      ancestor = previous.extendsSeq;
    }
    return dropped;
  }

  /** Whether a node lost data after position `from` and before position `to`. */
  function lostBetween(node: string, from: number, to: number): boolean {
    return (lossIndexes.get(node) ?? []).some((at) => at > from && at < to);
  }

  /** The excuses of the ack's loss (see acked-writes-durable.ts), from the summaries. */
  function judge(ack: PendingAck): { excused: boolean; holdersLost: number; cause: LossCause } {
    const holdersLost = ack.distinctHolders.filter((holder) => lastLost.after(holder, ack.index)).length;
    const allSure = ack.copies >= ack.distinctHolders.length;
    const holderSet = new Set(ack.distinctHolders);
    let excusedByFailover = false;
    let failoverAfter = false;
    for (let i = wins.length - 1; i >= 0 && wins[i]!.index > ack.index; i--) {
      const win = wins[i]!;
      if (!winInShard(ack.node, holderSet, win.node, win.former)) continue;
      if (holderSet.has(win.node) && allSure && !lostBetween(win.node, ack.index, win.index)) failoverAfter = true;
      else excusedByFailover = true;
    }
    const migrated = lastMigrated.after(ack.node, ack.index) || ack.distinctHolders.some((holder) => lastMigrated.after(holder, ack.index));
    const cause = lossCause(
      failoverAfter,
      lastDemoted.after(ack.node, ack.index),
      holdersLost > 0,
      ack.distinctHolders.some((holder) => lastDown.after(holder, ack.index)),
    );
    const primaryLost = ack.distinctHolders.some((holder) => lastPrimaryLoss.after(holder, ack.index));
    return { excused: holdersLost >= ack.copies || primaryLost || excusedByFailover || ack.stale || migrated, holdersLost, cause };
  }

  function onReadBack(event: Extract<ObservedEvent, { kind: 'read-back' }>): Finding | null {
    const read: ReadBack = { key: event.key, seq: event.seq, node: event.node, atMs: event.atMs, ...(event.history === undefined ? {} : { history: event.history }) };
    let worst: { ack: PendingAck; holdersLost: number; cause: LossCause } | null = null;
    for (const ack of acksByKey.get(event.key) ?? []) {
      if (readHolds(read, ack.seq)) continue;
      if (worst !== null && ack.seq <= worst.ack.seq) continue;
      const verdict = judge(ack);
      if (!verdict.excused) worst = { ack, holdersLost: verdict.holdersLost, cause: verdict.cause };
    }
    if (worst === null) return null;
    return lostWriteFinding(ackedWrite(worst.ack.event!), read, worst.holdersLost, worst.cause);
  }

  function onVote(event: Extract<ObservedEvent, { kind: 'vote-granted' }>): Finding | null {
    const key = `${event.voter}\u0000${event.epoch}`;
    const first = firstVotes.get(key);
    if (first === undefined) {
      firstVotes.set(key, { candidate: event.candidate, atMs: event.atMs, index });
      return null;
    }
    const restarted = lastRestart.after(event.voter, first.index);
    return doubleVoteFinding(event.voter, event.epoch, first, { candidate: event.candidate, atMs: event.atMs }, restarted);
  }

  function onWin(event: Extract<ObservedEvent, { kind: 'election-won' }>): Finding | null {
    const former = formerPrimary.get(event.node) ?? null;
    wins.push({ index, node: event.node, former });
    if (former !== null && former !== event.node) supersededAt.set(former, Math.max(supersededAt.get(former) ?? -1, event.epoch));
    if (!event.consensus) return null;
    const win: ElectionWin = { node: event.node, atMs: event.atMs, formerPrimary: former };
    const first = winners.get(event.epoch);
    if (first === undefined) winners.set(event.epoch, win);
    else if (first.node !== event.node) return twoWinnersFinding(event.epoch, first, win);
    return null;
  }

  function observe(event: ObservedEvent): Finding | null {
    index++;
    // Most events of a run with a workload are acks: they go first.
    if (event.kind === 'write-acked') {
      onWriteAcked(event);
      return null;
    }
    switch (event.kind) {
      case 'node-state':
        if (event.role === 'replica') {
          formerPrimary.set(event.node, event.primary);
          lastDemoted.set(event.node, index);
        }
        configEpochs.set(event.node, event.configEpoch);
        if (event.role === 'primary' && event.slotCount > 0) owningPrimaries.add(event.node);
        else owningPrimaries.delete(event.node);
        return enabled.has('epoch-order') ? epochOrderEventFinding(event) : null;
      case 'vote-granted':
        return enabled.has('one-vote-per-epoch') ? onVote(event) : null;
      case 'election-won': {
        const found = onWin(event);
        return enabled.has('one-winner-per-epoch') ? found : null;
      }
      case 'read-back':
        return enabled.has('acked-writes-durable') ? onReadBack(event) : null;
      case 'data-lost': {
        lastLost.set(event.node, index);
        if (owningPrimaries.has(event.node)) lastPrimaryLoss.set(event.node, index);
        const losses = lossIndexes.get(event.node) ?? [];
        losses.push(index);
        lossIndexes.set(event.node, losses);
        return null;
      }
      case 'node-down':
        lastDown.set(event.node, index);
        if (isRestartingDown(event)) lastRestart.set(event.node, index);
        return null;
      case 'fault':
        if (event.action === 'migrate_slots') for (const node of event.nodes) lastMigrated.set(node, index);
        return null;
      case 'node-up':
      case 'healed':
        return null;
      default: {
        const unknown: never = event;
        throw new Error(`safety monitor: unknown event kind ${(unknown as { kind: string }).kind}`);
      }
    }
  }

  return { observe };
}
