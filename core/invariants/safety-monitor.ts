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
import { AckedWritesMonitor } from './acked-writes-monitor.ts';
import { epochOrderEventFinding } from './epoch-order.ts';
import { doubleVoteFinding, isRestartingDown, type GrantedVote } from './one-vote-per-epoch.ts';
import { twoWinnersFinding, type ElectionWin } from './one-winner-per-epoch.ts';

export interface SafetyMonitor {
  /** Feed the next event; returns a finding if this event breaks an enabled safety invariant. */
  observe(event: ObservedEvent): Finding | null;
  /**
   * observe() for a 'write-acked' event, the most frequent kind, from a caller that numbers keys
   * and nodes (the simulator: key n, process index; the same number always for the same name, and
   * then for every ack): the same verdicts without a lookup by name or a dispatch on `kind`.
   */
  observeWriteAcked?(
    event: Extract<ObservedEvent, { kind: 'write-acked' }>,
    keyIndex: number,
    nodeIndex: number,
  ): Finding | null;
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
  return new EventMonitor(scenario);
}

/**
 * A class, not closures: the simulator makes one per run, and closures made per run are new
 * functions to V8 that it optimises again in every run (the methods of a class are shared).
 */
class EventMonitor implements SafetyMonitor {
  private readonly enabled: Set<InvariantName>;
  private readonly acked = new AckedWritesMonitor();
  private readonly lastRestart = new NodeMarks();
  private readonly formerPrimary = new Map<string, string | null>();
  private readonly firstVotes = new Map<string, GrantedVote & { index: number }>();
  private readonly winners = new Map<number, ElectionWin>();
  private index = -1;

  constructor(scenario: Scenario) {
    this.enabled = new Set<InvariantName>(scenario.validation.invariants);
  }

  private onVote(event: Extract<ObservedEvent, { kind: 'vote-granted' }>): Finding | null {
    const key = `${event.voter}\u0000${event.epoch}`;
    const first = this.firstVotes.get(key);
    if (first === undefined) {
      this.firstVotes.set(key, { candidate: event.candidate, atMs: event.atMs, index: this.index });
      return null;
    }
    const restarted = this.lastRestart.after(event.voter, first.index);
    return doubleVoteFinding(
      event.voter,
      event.epoch,
      first,
      { candidate: event.candidate, atMs: event.atMs },
      restarted,
    );
  }

  private onWin(event: Extract<ObservedEvent, { kind: 'election-won' }>): Finding | null {
    const former = this.formerPrimary.get(event.node) ?? null;
    this.acked.onWin(event, this.index);
    if (!event.consensus) return null;
    const win: ElectionWin = { node: event.node, atMs: event.atMs, formerPrimary: former };
    const first = this.winners.get(event.epoch);
    if (first === undefined) this.winners.set(event.epoch, win);
    else if (first.node !== event.node) return twoWinnersFinding(event.epoch, first, win);
    return null;
  }

  observeWriteAcked(
    event: Extract<ObservedEvent, { kind: 'write-acked' }>,
    keyIndex: number,
    nodeIndex: number,
  ): Finding | null {
    this.index++;
    this.acked.onWriteAckedNumbered(event, this.index, keyIndex, nodeIndex);
    return null;
  }

  observe(event: ObservedEvent): Finding | null {
    const index = ++this.index;
    // Most events of a run with a workload are acks: they go first.
    if (event.kind === 'write-acked') {
      this.acked.onWriteAcked(event, index);
      return null;
    }
    const enabled = this.enabled;
    const acked = this.acked;
    switch (event.kind) {
      case 'node-state':
        if (event.role === 'replica') this.formerPrimary.set(event.node, event.primary);
        acked.onNodeState(event, index);
        return enabled.has('epoch-order') ? epochOrderEventFinding(event) : null;
      case 'vote-granted':
        return enabled.has('one-vote-per-epoch') ? this.onVote(event) : null;
      case 'election-won': {
        const found = this.onWin(event);
        return enabled.has('one-winner-per-epoch') ? found : null;
      }
      case 'read-back':
        return enabled.has('acked-writes-durable') ? acked.onReadBack(event) : null;
      case 'data-lost':
        acked.onDataLost(event.node, index);
        return null;
      case 'node-down':
        acked.onNodeDown(event.node, index);
        if (isRestartingDown(event)) this.lastRestart.set(event.node, index);
        return null;
      case 'keys-migrated':
        acked.onKeysMigrated(event, index);
        return null;
      case 'fault':
      case 'node-up':
      case 'healed':
        return null;
      default: {
        const unknown: never = event;
        throw new Error(`safety monitor: unknown event kind ${(unknown as { kind: string }).kind}`);
      }
    }
  }
}
