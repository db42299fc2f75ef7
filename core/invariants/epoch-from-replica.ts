/**
 * A slot two live views give to different owners, one of them a down node D that won its shard
 * at configEpoch e, and the other a live node L that learned D's promotion and configEpoch e only
 * from the header of D's replica R, never from D's own claim (protocol reference §1.8, §4.1-§4.3).
 *
 * In 8.0.1 clusterProcessPacket handles a sender it last knew as a primary that now reports itself
 * a replica of a node in its shard ("A failover occurred in shard", redis/redis#13055): it makes
 * that node a primary and sets its configEpoch to the one in the header (a replica's header carries
 * its primary's configEpoch), but moves no slot to it. So L holds D as a primary at e owning none
 * of the slots, which L keeps at a smaller configEpoch. A node that heard D's own claim then answers
 * L's claim with an UPDATE about D at e, and to L that is "nothing new" (n->configEpoch >=
 * reportedConfigEpoch), so clusterUpdateSlotsConfigWith never runs; only D's own PING or PONG would
 * move the slots, and D is down. No 8.0.1 rule reunites the views while D is down.
 *
 * The facts required: D is down and L is not; L's own view claims the slot, holds D as a primary at
 * a configEpoch of at least e, and holds some third node R as D's replica; the view naming D holds
 * it as a primary at e and L at a smaller configEpoch; D's last election-won is at e and D was a
 * primary at e only from it on and always with slots (so each header of D at e claimed slots, which
 * would have moved them away from L, whose configEpoch is below e: L never processed one); R was a primary and later
 * reported itself D's replica at e (the header the rule reads). That L read R's header is inferred:
 * the message is not an event. views-agree gives such slots their own tag; every other disagreement
 * keeps the plain tag.
 */
import type { ObservedEvent } from '../events.ts';
import { DeadOwnerSplit, type SplitFacts } from './dead-owner-split.ts';
import { peerById } from './view-facts.ts';

export class EpochFromReplica extends DeadOwnerSplit {
  protected decide(dead: string, live: string, { liveReport, epoch }: SplitFacts): boolean {
    // L's record of D: a primary at e or above (the UPDATE is nothing new), with none of L's slots.
    const deadInLive = peerById(liveReport, dead);
    if (deadInLive === undefined || deadInLive.role !== 'primary' || deadInLive.configEpoch < epoch) return false;
    if (liveReport.configEpoch >= epoch) return false;
    const deadName = this.directory.nameOf(dead);
    if (deadName === undefined || !this.wonFresh(deadName, epoch)) return false;
    // A third node L holds as D's replica, which was a primary and then reported itself D's replica at e.
    return liveReport.peers.some((peer) => {
      if (peer.id === dead || peer.id === live || peer.role !== 'replica' || peer.replicaOf !== dead) return false;
      const name = this.directory.nameOf(peer.id);
      return name !== undefined && this.turnedReplicaOf(name, deadName, epoch);
    });
  }

  /**
   * Whether D's last election-won is at `epoch` and every state of D as a primary at `epoch` came
   * from it on and owned slots: each header of D at `epoch` claimed slots.
   */
  private wonFresh(deadName: string, epoch: number): boolean {
    const won = this.lastWinIndex(deadName);
    if (won < 0) return false;
    const election = this.events[won] as Extract<ObservedEvent, { kind: 'election-won' }>;
    if (election.epoch !== epoch) return false;
    return this.events.every(
      (event, i) =>
        event.kind !== 'node-state' ||
        event.node !== deadName ||
        event.role !== 'primary' ||
        event.configEpoch !== epoch ||
        (i > won && event.slotCount > 0),
    );
  }

  /** Whether `name` was a primary and, after that, reported itself a replica of D at `epoch`. */
  private turnedReplicaOf(name: string, deadName: string, epoch: number): boolean {
    let wasPrimary = false;
    for (const event of this.events) {
      if (event.kind !== 'node-state' || event.node !== name) continue;
      if (event.role === 'primary') wasPrimary = true;
      else if (wasPrimary && event.primary === deadName && event.configEpoch === epoch) return true;
    }
    return false;
  }
}
