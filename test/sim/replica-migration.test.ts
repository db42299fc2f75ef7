/**
 * Replica migration (protocol reference §3.6) on a formed cluster: an orphaned primary (slots, no
 * working replica, MIGRATE_TO because it had one) gets a replica from the best-covered primary
 * after being orphaned for 5 s, the smallest id among that primary's replicas moving, unless the
 * migration barrier or cluster-allow-replica-migration forbids it. A primary whose last replica
 * left (rather than failed) lost MIGRATE_TO with it and gets none.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../core/scenario/types.ts';
import * as valkey from '../../sim/valkey/index.ts';
import type { World } from '../../sim/world.ts';
import { formedWorld, roleOf, runWorldUntil, serverOf } from './helpers.ts';

/** 3 x 2: shard 0 is node-0 with replicas node-1 and node-2; both replicas are killed. */
function orphanShard0(seed: number, cluster: Partial<ClusterConfig> = {}): { world: World; killedAtMs: number } {
  const world = formedWorld(seed, { replicasPerShard: 2, ...cluster });
  world.crash(1);
  world.crash(2);
  return { world, killedAtMs: world.nowMs };
}

/** The replicas of shards 1 and 2 (node-4, node-5, node-7, node-8), smallest id first. */
function donorsBySmallestId(world: World): string[] {
  return ['node-4', 'node-5', 'node-7', 'node-8'].sort((a, b) =>
    serverOf(world, a).myself.name < serverOf(world, b).myself.name ? -1 : 1,
  );
}

function replicasOf(world: World, primary: string): string[] {
  return ['node-4', 'node-5', 'node-7', 'node-8'].filter((name) => roleOf(world, name).primary === primary);
}

describe('replica migration', () => {
  it('a primary whose replicas all failed gets the replica with the smallest id among those of the best-covered primaries, 5 s after it was orphaned and not before', () => {
    const { world, killedAtMs } = orphanShard0(61);
    const [smallest] = donorsBySmallestId(world);
    runWorldUntil(world, killedAtMs + valkey.REPLICA_MIGRATION_DELAY_MS);
    expect(replicasOf(world, 'node-0')).toEqual([]);
    runWorldUntil(world, killedAtMs + valkey.REPLICA_MIGRATION_DELAY_MS + 3000);
    expect(replicasOf(world, 'node-0')).toEqual([smallest]);
    expect(serverOf(world, smallest!).replication.state).toBe(3 /* connected */);
  });

  it('no migration when the donor would keep no more than migration_barrier working replicas', () => {
    const { world, killedAtMs } = orphanShard0(62, { migrationBarrier: 2 });
    runWorldUntil(world, killedAtMs + 12_000);
    expect(replicasOf(world, 'node-0')).toEqual([]);
  });

  it('no migration with cluster-allow-replica-migration off', () => {
    const { world, killedAtMs } = orphanShard0(63, { allowReplicaMigration: false });
    runWorldUntil(world, killedAtMs + 12_000);
    expect(replicasOf(world, 'node-0')).toEqual([]);
  });

  it('a primary whose only replica moved away by REPLICATE lost MIGRATE_TO with it (8.0.1 clears it with the last replica) and gets no replica back', () => {
    const world = formedWorld(64, { replicasPerShard: 1 });
    const node2 = serverOf(world, 'node-2').myself.identity;
    expect(world.command(1, (server) => valkey.replicate(server, node2))).toBeNull();
    const movedAtMs = world.nowMs;
    runWorldUntil(world, movedAtMs + 12_000);
    expect(roleOf(world, 'node-1').primary).toBe('node-2');
    expect(roleOf(world, 'node-3').primary).toBe('node-2');
    const node0InView = serverOf(world, 'node-3').lookup(serverOf(world, 'node-0').myself.identity)!;
    expect(node0InView.flags & valkey.NODE_MIGRATE_TO).toBe(0);
  });
});
