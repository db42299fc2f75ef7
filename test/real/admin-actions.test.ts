/**
 * The DSL's admin actions on live servers, read from the run's trace: CLUSTER FAILOVER in its
 * three modes (an election for default and force, a takeover without one), BUMPEPOCH, REPLICATE,
 * RESET then MEET, add_node as a replica, FORGET everywhere, and migrate_slots moving slots with
 * their keys (every acknowledged write read back afterwards).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRealBackend } from '../../real/index.ts';
import { cluster, eventLines, runYaml } from './helpers.ts';

const backend = createRealBackend();
afterAll(() => backend.close());

const WORKLOAD = 'workload:\n  keys: 200\n  writes_per_sec: 100\n  wait_replicas: 1\n';

describe('admin actions on live servers', () => {
  it('failover default, force and takeover each promote the replica; only takeover skips the election', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: failover-modes
seed: 11
${cluster()}${WORKLOAD}timeline:
  - at: 200ms
    action: failover
    target: shard-0-replica-0
    mode: default
  - at: 1500ms
    action: failover
    target: shard-1-replica-0
    mode: force
  - at: 3s
    action: failover
    target: shard-2-replica-0
    mode: takeover
  - at: 4500ms
    action: bump_epoch
    target: node-0
validation:
  convergence_timeout: 10s
`,
    );
    expect(result.violation).toBeNull();
    expect(eventLines(lines, 'election-won', { node: 'node-1', consensus: true })).toHaveLength(1);
    expect(eventLines(lines, 'election-won', { node: 'node-3', consensus: true })).toHaveLength(1);
    expect(eventLines(lines, 'election-won', { node: 'node-5', consensus: false })).toHaveLength(1);
    expect(
      eventLines(lines, 'fault', { action: 'failover' }).every((line) =>
        /detail=(default|force|takeover): OK/.test(line),
      ),
    ).toBe(true);
    expect(eventLines(lines, 'fault', { action: 'bump_epoch' })[0]).toMatch(/detail=(BUMPED|STILL) \d+/);
    for (const [replica, primary] of [
      ['node-0', 'node-1'],
      ['node-2', 'node-3'],
      ['node-4', 'node-5'],
    ] as const) {
      expect(eventLines(lines, 'node-state', { node: replica }).at(-1)).toContain(`role=replica primary=${primary}`);
    }
  });

  it('migrate_slots moves slots and their keys; no acknowledged write is lost', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: migrate
seed: 12
${cluster()}${WORKLOAD}timeline:
  - at: 1500ms
    action: migrate_slots
    from: shard-0-primary
    to: shard-1-primary
    count: 300
validation:
  convergence_timeout: 10s
`,
    );
    expect(result.violation).toBeNull();
    const migrated = eventLines(lines, 'fault', { action: 'migrate_slots' })[0]!;
    expect(migrated).toMatch(/detail=300 slots \(\d+ keys\) node-0 -> node-2/);
    expect(Number(/\((\d+) keys\)/.exec(migrated)![1])).toBeGreaterThan(0);
    expect(eventLines(lines, 'node-state', { node: 'node-2' }).at(-1)).toContain(`slotCount=${5461 + 300}`);
    expect(eventLines(lines, 'read-back').length).toBeGreaterThan(50);
  });

  it('add_node joins as a replica; replicate re-points a replica; reset then meet brings a node back empty', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: membership
seed: 13
${cluster()}timeline:
  - at: 200ms
    action: add_node
    shard: 0
  - at: 1500ms
    action: replicate
    target: node-5
    primary: node-0
  - at: 2500ms
    action: reset
    target: node-3
    hard: true
  - at: 3s
    action: meet
    target: node-3
    other: node-0
validation:
  convergence_timeout: 15s
`,
    );
    expect(result.violation).toBeNull();
    expect(eventLines(lines, 'fault', { action: 'add_node' })[0]).toMatch(
      /node-6 joined shard 0: REPLICATE node-0: OK/,
    );
    expect(eventLines(lines, 'node-state', { node: 'node-6' }).at(-1)).toContain('role=replica primary=node-0');
    expect(eventLines(lines, 'node-state', { node: 'node-5' }).at(-1)).toContain('role=replica primary=node-0');
    expect(eventLines(lines, 'data-lost', { node: 'node-3', cause: 'reset' })).toHaveLength(1);
    expect(eventLines(lines, 'node-state', { node: 'node-3' }).at(-1)).toMatch(
      /role=primary primary=null .* slotCount=0/,
    );
  });

  it('forget on every other node: they drop the node and its slots (a 60 s blacklist), a violation', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: forget
seed: 14
${cluster(3, 0)}timeline:
  - at: 200ms
    action: forget
    target: node-0
    other: node-2
validation:
  convergence_timeout: 2s
`,
    );
    expect(eventLines(lines, 'fault', { action: 'forget' })[0]).toContain('node-0: OK; node-1: OK');
    expect(result.violation?.invariant).toMatch(/slot-coverage|views-agree|membership-symmetric/);
  });
});
