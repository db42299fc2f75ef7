/**
 * The incremental form of the safety invariants: the simulator feeds it every event of runs that
 * take millions of steps, the real backend every event it derives on a poll. O(1) work per event
 * (a read-back walks the acked writes of one key, which pruning keeps short), per-node summaries
 * instead of event lists.
 *
 * It must agree with the pure `check` of epoch-order, one-vote-per-epoch, one-winner-per-epoch and
 * acked-writes-durable on event sequences (a fast-check property feeds both the same events);
 * both build their findings with the same functions, so messages and fingerprints match.
 * epoch-order's view half (reports in views) is not here: views are the convergence checks' input.
 */
import type { ObservedEvent } from '../events.ts';
import type { InvariantName, Scenario } from '../scenario/types.ts';
import type { Finding } from '../violation.ts';
import { lossCause, lostWriteFinding, type AckedWrite } from './acked-writes-durable.ts';
import { epochOrderEventFinding } from './epoch-order.ts';
import { doubleVoteFinding, isRestartingDown, type GrantedVote } from './one-vote-per-epoch.ts';
import { twoWinnersFinding, type ElectionWin } from './one-winner-per-epoch.ts';

export interface SafetyMonitor {
  /** Feed the next event; returns a finding if this event breaks an enabled safety invariant. */
  observe(event: ObservedEvent): Finding | null;
}

interface PendingAck {
  write: AckedWrite;
  index: number;
  /** Sorted distinct holders joined: two acks with equal keys have the same holder set. */
  holdersKey: string;
  distinctHolders: string[];
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
  const lastDown = new NodeMarks();
  const lastRestart = new NodeMarks();
  /** A win by the node itself or by a replica of it (its shard was failed over). */
  const lastWinAffecting = new NodeMarks();
  const formerPrimary = new Map<string, string | null>();
  const firstVotes = new Map<string, GrantedVote & { index: number }>();
  const winners = new Map<number, ElectionWin>();
  const acksByKey = new Map<string, PendingAck[]>();
  let index = -1;

  function onWriteAcked(event: Extract<ObservedEvent, { kind: 'write-acked' }>): void {
    const distinctHolders = [...new Set(event.holders)].sort();
    const ack: PendingAck = {
      write: { key: event.key, seq: event.seq, node: event.node, atMs: event.atMs, holders: [...event.holders], copies: event.copies },
      index,
      holdersKey: distinctHolders.join('\u0000'),
      distinctHolders,
    };
    const list = acksByKey.get(event.key) ?? [];
    // An older ack with the same holders and no more copies can never be the one reported: if the
    // newer one is lost without excuse it outranks it, and if the newer one is excused so is it.
    while (list.length > 0) {
      const previous = list[list.length - 1]!;
      if (previous.holdersKey !== ack.holdersKey || previous.write.copies > ack.write.copies || previous.write.seq >= ack.write.seq) break;
      list.pop();
    }
    list.push(ack);
    acksByKey.set(event.key, list);
  }

  function onReadBack(event: Extract<ObservedEvent, { kind: 'read-back' }>): Finding | null {
    let worst: { ack: PendingAck; holdersLost: number } | null = null;
    for (const ack of acksByKey.get(event.key) ?? []) {
      if (event.seq !== null && ack.write.seq <= event.seq) continue;
      if (worst !== null && ack.write.seq <= worst.ack.write.seq) continue;
      const holdersLost = ack.distinctHolders.filter((holder) => lastLost.after(holder, ack.index)).length;
      if (holdersLost < ack.write.copies) worst = { ack, holdersLost };
    }
    if (worst === null) return null;
    const { ack, holdersLost } = worst;
    const cause = lossCause(
      ack.distinctHolders.some((holder) => lastWinAffecting.after(holder, ack.index)),
      holdersLost > 0,
      ack.distinctHolders.some((holder) => lastDown.after(holder, ack.index)),
    );
    return lostWriteFinding(ack.write, { key: event.key, seq: event.seq, node: event.node, atMs: event.atMs }, holdersLost, cause);
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
    lastWinAffecting.set(event.node, index);
    if (former !== null) lastWinAffecting.set(former, index);
    if (!event.consensus) return null;
    const win: ElectionWin = { node: event.node, atMs: event.atMs, formerPrimary: former };
    const first = winners.get(event.epoch);
    if (first === undefined) winners.set(event.epoch, win);
    else if (first.node !== event.node) return twoWinnersFinding(event.epoch, first, win);
    return null;
  }

  function observe(event: ObservedEvent): Finding | null {
    index++;
    switch (event.kind) {
      case 'node-state':
        if (event.role === 'replica') formerPrimary.set(event.node, event.primary);
        return enabled.has('epoch-order') ? epochOrderEventFinding(event) : null;
      case 'vote-granted':
        return enabled.has('one-vote-per-epoch') ? onVote(event) : null;
      case 'election-won': {
        const found = onWin(event);
        return enabled.has('one-winner-per-epoch') ? found : null;
      }
      case 'write-acked':
        onWriteAcked(event);
        return null;
      case 'read-back':
        return enabled.has('acked-writes-durable') ? onReadBack(event) : null;
      case 'data-lost':
        lastLost.set(event.node, index);
        return null;
      case 'node-down':
        lastDown.set(event.node, index);
        if (isRestartingDown(event)) lastRestart.set(event.node, index);
        return null;
      case 'node-up':
      case 'fault':
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
