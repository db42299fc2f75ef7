/**
 * Partitions cut replication too: the replica's connection to its primary goes through the
 * primary's client-port proxy from the replica's own address, so a partition between them stalls
 * the replication stream (the replica's offset stops while the primary's grows) and the heal lets
 * it catch up. Our own client (127.0.0.1) is never cut.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER } from '../../core/scenario/types.ts';
import { RealCluster } from '../../real/cluster.ts';
import { formCluster } from '../../real/formation.ts';
import { findServer } from '../../real/index.ts';
import { parseInfo } from '../../real/node-report.ts';
import { ServerFarm } from '../../real/server-farm.ts';
import { delay } from '../../real/server-process.ts';

const farm = new ServerFarm(findServer());
afterAll(() => farm.close());

async function offsets(cluster: RealCluster): Promise<{ primary: number; replica: number }> {
  const primary = parseInfo(String(await cluster.nodeByName('node-0').host.admin.call('INFO', 'replication')));
  const replica = parseInfo(String(await cluster.nodeByName('node-1').host.admin.call('INFO', 'replication')));
  return { primary: Number(primary.get('master_repl_offset')), replica: Number(replica.get('slave_repl_offset')) };
}

/** SETs on node-0, with a hash tag in its slots (0-8191 of 2 shards; the test checks the tag's slot). */
async function writeOnPrimary(cluster: RealCluster, count: number): Promise<void> {
  const admin = cluster.nodeByName('node-0').host.admin;
  for (let index = 0; index < count; index++) await admin.call('SET', `{06S}key-${index}`, 'x'.repeat(100));
}

describe('partitions cut replication traffic', () => {
  it('a replica cut off from its primary stops advancing, and catches up after the heal', async () => {
    const cluster = new RealCluster(farm, { ...DEFAULT_CLUSTER, nodeTimeoutMs: 5000, pingIntervalMs: 100 }, () => 0.5);
    try {
      await formCluster(cluster, { numShards: 2, replicasPerShard: 1 }, { timeoutMs: 30_000 });
      expect(
        Number(await cluster.nodeByName('node-0').host.admin.call('CLUSTER', 'KEYSLOT', '{06S}')),
      ).toBeLessThanOrEqual(8191);
      await writeOnPrimary(cluster, 20);
      await delay(200);
      const before = await offsets(cluster);
      expect(before.replica).toBe(before.primary);
      cluster.network.add(1, ['node-0'], ['node-1'], { kind: 'block' });
      cluster.network.add(1, ['node-1'], ['node-0'], { kind: 'block' });
      await writeOnPrimary(cluster, 50);
      await delay(500);
      const during = await offsets(cluster);
      expect(during.primary).toBeGreaterThan(before.primary + 50 * 100);
      expect(during.replica).toBe(before.replica);
      cluster.network.removeFault(1);
      let after = await offsets(cluster);
      for (let attempt = 0; attempt < 50 && after.replica < during.primary; attempt++) {
        await delay(20);
        after = await offsets(cluster);
      }
      expect(after.replica).toBeGreaterThanOrEqual(during.primary);
    } finally {
      await cluster.teardown();
    }
  });
});
