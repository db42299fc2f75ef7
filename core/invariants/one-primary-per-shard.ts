/**
 * one-primary-per-shard: after faults heal, a shard that owns slots has exactly one node that
 * claims to be primary (protocol reference §9.3 "exactly one primary per shard", "old primaries
 * became replicas"; §3.5, §4.5). Shards are grouped by the shard id each live node reports.
 *
 * Two shapes: `via=split-slots` (two primaries of one shard own slots: a split brain) and
 * `via=stale-demotion` (one owns the slots, the other kept the primary role without slots: an old
 * primary that was never turned into a replica).
 */
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

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  for (const members of byShard(liveNodes(view)).values()) {
    const primaries = members.filter((node) => node.report.role === 'primary');
    const owning = primaries.filter((node) => node.report.slots.length > 0);
    if (owning.length === 0 || primaries.length < 2) continue;
    const via = owning.length >= 2 ? 'split-slots' : 'stale-demotion';
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
