/**
 * Hold and release on a live cluster, watched from inside: while node-2's messages to node-0 are
 * held for longer than node_timeout, node-0 gets no PONG from node-2 and flags it `fail?`; the
 * release delivers the held messages (late, none dropped) and node-0 clears the flag at once,
 * long before anything else could have (the run's own heal never comes in this test).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER } from '../../core/scenario/types.ts';
import { parseClusterNodes } from '../../core/cluster-nodes.ts';
import { RealCluster } from '../../real/cluster.ts';
import { formCluster } from '../../real/formation.ts';
import { findServer } from '../../real/index.ts';
import { ServerFarm } from '../../real/server-farm.ts';
import { delay } from '../../real/server-process.ts';

const farm = new ServerFarm(findServer());
afterAll(() => farm.close());

async function flagsOf(cluster: RealCluster, viewer: string, subject: string): Promise<string[]> {
  const text = String(await cluster.nodeByName(viewer).host.admin.call('CLUSTER', 'NODES'));
  const id = cluster.nodeByName(subject).id!;
  return parseClusterNodes(text).peers.find((peer) => peer.id === id)?.flags ?? [];
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const startedAtMs = Date.now();
  while (Date.now() - startedAtMs < timeoutMs) {
    if (await check()) return Date.now() - startedAtMs;
    await delay(20);
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

describe('hold and release on live servers', () => {
  it('node-0 suspects node-2 while its messages are held, and clears it as soon as they are released', async () => {
    const cluster = new RealCluster(farm, { ...DEFAULT_CLUSTER, nodeTimeoutMs: 1000, pingIntervalMs: 100 }, () => 0.5);
    try {
      await formCluster(cluster, { numShards: 3, replicasPerShard: 1 }, { timeoutMs: 30_000 });
      cluster.network.add(1, ['node-2'], ['node-0'], { kind: 'hold' });
      await waitFor(async () => (await flagsOf(cluster, 'node-0', 'node-2')).includes('fail?'), 5000);
      const stalled = cluster.counters.stalled;
      expect(stalled).toBeGreaterThan(0);
      cluster.network.release(['node-2'], ['node-0']);
      const clearedAfterMs = await waitFor(
        async () => !(await flagsOf(cluster, 'node-0', 'node-2')).some((flag) => flag.startsWith('fail')),
        5000,
      );
      expect(clearedAfterMs).toBeLessThan(500);
      expect(cluster.counters.dropped).toBe(0);
    } finally {
      await cluster.teardown();
    }
  });
});
