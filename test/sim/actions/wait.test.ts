/**
 * wait on the simulator: the plan holds at a `wait` step until the convergence invariants hold
 * (scenarios/action-wait.yaml), and the steps after it run later by the time waited.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../../core/dsl/index.ts';
import { SimRun } from '../../../sim/runner.ts';
import { eventsOf, finish, roleOf, simRunOf, untilReady } from '../helpers.ts';

describe('wait on the simulator', () => {
  it('wait (action-wait): the manual failover written at 3 s runs only once the wait from 2.8 s saw the cluster converged (the replica promoted, the restarted primary demoted), and makes the old primary primary again', () => {
    const run = simRunOf('action-wait');
    const readyAtMs = untilReady(run);
    finish(run);
    const faults = eventsOf(run, 'fault');
    const waited = faults.find((e) => e.action === 'wait')!;
    const failover = faults.find((e) => e.action === 'failover')!;
    expect(waited.detail).toBe('converged');
    expect(waited.atMs).toBeGreaterThan(readyAtMs + 2800);
    // Shifted by the time waited: 200 ms after the wait ended, as written (2.8 s -> 3 s).
    expect(failover.atMs - waited.atMs).toBe(200);
    expect(failover.detail).toBe('default: OK');
    const won = eventsOf(run, 'election-won').map((e) => e.node);
    expect(won).toEqual(['node-5', 'node-4']);
    expect(eventsOf(run, 'election-won')[0]!.atMs).toBeLessThan(waited.atMs);
    expect(roleOf(run.world, 'node-4')).toEqual({ role: 'primary', primary: null, slots: 5462 });
    expect(roleOf(run.world, 'node-5')).toEqual({ role: 'replica', primary: 'node-4', slots: 0 });
  });

  it('a wait that cannot converge (a partition whose end comes after it) times out, is reported, and the plan goes on, as on the real backend', () => {
    const run = new SimRun(
      loadScenarioText(`scenario_id: wait-timeout
seed: 8
cluster: { num_shards: 3, replicas_per_shard: 1, node_timeout: 1000ms, ping_interval: 100ms }
timeline:
  - { at: 1s, action: partition, groups: [[shard-0-primary], rest], duration: 8s }
  - { at: 3s, action: wait, until: converged, timeout: 3s }
validation: { convergence_timeout: 20s }
`),
    );
    const readyAtMs = untilReady(run);
    finish(run);
    const waited = eventsOf(run, 'fault').find((e) => e.action === 'wait')!;
    expect(waited.detail).toBe('not converged within 3000 ms, going on');
    expect(waited.atMs - (readyAtMs + 3000)).toBeGreaterThanOrEqual(3000);
    // The partition's end ran after the wait, and the cluster converged then.
    const healed = eventsOf(run, 'fault').find((e) => e.action === 'heal')!;
    expect(healed.atMs).toBeGreaterThan(waited.atMs);
    expect(roleOf(run.world, 'node-0')).toEqual({ role: 'replica', primary: 'node-1', slots: 0 });
  });
});
