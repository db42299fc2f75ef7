/**
 * membership-symmetric: after faults heal, every live node knows every other live node by its
 * current id, with an address (no `noaddr`) and past the handshake, and keeps no handshake entry
 * for a live node's address (protocol reference §9.3 "known_nodes identical and symmetric,
 * including no noaddr ghosts"; §5.1, §5.2). Down nodes may be known or forgotten. A live node that
 * no other live node knows by its current id and that knows none of them, or an island of such
 * nodes that know only one another, is reported first, as `isolated` (one finding, not one per
 * peer): they are outside the cluster, and the slot and view invariants judge members only.
 *
 * A missing peer is tagged by what keeps it missing under 8.0.1: `one-sided` when the unknown node
 * knows the observer (it PINGs it, but clusterProcessPacket adds an unknown sender only on a MEET);
 * `mutual,ban=clock-phase` when a FORGET ban may be circulating (clock-facts.ts); and
 * `mutual,via=one-sided` when neither of the pair is known by any other live node: each is
 * one-sided against every peer it knows, so no live node can name either in gossip
 * (clusterProcessGossipSection adds only nodes a known sender names) and the two never meet; and
 * `mutual,via=no-introducer` for the other pairs that no gossip can ever introduce: neither of the
 * two knows, directly or through the nodes it can learn, a live node that knows the other (two nodes
 * that know no live node, say, though a third knows both: they hear no gossip they would process;
 * or a pair whose one link to the rest is a node that knows only one of them: clusterSendPing's
 * `freshnodes` leaves it no entry to gossip).
 *
 * A handshake leftover is tagged `clock=back` when the entry was made at a reading of the
 * observer's wall clock later than it reads now: 8.0.1 times a handshake out on the wall clock
 * (clock-facts.ts handshakeCtimeAhead), and nothing else ends one whose MEET or reply was lost.
 */
import type { PeerView } from '../view.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { handshakeCtimeAhead, secondPhasesDiffer, wasForgotten } from './clock-facts.ts';
import { lastView, liveNodes, outsiders, peerById, type LiveNode } from './view-facts.ts';

/**
 * Whether no live node but `node` itself knows its current id. Such a node PINGs the peers it
 * knows and they answer, but 8.0.1 adds an unknown sender only on a MEET (clusterProcessPacket),
 * and clusterProcessGossipSection adds only nodes that a known sender names: nobody live can name
 * it, so it stays unknown to all of them (and to any node they introduce) until an operator MEETs
 * it again. valkey-io/valkey#1307 (8.1.0) has a node MEET a peer it has no inbound link from.
 */
function unknownToAll(node: LiveNode, live: readonly LiveNode[]): boolean {
  return live.every((other) => other === node || peerById(other.report, node.report.id) === undefined);
}

/**
 * For each live node, the ids of the live nodes it knows now or can come to know under 8.0.1's
 * rules, the views as they stand. A node adds a peer in two ways only: clusterProcessPacket adds the
 * unknown sender of a MEET (as a handshake), and clusterProcessGossipSection adds the unknown ids a
 * known sender names in a PING or PONG (a sender is known when the receiver has its id; a PONG
 * answers any PING, so a node hears the gossip of every live node it knows). A sender names only
 * nodes it knows. So node O can learn S only if O knows a live X (other than S) that knows or can
 * learn S: the closure below. It over-approximates, so a pair it leaves apart cannot be joined by
 * gossip: gossip of nodes in handshake, noaddr, or linkless and slotless (clusterSendPing) counts
 * too, FORGET bans are ignored, and a handshake entry for a live node's address counts both ways
 * (its PONG would complete it, and a CLUSTER MEET it came from adds the sender at the other end).
 * Only down nodes are left out: they send nothing. One limit of 8.0.1's is kept, as it is certain:
 * clusterSendPing draws its random gossip from at most dictSize(nodes) - 2 entries (`freshnodes`:
 * itself and the receiver left out, whether or not it knows the receiver), so a node whose table
 * holds itself and one other node names that node to nobody, and the PFAIL section it appends
 * regardless names only nodes it flags `fail?` (seed 1534716114: node-2, knowing only node-1,
 * PONGs the rest without gossip, so none of them ever hears of node-1).
 */
