/**
 * Slots a node sees unassigned because it deleted their owner: a node that CLUSTER FORGET banned
 * (protocol reference §1.9), whose claim the observer had taken (its own slots went to it), and
 * that is down now, with no running node claiming the slots.
 *
 * The usual way there in 8.0.1: the ban is gossiped as its remaining whole seconds and each
 * receiver that knows the node re-arms it as its own server.unixtime + that TTL
 * (clusterProcessPingExtensions, FORGOTTEN_NODE), so a message that waited in a paused node's
 * socket, or a node that re-learned the banned node after a restart dropped its in-memory ban, keeps
 * the ban alive past its 60 s on some nodes. The observer, its own ban over, learns the node again
 * (a CLUSTER MEET; MEET ignores the ban) and adopts its claim at a greater configEpoch
 * (clusterUpdateSlotsConfigWith: the observer's own slots go to it). Then a PING or PONG of a node
 * that still bans it makes the observer delete it, and clusterDelNode unassigns its slots
 * (clusterDelNodeSlots). Nobody else knew the node, so the others keep the observer as the owner,
 * which no longer claims the slots; 8.0.1 binds a slot only to a node that claims it, and the
 * forgotten node died before any node re-learned it.
 * slot-coverage tags such gaps `forgotten-owner`; any other gap keeps its plain tag.
 */
import type { ObservedEvent } from '../events.ts';
import type { ClusterView } from '../view.ts';
import type { LiveNode, NodeDirectory } from './view-facts.ts';

/**
 * Whether the `count` unassigned slots `slots` of `observer`'s view are this class: a node that a
 * `forget` step banned is down, last reported itself a primary owning at least `count` slots, is
 * absent from the observer's view, the observer lost at least `count` of its own slots after that
 * forget, and no running node claims any of the slots (a running node that gave no report fails it).
 */
export function forgottenOwnerHolds(
  view: ClusterView,
  observer: LiveNode,
  events: readonly ObservedEvent[],
  directory: NodeDirectory,
  slots: ReadonlyArray<readonly [number, number]>,
  count: number,
): boolean {
  if (count === 0 || claimedByRunning(view, slots) !== false) return false;
  const known = new Set(observer.report.peers.flatMap((peer) => directory.nameOf(peer.id) ?? []));
  const down = new Set(view.nodes.filter((node) => node.process !== 'running').map((node) => node.name));
  const forgottenAt = new Map<string, number>();
  const ownedAtEnd = new Map<string, number>();
  let observerSlots: number | null = null;
  const observerLossAfter: Array<{ atMs: number; lost: number }> = [];
  for (const event of events) {
    if (event.kind === 'fault' && event.action === 'forget' && event.detail.includes(': OK')) {
      for (const node of event.nodes) if (!forgottenAt.has(node)) forgottenAt.set(node, event.atMs);
    } else if (event.kind === 'node-state') {
      ownedAtEnd.set(event.node, event.role === 'primary' ? event.slotCount : 0);
      if (event.node === observer.name) {
        if (observerSlots !== null && event.slotCount < observerSlots)
          observerLossAfter.push({ atMs: event.atMs, lost: observerSlots - event.slotCount });
        observerSlots = event.slotCount;
      }
    }
  }
  for (const [node, atMs] of forgottenAt) {
    if (node === observer.name || !down.has(node) || known.has(node)) continue;
    if ((ownedAtEnd.get(node) ?? 0) < count) continue;
    if (observerLossAfter.some((loss) => loss.atMs > atMs && loss.lost >= count)) return true;
  }
  return false;
}

/** Whether a running node's own report claims one of `slots`; null when a running node gave no report. */
function claimedByRunning(view: ClusterView, slots: ReadonlyArray<readonly [number, number]>): boolean | null {
  for (const node of view.nodes) {
    if (node.process !== 'running') continue;
    if (node.report === null) return null;
    for (const [start, end] of node.report.slots)
      if (slots.some(([from, to]) => start <= to && from <= end)) return true;
  }
  return false;
}

/** What a finding adds after its slots when the class holds. */
export const FORGOTTEN_OWNER_WHY =
  ' (their owner, a node banned by CLUSTER FORGET and now down, took them from this node and was then deleted from its view with them, by a gossiped ban)';
