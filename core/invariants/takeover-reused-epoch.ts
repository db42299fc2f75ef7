/**
 * A slot two live views give to different owners, one of them a down node D that took its shard
 * over (CLUSTER FAILOVER TAKEOVER) at a configEpoch it had already held as a primary before, and
 * the other a live node L that never heard of the takeover (protocol reference §4.1-§4.3).
 *
 * In 8.0.1 a replica keeps its own configEpoch in memory (only loading nodes.conf zeroes a
 * replica's), and clusterBumpConfigEpochWithoutConsensus does not bump when that configEpoch is
 * already the greatest one known. A node that was a primary at the greatest configEpoch e (as
 * `valkey-cli --cluster create` leaves the last node it numbers) and was then made a replica takes
 * its shard over at e again. Every node that heard D claim e as a primary keeps e as D's configEpoch
 * (clusterProcessPacket raises a sender's configEpoch, never lowers it). If D's takeover PONG does
 * not reach L before D dies, the UPDATE a node that did hear it sends L about D (D at e against L's
 * claim at a smaller configEpoch) is "nothing new" to L (n->configEpoch >= reportedConfigEpoch), so
 * L keeps the slot and the other view keeps D: no 8.0.1 rule reunites them while D is down.
 * redis/redis#10798 describes the replica's stale configEpoch that blocks the takeover's bump.
 *
 * The facts required: D is down and L is not; L's own view claims the slot and holds D as a
 * replica (it never heard the promotion); the view naming D holds it as a primary at e and L at a
 * smaller configEpoch; D's last election-won is a takeover (no consensus) at e, after D had been a
 * primary at e and then a replica; and L was running under the same id from that primary state on,
 * never reset, and D was never forgotten since (a restart, a reset or a forget would drop L's record
 * of e). That L heard D's header at e is inferred from the last fact: the message is not an event.
 * views-agree gives such slots their own tag; every other disagreement keeps the plain tag.
 */
import type { ObservedEvent } from '../events.ts';
import { DeadOwnerSplit, type SplitFacts } from './dead-owner-split.ts';
import { peerById } from './view-facts.ts';

export class TakeoverReusedEpoch extends DeadOwnerSplit {
  protected decide(dead: string, live: string, { liveReport, epoch }: SplitFacts): boolean {
    const deadInLive = peerById(liveReport, dead);
    if (deadInLive === undefined || deadInLive.role !== 'replica') return false;
    const deadName = this.directory.nameOf(dead);
    const liveName = this.directory.nameOf(live);
    if (deadName === undefined || liveName === undefined) return false;
    const since = this.reusedSince(deadName, epoch);
    return since !== null && this.keptRecordSince(liveName, live, deadName, since);
  }

  /**
   * When D's last election-won is a takeover at `epoch` and D had been a primary at `epoch`, then a
   * replica, before it: the time of the last such primary state (from then on, nodes that heard D
   * hold `epoch` for it). Null otherwise.
   */
  private reusedSince(deadName: string, epoch: number): number | null {
    const won = this.lastWinIndex(deadName);
    if (won < 0) return null;
    const election = this.events[won] as Extract<ObservedEvent, { kind: 'election-won' }>;
    if (election.consensus || election.epoch !== epoch) return null;
    let sawReplica = false;
    for (let i = won - 1; i >= 0; i--) {
      const event = this.events[i]!;
      if (event.kind !== 'node-state' || event.node !== deadName) continue;
      if (event.role === 'replica') sawReplica = true;
      else if (sawReplica) return event.configEpoch === epoch ? event.atMs : null;
    }
    return null;
  }

  /**
   * Whether L was running at `since` with the id it has now, and since then was never restarted,
   * reset, or made to forget D (each would drop L's record of D's configEpoch: nodes.conf keeps a
   * replica's configEpoch as 0, and a node learned afresh starts at 0).
   */
  private keptRecordSince(liveName: string, liveId: string, deadName: string, since: number): boolean {
    let up = false;
    let idThen: string | undefined;
    for (const event of this.events) {
      const before = event.atMs <= since;
      if (event.kind === 'node-state' && event.node === liveName) {
        if (before) {
          up = true;
          idThen = event.id ?? idThen;
        } else if (event.id !== undefined && event.id !== liveId) return false;
      } else if (event.kind === 'node-up' && event.node === liveName && before) up = true;
      else if (event.kind === 'node-down' && event.node === liveName) {
        // A pause keeps the process's memory; a kill or terminate restarts it from nodes.conf.
        if (!before) {
          if (event.cause === 'pause') continue;
          return false;
        }
        up = false;
      } else if (event.kind === 'fault' && !before) {
        if (event.action === 'reset' && event.nodes.includes(liveName)) return false;
        if (event.action === 'forget' && event.nodes.includes(deadName)) return false;
      }
    }
    return up && idThen === liveId;
  }
}
