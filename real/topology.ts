/**
 * The run's topology as core/scenario/targets.ts wants it when a step resolves its targets: each
 * node's role and shard from its own latest report (kept while it is down), and whether it runs.
 *
 * A primary's shard is the scenario shard whose initial slot range holds most of its slots (slots
 * move with failovers and migrate_slots, shards keep their number); a replica belongs to its
 * primary's shard; a primary without slots to none.
 */
import type { TopologyEntry } from '../core/scenario/targets.ts';
import type { NodeReport, SlotRange } from '../core/view.ts';
import type { RealNode } from './cluster.ts';
import { shardSlotRange } from './formation.ts';

export function buildTopology(
  nodes: readonly RealNode[],
  reportOf: (name: string) => NodeReport | undefined,
  numShards: number,
): TopologyEntry[] {
  const shardOfId = new Map<string, number | null>();
  for (const node of nodes) {
    const report = reportOf(node.name);
    if (report !== undefined && report.role === 'primary')
      shardOfId.set(report.id, shardOfSlots(report.slots, numShards));
  }
  const entries: TopologyEntry[] = nodes.map((node) => {
    const report = reportOf(node.name);
    const running = node.host.process.state === 'running';
    if (report === undefined) {
      return { name: node.name, shard: node.createdShard, role: 'primary', running, replicaIndex: null };
    }
    if (report.role === 'primary') {
      return { name: node.name, shard: shardOfId.get(report.id) ?? null, role: 'primary', running, replicaIndex: null };
    }
    const shard = report.replicaOf === null ? null : (shardOfId.get(report.replicaOf) ?? node.createdShard);
    return { name: node.name, shard, role: 'replica', running, replicaIndex: null };
  });
  // Replica positions by node number within each shard (nodes are kept in creation order).
  const seen = new Map<number | null, number>();
  for (const entry of entries) {
    if (entry.role !== 'replica') continue;
    const position = seen.get(entry.shard) ?? 0;
    entry.replicaIndex = position;
    seen.set(entry.shard, position + 1);
  }
  return entries;
}

/** The scenario shard whose initial range holds most of these slots; null for none. */
export function shardOfSlots(slots: readonly SlotRange[], numShards: number): number | null {
  let best: number | null = null;
  let bestCount = 0;
  for (let shard = 0; shard < numShards; shard++) {
    const [shardStart, shardEnd] = shardSlotRange(shard, numShards);
    let count = 0;
    for (const [start, end] of slots) count += Math.max(0, Math.min(end, shardEnd) - Math.max(start, shardStart) + 1);
    if (count > bestCount) {
      best = shard;
      bestCount = count;
    }
  }
  return best;
}