function learnable(live: readonly LiveNode[]): Map<LiveNode, Set<string>> {
  const byId = new Map(live.map((node) => [node.report.id, node] as const));
  const byAddress = new Map(live.map((node) => [node.report.address, node] as const));
  const known = new Map(live.map((node) => [node, new Set<string>()] as const));
  for (const node of live) {
    for (const peer of node.report.peers) {
      if (peer.id === node.report.id) continue;
      if (byId.has(peer.id)) known.get(node)!.add(peer.id);
      const subject = peer.flags.includes('handshake') ? byAddress.get(peer.address) : undefined;
      if (subject === undefined || subject === node) continue;
      known.get(node)!.add(subject.report.id);
      known.get(subject)!.add(node.report.id);
    }
  }
  // What a sender can name: anything once its table holds three entries (now, or with what it can
  // learn), else only the nodes it flags PFAIL now (clusterSendPing's `freshnodes` is then 0).
  const names = (sender: LiveNode, id: string): boolean =>
    sender.report.peers.length >= 3 ||
    known.get(sender)!.size >= 2 ||
    peerById(sender.report, id)?.flags.includes('fail?') === true;
  for (let grew = true; grew; ) {
    grew = false;
    for (const node of live) {
      const mine = known.get(node)!;
      for (const id of [...mine]) {
        const sender = byId.get(id)!;
        for (const learnt of known.get(sender)!) {
          if (learnt === node.report.id || mine.has(learnt) || !names(sender, learnt)) continue;
          mine.add(learnt);
          grew = true;
        }
      }
    }
  }
  return known;
}

function peerFinding(
  observer: LiveNode,
  subject: LiveNode,
  peer: PeerView | undefined,
  atMs: number,
  live: readonly LiveNode[],
  banRecirculates: (a: string, b: string) => boolean,
  canMeet: (a: LiveNode, b: LiveNode) => boolean,
): Finding | null {
  if (peer === undefined) {
    // One-sided: the subject knows the observer, so it PINGs it, but 8.0.1 ignores the gossip of an
    // unknown sender and only a MEET adds it (valkey-io/valkey#1307 sends that MEET in 8.1).
    const oneSided = peerById(subject.report, observer.report.id) !== undefined;
    // Mutual, with one of the two forgotten earlier and clocks whose seconds turn over at different
    // instants: 8.0.1's FORGET ban may be circulating for good (clock-facts.ts secondPhasesDiffer).
    const ban = !oneSided && banRecirculates(observer.name, subject.name);
    // Mutual between two nodes that no other live node knows: two one-sided members that no
    // gossip can introduce to each other (unknownToAll).
    const strangers = !oneSided && !ban && unknownToAll(observer, live) && unknownToAll(subject, live);
    // Mutual between two nodes that no chain of gossip among the live nodes can introduce to each
    // other (learnable): each knows only nodes that cannot name the other.
    const apart = !oneSided && !ban && !strangers && !canMeet(observer, subject);
    const tag = ban ? ',ban=clock-phase' : strangers ? ',via=one-sided' : apart ? ',via=no-introducer' : '';
    return finding(
      'membership-symmetric',
      `missing-peer,${oneSided ? 'one-sided' : 'mutual'}${tag}`,
      `${observer.name} does not know ${subject.name} (id ${subject.report.id.slice(0, 8)}) at ${atMs} ms, although ` +
        `both are live${oneSided ? ` and ${subject.name} knows ${observer.name}` : ''}` +
        `${strangers ? ', and no other live node knows either of them' : ''}` +
        `${apart ? ', and no live node that either of them knows or can learn by gossip knows the other' : ''}` +
        '; after healing every live node knows every other',
      [observer.name, subject.name],
    );
  }
  for (const flag of ['noaddr', 'handshake'] as const) {
    if (!peer.flags.includes(flag)) continue;
    return finding(
      'membership-symmetric',
      `flag=${flag}`,
      `${observer.name} still lists ${subject.name} with flag ${flag} at ${atMs} ms (flags ${peer.flags.join(',')}); ` +
        'a live peer should be known with its address after healing',
      [observer.name, subject.name],
    );
  }
  return null;
}

