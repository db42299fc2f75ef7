/**
 * A slot two live views give to different owners, where one owner is a down node and the other a
 * live node that has itself given the slot to that down node: its own view names the down node as
 * the owner, and no node that is not down claims the slot (protocol reference §4.3-§4.5).
 *
 * In 8.0.1 a slot's owner is the only node that spreads its claim (the myslots of its PING/PONG
 * header; gossip entries carry no slots, §1.2), and an UPDATE is sent only to a sender that claims
 * a slot whose owner has a greater configEpoch (clusterProcessPacket). So once the new owner is
 * down, a node that never heard its claim keeps the slot on the old owner: the old owner no longer
 * claims it (clusterUpdateSlotsConfigWith keeps the binding and only sets owner_not_claiming_slot),
 * no live node claims it to draw an UPDATE, and the views stay split until the down node returns.
 * The usual way there: a migration's SETSLOT NODE on the target, whose PONG broadcast misses a
 * node that is down or cut off, and the target dies before its next PING to that node.
 * views-agree gives such slots their own tag; every other disagreement keeps the plain tag.
 */
import type { ClusterView } from '../view.ts';
import {
  claimedSlotsOf,
  DownNodes,
  type NodeDirectory,
  ownerIdOf,
  slotOwnerTable,
  type SlotOwnerTable,
} from './view-facts.ts';

export class GivenToDownOwner {
  private readonly down: DownNodes;
  private readonly ownViews = new Map<string, SlotOwnerTable | null>();
  /** Slots some node that is not down claims in its own report; null when one such node did not answer. */
  private claimedByUp: Uint8Array | null | undefined;

  constructor(
    private readonly view: ClusterView,
    directory: NodeDirectory,
  ) {
    this.down = new DownNodes(view, directory);
  }

  /** Whether `ownerA` (one view's owner of `slot`) against `ownerB` (the other's) is this class. */
  holds(slot: number, ownerA: string, ownerB: string): boolean {
    const aDown = this.isDown(ownerA);
    if (aDown === this.isDown(ownerB)) return false;
    const [dead, live] = aDown ? [ownerA, ownerB] : [ownerB, ownerA];
    const claimed = this.claimedSlots();
    if (claimed === null || claimed[slot] === 1) return false;
    const liveView = this.ownView(live);
    return liveView !== null && ownerIdOf(liveView, slot) === dead;
  }

  /** Whether `id` names a node whose process is down in the view (a paused node comes back). */
  private isDown(id: string): boolean {
    return this.down.has(id);
  }

  /** The slot owners in the view of the running node with id `id`, or null if it did not answer. */
  private ownView(id: string): SlotOwnerTable | null {
    let table = this.ownViews.get(id);
    if (table === undefined) {
      const report = this.view.nodes.find((node) => node.process === 'running' && node.report?.id === id)?.report;
      table = report === undefined || report === null ? null : slotOwnerTable(report);
      this.ownViews.set(id, table);
    }
    return table;
  }

  /**
   * The slots claimed by a node that is not down (a paused node's claim reaches the others once it
   * resumes). Null when such a node gave no report: its claims are unknown, so no slot qualifies.
   */
  private claimedSlots(): Uint8Array | null {
    if (this.claimedByUp === undefined) this.claimedByUp = claimedSlotsOf(this.view, (node) => node.process !== 'down');
    return this.claimedByUp;
  }
}
