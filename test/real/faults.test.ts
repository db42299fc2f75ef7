/**
 * Each fault on live servers (3 shards x 1 replica, node_timeout 1s, ping interval 100 ms), read
 * from the run's trace: a partitioned primary is replaced on the majority side and demoted after
 * the heal (two-way and one-way); dropping every ping and pong to a node gets it failed over;
 * hold then release delivers the held messages late, none lost; pause and kill behave as in the
 * simulator (replica takes over, the old primary comes back as its replica).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRealBackend } from '../../real/index.ts';
import { cluster, eventLines, runYaml } from './helpers.ts';

const backend = createRealBackend();
afterAll(() => backend.close());

/** The replica of shard 0 won an election, and node-0 ended up as its replica. */
function expectShard0FailedOverAndDemoted(lines: string[]): void {
  expect(eventLines(lines, 'election-won', { node: 'node-1', consensus: true })).not.toHaveLength(0);
  const node0States = eventLines(lines, 'node-state', { node: 'node-0' });
  expect(node0States.at(-1)).toContain('role=replica primary=node-1');
}

describe('faults on live servers', () => {
  it('partition: a primary cut off both ways is replaced on the majority side and demoted after the heal', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: partition-two-way
seed: 1
${cluster()}timeline:
  - at: 300ms
    action: partition
    groups: [[shard-0-primary], rest]
    duration: 4s
validation:
  convergence_timeout: 15s
`,
    );
    expect(result.violation).toBeNull();
    expect(result.verdict).toBe('pass');
    expectShard0FailedOverAndDemoted(lines);
    const won = eventLines(lines, 'election-won', { node: 'node-1' })[0]!;
    expect(Number.parseInt(won, 10)).toBeLessThan(4300);
    expect(result.stats.stalled_messages).toBeGreaterThan(0);
  });

  it('partition one-way: a primary nobody hears is replaced, and ends as a replica', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: partition-one-way
seed: 2
${cluster()}timeline:
  - at: 300ms
    action: partition
    groups: [[shard-0-primary], rest]
    oneway: true
    duration: 4s
validation:
  convergence_timeout: 15s
`,
    );
    expect(result.violation).toBeNull();
    expectShard0FailedOverAndDemoted(lines);
  });

  it('drop: every ping and pong to a node lost for longer than node_timeout gets it marked failed', async () => {
    // no-failure-flags is left out on purpose. A message lost inside a live TCP stream (what
    // `drop` does, like Valkey's DEBUG DROP-CLUSTER-PACKET-FILTER) can leave a ping pending for
    // good: no new ping goes out while one is pending, and the link watchdog spares a link while
    // the peer's own messages keep arriving; a dropped first PING on a new link even leaves the
    // link unattached on the receiver, out of reach of DEBUG CLUSTERLINK KILL. The failure flags
    // then never clear, a finding about the fault model rather than this test's subject
    // (valkey-io/valkey#4171). cluster-state-ok is left out for the same reason: a FAIL flag stuck on
    // a live primary in one node's view makes that node report cluster_state:fail (clusterUpdateState
    // fails on a slot whose owner is flagged FAIL). Run with every invariant, this scenario ends in
    // no-failure-flags in 4 runs of 6 here; once (a fresh-clone CI run) without it, in cluster-state-ok
    // on node-0.
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: drop-pings
seed: 3
${cluster()}timeline:
  - at: 300ms
    action: drop
    from: all
    to: shard-0-primary
    types: [ping, pong]
    probability: 1
    duration: 4s
validation:
  convergence_timeout: 10s
  invariants: [epoch-order, one-vote-per-epoch, one-winner-per-epoch, acked-writes-durable, slot-coverage,
    views-agree, one-primary-per-shard, no-replica-owns-slots, no-replica-chains, membership-symmetric,
    failover-bound, distinct-config-epochs, replicas-consistent]
`,
    );
    expect(result.stats.dropped_messages).toBeGreaterThan(20);
    const won = eventLines(lines, 'election-won', { node: 'node-1' })[0]!;
    expect(Number.parseInt(won, 10)).toBeLessThan(4300);
    expectShard0FailedOverAndDemoted(lines);
    expect(result.violation).toBeNull();
  });

  it('hold then release: the held messages are queued, none lost, and the run converges', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: hold-release
seed: 4
${cluster()}timeline:
  - at: 300ms
    action: hold
    from: node-2
    to: node-0
  - at: 3300ms
    action: release
    from: node-2
    to: node-0
validation:
  convergence_timeout: 10s
`,
    );
    expect(result.violation).toBeNull();
    expect(result.stats.stalled_messages).toBeGreaterThan(0);
    expect(result.stats.dropped_messages).toBe(0);
    expect(eventLines(lines, 'fault', { action: 'release' })).toHaveLength(1);
  });

  it('pause: a SIGSTOPped primary is replaced by its replica and rejoins as its replica after SIGCONT', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: pause-primary
seed: 5
${cluster()}workload:
  keys: 50
  writes_per_sec: 50
  wait_replicas: 1
timeline:
  - at: 300ms
    action: pause
    target: shard-0-primary
    duration: 4s
validation:
  convergence_timeout: 15s
`,
    );
    expect(result.violation).toBeNull();
    expect(eventLines(lines, 'node-down', { node: 'node-0', cause: 'pause', wasPrimary: true })[0]).toContain(
      'eligibleReplicas=[node-1]',
    );
    expect(eventLines(lines, 'node-up', { node: 'node-0' })).toHaveLength(1);
    expectShard0FailedOverAndDemoted(lines);
    expect(result.stats.writes_acked).toBeGreaterThan(50);
    expect(eventLines(lines, 'read-back').length).toBeGreaterThan(0);
  });

  it('kill: SIGKILL of a primary, restart from its nodes.conf; its data loss is recorded', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: kill-restart
seed: 6
${cluster()}workload:
  keys: 50
  writes_per_sec: 50
  wait_replicas: 1
timeline:
  - at: 300ms
    action: kill
    target: shard-0-primary
    restart_after: 3500ms
validation:
  convergence_timeout: 15s
`,
    );
    expect(result.violation).toBeNull();
    expect(eventLines(lines, 'data-lost', { node: 'node-0', cause: 'kill' })).toHaveLength(1);
    expectShard0FailedOverAndDemoted(lines);
    const votes = eventLines(lines, 'vote-granted', { candidate: 'node-1' });
    expect(votes.length).toBeGreaterThanOrEqual(2);
  });

  it('terminate: SIGTERM shuts a primary down cleanly; it is failed over and comes back as a replica', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: terminate-restart
seed: 7
${cluster()}timeline:
  - at: 300ms
    action: terminate
    target: shard-1-primary
    restart_after: 3500ms
validation:
  convergence_timeout: 15s
`,
    );
    expect(result.violation).toBeNull();
    expect(eventLines(lines, 'node-down', { node: 'node-2', cause: 'terminate', wasPrimary: true })).toHaveLength(1);
    expect(eventLines(lines, 'election-won', { node: 'node-3', consensus: true })).not.toHaveLength(0);
    expect(eventLines(lines, 'node-state', { node: 'node-2' }).at(-1)).toContain('role=replica primary=node-3');
  });
});