function handshakeLeftover(
  observer: LiveNode,
  live: readonly LiveNode[],
  atMs: number,
  events: InvariantContext['events'],
): Finding | null {
  for (const peer of observer.report.peers) {
    if (!peer.flags.includes('handshake')) continue;
    const subject = live.find((node) => node.report.address === peer.address && node.report.id !== peer.id);
    if (subject === undefined) continue;
    // The entry's ctime lies in the observer's future: 8.0.1's handshake timeout cannot fire until
    // its wall clock catches up (clock-facts.ts handshakeCtimeAhead).
    const held = handshakeCtimeAhead(events, observer.name, subject.name, atMs);
    return finding(
      'membership-symmetric',
      `handshake-leftover${held ? ',clock=back' : ''}`,
      `${observer.name} keeps a handshake entry (id ${peer.id.slice(0, 8)}) for the address of live node ` +
        `${subject.name} (${peer.address}) at ${atMs} ms` +
        `${held ? `, created at a reading of ${observer.name}'s wall clock later than it reads now` : ''}; ` +
        'the handshake should have completed or timed out',
      [observer.name, subject.name],
    );
  }
  return null;
}

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const live = liveNodes(view);
  const outside = outsiders(live, view.nodes.length);
  if (outside.length > 0) {
    const node = outside[0]!;
    const knows = live
      .filter((other) => other !== node && peerById(node.report, other.report.id) !== undefined)
      .map((other) => other.name);
    const island = outside.filter((other) => other === node || knows.includes(other.name));
    return finding(
      'membership-symmetric',
      'isolated',
      `${node.name} (id ${node.report.id.slice(0, 8)}) is outside the cluster at ${view.atMs} ms: ` +
        (island.length > 1
          ? `it and ${island
              .filter((other) => other !== node)
              .map((other) => other.name)
              .join(', ')} know only one another`
          : 'no other live node knows its current id and it knows none of them') +
        ` (${node.report.peers.length - 1} other entries in its CLUSTER NODES); after healing every live node is a member`,
      island.map((other) => other.name),
    );
  }
  const events = context.events;
  const names = live.map((node) => node.name);
  const banRecirculates = (a: string, b: string): boolean =>
    (wasForgotten(events, a, view.atMs) || wasForgotten(events, b, view.atMs)) &&
    secondPhasesDiffer(events, names, view.atMs);
  // Computed once, and only when a mutual loss needs it.
  let reach: Map<LiveNode, Set<string>> | null = null;
  const canMeet = (a: LiveNode, b: LiveNode): boolean => {
    reach ??= learnable(live);
    return reach.get(a)!.has(b.report.id) || reach.get(b)!.has(a.report.id);
  };
  for (const observer of live) {
    for (const subject of live) {
      if (subject === observer) continue;
      const found = peerFinding(
        observer,
        subject,
        peerById(observer.report, subject.report.id),
        view.atMs,
        live,
        banRecirculates,
        canMeet,
      );
      if (found !== null) return found;
    }
    const leftover = handshakeLeftover(observer, live, view.atMs, events);
    if (leftover !== null) return leftover;
  }
  return null;
}

export const membershipSymmetric: Invariant = {
  name: 'membership-symmetric',
  kind: 'convergence',
  summary: 'every live node knows every other live node, with no noaddr or handshake leftovers',
  check,
};
