/**
 * The topology a step's symbolic targets are resolved against (core/scenario/targets.ts's
 * TopologyEntry): each node's role and shard as the node itself sees it now. A node that is down
 * keeps the entry it last had, so `shard-0-primary` still names a killed primary until another
 * node takes its slots.
 */
import type { TopologyEntry } from '../core/scenario/targets.ts';
import type { ShardLayout } from './formation.ts';
import * as valkey from './valkey/index.ts';
import type { World } from './world.ts';

export class TopologyTracker {
  private readonly last: TopologyEntry[];

  constructor(
    private readonly world: World,
    private readonly layouts: readonly ShardLayout[],
  ) {
    this.last = world.processes.map((process) => ({
      name: process.name,
      shard: process.createdShard,
      role: isLayoutPrimary(layouts, process.index) ? 'primary' : 'replica',
      running: false,
      replicaIndex: null,
    }));
  }

  /** Entries for every process, in node order. */
  entries(): TopologyEntry[] {
    const entries: TopologyEntry[] = this.world.processes.map((process): TopologyEntry => {
      // A process added by add_node has no entry yet: an empty primary until it says otherwise.
      const previous = this.last[process.index] ?? {
        name: process.name,
        shard: null,
        role: 'primary',
        running: false,
        replicaIndex: null,
      };
      const server = process.server;
      // A terminating node is down for the plan from the SIGTERM on (as on the real backend).
      if (!process.runningForPlan || server === null) return { ...previous, running: false, replicaIndex: null };
      const primary = valkey.isPrimary(server.myself);
      const owner = primary ? server.myself : server.myself.replicaOf;
      const shard = owner === null ? null : this.shardOwnedBy(server, owner);
      return { name: process.name, shard, role: primary ? 'primary' : 'replica', running: true, replicaIndex: null };
    });
    for (const entry of entries) {
      if (entry.role !== 'replica' || entry.shard === null) continue;
      entry.replicaIndex = entries
        .filter((other) => other.role === 'replica' && other.shard === entry.shard)
        .indexOf(entry);
    }
    entries.forEach((entry, index) => {
      this.last[index] = entry;
    });
    return entries.map((entry) => ({ ...entry }));
  }

  /**
   * The scenario shard whose initial slot range holds most of the slots `owner` owns in `server`'s
   * view, or null if it owns none (the real backend's rule, real/topology.ts: slots move with
   * migrate_slots, shards keep their number).
   */
  private shardOwnedBy(server: valkey.ValkeyServer, owner: valkey.ClusterNode): number | null {
    if (owner.numSlots === 0) return null;
    const ranges = server.slotsOf(owner).ranges;
    let best: number | null = null;
    let bestCount = 0;
    for (let shard = 0; shard < this.layouts.length; shard++) {
      const { firstSlot, lastSlot } = this.layouts[shard]!;
      let count = 0;
      for (let i = 0; i < ranges.length; i += 2)
        count += Math.max(0, Math.min(ranges[i + 1]!, lastSlot) - Math.max(ranges[i]!, firstSlot) + 1);
      if (count > bestCount) {
        best = shard;
        bestCount = count;
      }
    }
    return best;
  }
}

function isLayoutPrimary(layouts: ReadonlyArray<{ primary: number }>, index: number): boolean {
  for (const layout of layouts) if (layout.primary === index) return true;
  return false;
}
