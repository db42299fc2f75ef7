/**
 * The data model on the simulator (interface page: workload, acked-writes-durable): writes travel with replication, WAIT acknowledges
 * only what replicas acked, partial and full resyncs keep or replace a replica's data as PSYNC
 * does, a replica that full-syncs from its restarted (empty) primary reports the loss, keys move
 * with migrate_slots, and runs stay deterministic with data.
 */
import { describe, expect, it } from 'vitest';
import type { Scenario, Step } from '../../core/scenario/types.ts';
import { DEFAULT_CLUSTER, INVARIANT_NAMES } from '../../core/scenario/types.ts';
import { buildClusterView } from '../../sim/cluster-view.ts';
import { SimRun } from '../../sim/runner.ts';
import { eventsOf, serverOf, untilReady } from './helpers.ts';

function scenario(timeline: Step[], waitReplicas = 0, replicasPerShard = 1, extra: Partial<Scenario> = {}): Scenario {
  return {
    scenarioId: 'data',
    seed: 3,
    protocol: 'valkey-8.0',
    cluster: {
      ...DEFAULT_CLUSTER,
      numShards: 3,
      replicasPerShard,
      nodeTimeoutMs: 1000,
      pingIntervalMs: 100,
      replicaValidityFactor: 0,
    },
    workload: { keys: 50, writesPerSec: 100, waitReplicas },
    timeline,
    chaos: null,
    validation: { convergenceTimeoutMs: 30_000, invariants: [...INVARIANT_NAMES] },
    ...extra,
  };
}

const at = (atMs: number, step: Record<string, unknown>): Step => ({ atMs, source: 'timeline', ...step }) as Step;

function converged(run: SimRun): SimRun {
  run.runSteps(5_000_000);
  if (run.violation !== null) throw new Error(`${run.violation.fingerprint}: ${run.violation.message}`);
  expect(run.converged).toBe(true);
  return run;
}

describe('data on the simulator', () => {
  it("replicas end with their primary's data; every acked key is read back holding its last acked write", () => {
    const run = converged(
      new SimRun(scenario([at(2000, { action: 'kill', target: 'shard-0-primary', restartAfterMs: 3000 })]), {}),
    );
    const view = buildClusterView(run.world);
    for (const shard of [
      ['node-0', 'node-1'],
      ['node-2', 'node-3'],
      ['node-4', 'node-5'],
    ]) {
      const digests = shard.map((name) => view.nodes.find((node) => node.name === name)!.report!.dataDigest);
      expect(digests[0]).toBe(digests[1]);
    }
    const acked = eventsOf(run, 'write-acked');
    const reads = eventsOf(run, 'read-back');
    expect(acked.length).toBeGreaterThan(100);
    expect(reads.map((read) => read.key).sort()).toEqual([...new Set(acked.map((ack) => ack.key))].sort());
    for (const read of reads) expect(read.history![0]).toBe(read.seq);
  });

  it('WAIT 1 acknowledges a write only once the replica has it, and nothing of a shard whose replica is cut off', () => {
    const run = new SimRun(
      scenario([at(1000, { action: 'partition', groups: [['node-1'], 'rest'], durationMs: 4000 })], 1),
      {},
    );
    untilReady(run);
    run.runUntilMs(run.readyAtMs + 4500);
    const acked = eventsOf(run, 'write-acked');
    expect(acked.length).toBeGreaterThan(20);
    for (const ack of acked) {
      expect(ack.copies).toBeGreaterThanOrEqual(2);
      expect(ack.holders).toContain(ack.node);
    }
    const duringCut = acked.filter((ack) => ack.atMs > run.readyAtMs + 1500 && ack.atMs < run.readyAtMs + 4000);
    expect(duringCut.some((ack) => ack.node === 'node-0')).toBe(false);
    expect(duringCut.length).toBeGreaterThan(0);
    converged(run);
  });

  it('a replica cut off for a while catches up by partial resync: the writes it missed, no full sync', () => {
    const run = new SimRun(
      scenario([at(1000, { action: 'partition', groups: [['node-3'], 'rest'], durationMs: 600 })]),
      {},
    );
    untilReady(run);
    run.runUntilMs(run.readyAtMs + 900);
    const replication = serverOf(run.world, 'node-3').replication;
    const replIdBefore = replication.replId;
    converged(run);
    expect(serverOf(run.world, 'node-3').replication.replId).toBe(replIdBefore);
    expect(serverOf(run.world, 'node-3').keyspace.digest()).toBe(serverOf(run.world, 'node-2').keyspace.digest());
    expect(eventsOf(run, 'data-lost')).toEqual([]);
  });

  it('a primary restarted before a failover comes back empty; its replica full-syncs, loses the data, and says so', () => {
    // Restart within the node timeout: no failover, the replica resyncs from the empty primary.
    const run = converged(
      new SimRun(scenario([at(3000, { action: 'kill', target: 'node-0', restartAfterMs: 200 })]), {}),
    );
    expect(eventsOf(run, 'election-won')).toEqual([]);
    expect(eventsOf(run, 'data-lost').map((event) => [event.node, event.cause])).toEqual([
      ['node-0', 'kill'],
      ['node-1', 'full sync from its restarted primary'],
    ]);
  });

  it('migrate_slots moves the keys of the slots it moves (keys-migrated): the target holds them, the source and its replica no longer', () => {
    const run = converged(
      new SimRun(
        scenario([at(2000, { action: 'migrate_slots', from: 'shard-0-primary', to: 'shard-1-primary', count: 3000 })]),
        {},
      ),
    );
    const source = serverOf(run.world, 'node-0');
    const target = serverOf(run.world, 'node-2');
    let moved = 0;
    for (let slot = 0; slot < 3000; slot++) {
      expect(source.keyspace.countKeysInSlot(slot)).toBe(0);
      expect(serverOf(run.world, 'node-1').keyspace.countKeysInSlot(slot)).toBe(0);
      moved += target.keyspace.countKeysInSlot(slot);
    }
    expect(moved).toBeGreaterThan(0);
    const migrated = eventsOf(run, 'keys-migrated');
    expect(migrated.reduce((sum, event) => sum + event.keys.length, 0)).toBe(moved);
    expect(new Set(migrated.map((event) => `${event.from}->${event.to}`))).toEqual(new Set(['node-0->node-2']));
  });

  it('same seed, same data: two runs end with the same digests and trace hash', () => {
    const once = (): [string, string[]] => {
      const run = converged(
        new SimRun(scenario([at(1500, { action: 'pause', target: 'shard-1-primary', durationMs: 3000 })]), {}),
      );
      return [run.world.trace.digest(), run.world.processes.map((process) => process.server?.keyspace.digest() ?? '-')];
    };
    expect(once()).toEqual(once());
  });
});
