/**
 * The DSL's actions on the simulator: manual failover in its three modes, BUMPEPOCH, link kills,
 * hold/release, latency and drop, `wait`.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../core/dsl/index.ts';
import { SimRun } from '../../sim/runner.ts';
import { eventsOf, finish, roleOf } from './helpers.ts';

function scenario(id: string, timeline: string, extra = ''): string {
  return `scenario_id: ${id}
seed: 3
cluster:
  num_shards: 3
  replicas_per_shard: 1
  node_timeout: 1000ms
  ping_interval: 100ms
${extra}timeline:
${timeline}
validation:
  convergence_timeout: 20s
`;
}

function run(text: string): SimRun {
  const simRun = new SimRun(loadScenarioText(text));
  finish(simRun);
  return simRun;
}

describe('actions on the simulator', () => {
  it('failover default: the replica takes over with the primary paused for it, by election, and the primary becomes its replica', () => {
    const done = run(scenario('failover-default', '  - at: 1s\n    action: failover\n    target: shard-0-replica-0\n    mode: default', 'workload:\n  keys: 50\n  writes_per_sec: 100\n  wait_replicas: 0\n'));
    expect(eventsOf(done, 'election-won').map((e) => [e.node, e.consensus])).toEqual([['node-1', true]]);
    expect(eventsOf(done, 'fault').find((e) => e.action === 'failover')?.detail).toBe('default: OK');
    expect(roleOf(done.world, 'node-0')).toEqual({ role: 'replica', primary: 'node-1', slots: 0 });
  });

  it('failover force: an election without the primary\'s handshake; the old primary is demoted', () => {
    const done = run(scenario('failover-force', '  - at: 1s\n    action: failover\n    target: shard-1-replica-0\n    mode: force'));
    expect(eventsOf(done, 'election-won').map((e) => [e.node, e.consensus])).toEqual([['node-3', true]]);
    expect(roleOf(done.world, 'node-2')).toEqual({ role: 'replica', primary: 'node-3', slots: 0 });
  });

  it('failover takeover: no election, an epoch bumped without consensus', () => {
    const done = run(scenario('failover-takeover', '  - at: 1s\n    action: failover\n    target: shard-2-replica-0\n    mode: takeover'));
    expect(eventsOf(done, 'election-won').map((e) => [e.node, e.consensus])).toEqual([['node-5', false]]);
    expect(eventsOf(done, 'vote-granted')).toEqual([]);
    expect(roleOf(done.world, 'node-4')).toEqual({ role: 'replica', primary: 'node-5', slots: 0 });
  });

  it('failover on a primary is refused with Valkey\'s error and changes nothing', () => {
    const done = run(scenario('failover-on-primary', '  - at: 1s\n    action: failover\n    target: shard-0-primary\n    mode: force'));
    expect(eventsOf(done, 'fault').find((e) => e.action === 'failover')?.detail).toBe('force: ERR You should send CLUSTER FAILOVER to a replica');
    expect(eventsOf(done, 'election-won')).toEqual([]);
  });

  it('bump_epoch: BUMPED to a new epoch when the node is not the strict maximum', () => {
    const done = run(scenario('bump', '  - at: 1s\n    action: bump_epoch\n    target: shard-0-primary'));
    expect(eventsOf(done, 'fault').find((e) => e.action === 'bump_epoch')?.detail).toMatch(/^BUMPED \d+$/);
  });

  it('kill_links, hold/release, latency, drop and wait: the cluster still converges with nobody failed over', () => {
    const done = run(scenario('network', [
      '  - at: 500ms\n    action: kill_links\n    target: shard-0-primary',
      '  - at: 1s\n    action: hold\n    from: [shard-1-primary]\n    to: rest',
      '  - at: 1200ms\n    action: release\n    from: [shard-1-primary]\n    to: rest',
      '  - at: 1500ms\n    action: latency\n    from: all\n    to: all\n    delay: 50ms\n    jitter: 20ms\n    duration: 2s',
      '  - at: 2s\n    action: drop\n    from: [shard-2-replica-0]\n    to: rest\n    types: [ping]\n    probability: 0.5\n    duration: 1s',
      '  - at: 4s\n    action: wait\n    until: converged\n    timeout: 10s',
      '  - at: 5s\n    action: kill_links\n    target: random',
    ].join('\n')));
    expect(eventsOf(done, 'election-won')).toEqual([]);
    expect(eventsOf(done, 'fault').map((e) => e.action)).toEqual(['kill_links', 'hold', 'release', 'latency', 'drop', 'kill_links']);
  });
});
