/**
 * one-primary-per-shard: after faults heal, a shard that owns slots has exactly one node that
 * claims to be primary (protocol reference §9.3 "exactly one primary per shard", "old primaries
 * became replicas"; §3.5, §4.5). Shards are grouped by the shard id each live node reports.
 *
 * Shapes: `via=split-slots` (two primaries of one shard own slots: a split brain), and for a
 * primary without slots next to the owner, by what made it one (its last such event):
 * `via=slotless-election` (it won an election that gave it no slots: a replica re-pointed to a
 * primary that had lost its slots, e.g. by a stale packet, §1.8 step 7f), `via=no-election` (it
 * was a replica and turned primary without winning anything: in 8.0.1 a stale packet from a node
 * that claims to replicate it does that, §1.8 step 7f promotes the claimed primary, itself),
 * `via=reset` (CLUSTER RESET left it an empty primary that keeps its shard id, as 8.0.1 does) or
 * `via=stale-demotion` (a primary that was never turned into a replica).
 */
import type { ObservedEvent } from '../events.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { countShape, lastView, liveNodes, type LiveNode } from './view-facts.ts';

function byShard(live: readonly LiveNode[]): Map<string, LiveNode[]> {
  const shards = new Map<string, LiveNode[]>();
  for (const node of live) {
    const members = shards.get(node.report.shardId) ?? [];
    members.push(node);
    shards.set(node.report.shardId, members);
  }
  return shards;
}

/** What last made `node` a primary without slots: an election it won, a reset, none while a replica, or neither. */
function slotlessVia(
  events: readonly ObservedEvent[],
  node: string,
): 'slotless-election' | 'no-election' | 'reset' | 'stale-demotion' {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind === 'election-won' && event.node === node) return 'slotless-election';
    if (event.kind === 'fault' && event.action === 'reset' && event.nodes.includes(node)) return 'reset';
    if (event.kind !== 'node-state' || event.node !== node) continue;
    if (event.role === 'replica') return 'no-election';
    if (event.slotCount > 0) return 'stale-demotion';
  }
  return 'stale-demotion';
}

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  for (const members of byShard(liveNodes(view)).values()) {
    const primaries = members.filter((node) => node.report.role === 'primary');
    const owning = primaries.filter((node) => node.report.slots.length > 0);
    if (owning.length === 0 || primaries.length < 2) continue;
    const slotless = primaries.find((node) => node.report.slots.length === 0);
    const via =
      owning.length >= 2 || slotless === undefined ? 'split-slots' : slotlessVia(context.events, slotless.name);
    const describe = (node: LiveNode): string =>
      `${node.name} (configEpoch ${node.report.configEpoch}, ${node.report.slots.length > 0 ? 'owns slots' : 'no slots'})`;
    return finding(
      'one-primary-per-shard',
      `primaries=${countShape(primaries.length)},via=${via}`,
      `Shard of ${members.map((node) => node.name).join(', ')} has ${primaries.length} nodes claiming primary at ` +
        `${view.atMs} ms: ${primaries.map(describe).join(', ')}; a converged shard has one primary and the ` +
        'others replicate it',
      primaries.map((node) => node.name),
    );
  }
  return null;
}

export const onePrimaryPerShard: Invariant = {
  name: 'one-primary-per-shard',
  kind: 'convergence',
  summary: 'a shard that owns slots has exactly one node claiming primary',
  check,
};
