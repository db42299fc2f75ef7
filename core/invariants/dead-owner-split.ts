/**
 * What the views-agree tags for a slot split between a down owner D and a live owner L share
 * (epoch-from-replica.ts, takeover-reused-epoch.ts): the split must have exactly one side down,
 * L's own view must claim the slot, and each (D, L, view naming D) triple is decided once, by the
 * subclass's rule, however many slots it covers.
 */
import type { ObservedEvent } from '../events.ts';
import type { ClusterView, NodeReport } from '../view.ts';
import {
  DownNodes,
  type NodeDirectory,
  ownerIdOf,
  peerById,
  slotOwnerTable,
  type SlotOwnerTable,
} from './view-facts.ts';

/**
 * What both rules start from: L's own report, and the view naming D holding D as a primary at
 * `epoch` with L below it (the split's shape: D's claim is the newer one).
 */
export interface SplitFacts {
  liveReport: NodeReport;
  epoch: number;
}

export abstract class DeadOwnerSplit {
  private readonly down: DownNodes;
  private readonly pairs = new Map<string, boolean>();
  private readonly ownTables = new Map<string, SlotOwnerTable | null>();

  constructor(
    protected readonly view: ClusterView,
    protected readonly directory: NodeDirectory,
    protected readonly events: readonly ObservedEvent[],
  ) {
    this.down = new DownNodes(view, directory);
  }

  /** Whether `reportA` naming `ownerA` and `reportB` naming `ownerB` for `slot` is this class. */
  holds(slot: number, ownerA: string, reportA: NodeReport, ownerB: string, reportB: NodeReport): boolean {
    const aDown = this.down.has(ownerA);
    if (aDown === this.down.has(ownerB)) return false;
    const [dead, deadView, live] = aDown ? [ownerA, reportA, ownerB] : [ownerB, reportB, ownerA];
    const liveTable = this.ownTable(live);
    if (liveTable === null || ownerIdOf(liveTable, slot) !== live) return false;
    const key = `${dead} ${live} ${deadView.id}`;
    let found = this.pairs.get(key);
    if (found === undefined) {
      const facts = this.splitFacts(dead, deadView, live);
      found = facts !== null && this.decide(dead, live, facts);
      this.pairs.set(key, found);
    }
    return found;
  }

  /** The rule: D (id `dead`) down, L (id `live`) live and claiming the slot, with the shared facts. */
  protected abstract decide(dead: string, live: string, facts: SplitFacts): boolean;

  private splitFacts(dead: string, deadView: NodeReport, live: string): SplitFacts | null {
    const liveReport = this.reportOf(live);
    if (liveReport === null) return null;
    const deadPeer = peerById(deadView, dead);
    const livePeer = peerById(deadView, live);
    if (deadPeer === undefined || livePeer === undefined) return null;
    if (deadPeer.role !== 'primary' || livePeer.configEpoch >= deadPeer.configEpoch) return null;
    return { liveReport, epoch: deadPeer.configEpoch };
  }

  /** The index in the events of `name`'s last election-won, or -1. */
  protected lastWinIndex(name: string): number {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const event = this.events[i]!;
      if (event.kind === 'election-won' && event.node === name) return i;
    }
    return -1;
  }

  protected reportOf(id: string): NodeReport | null {
    return this.view.nodes.find((node) => node.process === 'running' && node.report?.id === id)?.report ?? null;
  }

  /** The slot owners in the own view of the running node with id `id`, or null if none answered. */
  private ownTable(id: string): SlotOwnerTable | null {
    let table = this.ownTables.get(id);
    if (table === undefined) {
      const report = this.reportOf(id);
      table = report === null ? null : slotOwnerTable(report);
      this.ownTables.set(id, table);
    }
    return table;
  }
}
