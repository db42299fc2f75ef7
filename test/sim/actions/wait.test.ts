/**
 * wait on the simulator: the plan holds at a `wait` step until the convergence invariants hold
 * (scenarios/action-wait.yaml), and the steps after it run later by the time waited.
 */
import { describe, expect, it } from 'vitest';
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
});
