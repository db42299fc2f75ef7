/**
 * A slot two live views give to different owners, one of them a down node, where the view naming
 * the down owner holds the live owner at the same configEpoch (protocol reference §4.2-§4.3).
 *
 * No 8.0.1 rule can then move the slot: clusterUpdateSlotsConfigWith rebinds a slot only to a
 * claim with a strictly greater configEpoch, clusterProcessPacket sends an UPDATE only about an
 * owner with a strictly greater one, and clusterHandleConfigEpochCollision needs a packet from each
 * colliding primary to the other, which a down node never sends. Gossip entries carry no slots and
 * no configEpoch (§1.2), so the live owner's other peers cannot correct the stale view either.
 * views-agree gives such slots their own tag, so the class is named precisely; every other
 * disagreement keeps the plain tag.
 */
import type { ClusterView, NodeReport } from '../view.ts';
import { DownNodes, type NodeDirectory, peerById } from './view-facts.ts';

export class DeadOwnerTie {
  private readonly down: DownNodes;
  private readonly pairs = new Map<string, boolean>();

  constructor(view: ClusterView, directory: NodeDirectory) {
    this.down = new DownNodes(view, directory);
  }

  /** Whether `id` names a node whose process is down in the view (a paused node comes back). */
  isDown(id: string): boolean {
    return this.down.has(id);
  }

  /**
   * Whether `reportA` naming `ownerA` and `reportB` naming `ownerB` for one slot is the dead-owner
   * tie: exactly one owner is down, and the view naming it sees the live owner as a primary with
   * the same configEpoch as the down one.
   */
  holds(ownerA: string, reportA: NodeReport, ownerB: string, reportB: NodeReport): boolean {
    const key = `${ownerA} ${ownerB}`;
    let tie = this.pairs.get(key);
    if (tie === undefined) {
      tie = this.decide(ownerA, reportA, ownerB) || this.decide(ownerB, reportB, ownerA);
      this.pairs.set(key, tie);
    }
    return tie;
  }

  /** `report` names the down `dead` as owner and holds `live` as a primary at the same configEpoch. */
  private decide(dead: string, report: NodeReport, live: string): boolean {
    if (!this.isDown(dead) || this.isDown(live)) return false;
    const deadPeer = peerById(report, dead);
    const livePeer = peerById(report, live);
    if (deadPeer === undefined || livePeer === undefined) return false;
    return livePeer.role === 'primary' && livePeer.configEpoch === deadPeer.configEpoch;
  }
}
