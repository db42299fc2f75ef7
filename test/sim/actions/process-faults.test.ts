/**
 * kill, terminate, pause and restart on the simulator: each action's scenario file
 * (scenarios/action-<action>.yaml) and what it must do.
 */
import { describe, expect, it } from 'vitest';
import { eventsOf, finish, flagsSeen, roleOf, serverOf, simRunOf, untilReady } from '../helpers.ts';

describe('process faults on the simulator', () => {
  it("kill (action-kill): shard 1's replica wins the election within 3 s of the SIGKILL, and the primary restarted from its nodes.conf comes back with its id as that replica's replica", () => {
    const run = simRunOf('action-kill');
    const readyAtMs = untilReady(run);
    const idBefore = serverOf(run.world, 'node-2').myself.name;
    run.runUntilMs(readyAtMs + 999);
    const before = run.world.processes[2]!.persisted;
    run.runUntilMs(readyAtMs + 1001);
    expect(run.world.processes[2]!.persisted).toBe(before); // SIGKILL: nothing saved on the way down
    finish(run);
    const won = eventsOf(run, 'election-won');
    expect(won.map((e) => [e.node, e.consensus])).toEqual([['node-3', true]]);
    expect(won[0]!.atMs - (readyAtMs + 1000)).toBeLessThan(3000);
    expect(eventsOf(run, 'node-down').map((e) => [e.node, e.cause, e.wasPrimary])).toEqual([['node-2', 'kill', true]]);
    expect(serverOf(run.world, 'node-2').myself.name).toBe(idBefore);
    expect(roleOf(run.world, 'node-2')).toEqual({ role: 'replica', primary: 'node-3', slots: 0 });
  });

  it("terminate (action-terminate): a clean shutdown in the next cron; shard 2's replica takes over and the old primary, reloading the nodes.conf it saved on the way down, rejoins as its replica", () => {
    const run = simRunOf('action-terminate');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 999);
    const before = run.world.processes[4]!.persisted;
    run.runUntilMs(readyAtMs + 1001);
    // The SIGTERM only asks for a shutdown: the process runs until its next cron (every 100 ms).
    expect(run.world.processes[4]!.state).toBe(2 /* running */);
    expect(run.world.processes[4]!.persisted).toBe(before);
    run.runUntilMs(readyAtMs + 1101);
    // Its replica is in sync: it exited there, writing a new nodes.conf (a SIGKILL writes nothing: see the kill test).
    expect(run.world.processes[4]!.state).toBe(0 /* down */);
    expect(run.world.processes[4]!.persisted).not.toBe(before);
    finish(run);
    expect(eventsOf(run, 'node-down').map((e) => [e.node, e.cause])).toEqual([['node-4', 'terminate']]);
    expect(eventsOf(run, 'election-won').map((e) => e.node)).toEqual(['node-5']);
    expect(roleOf(run.world, 'node-4')).toEqual({ role: 'replica', primary: 'node-5', slots: 0 });
  });

  it("pause (action-pause): while shard 0's replica is stopped the others mark it FAIL and nobody fails over; after SIGCONT it is a healthy replica in every view", () => {
    const run = simRunOf('action-pause');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 3900);
    expect(run.world.processes[1]!.state).toBe(3 /* paused */);
    expect(flagsSeen(run.world, 'node-2', 'node-1')).toMatch(/\bfail\b/);
    finish(run);
    expect(eventsOf(run, 'election-won')).toEqual([]);
    for (const observer of ['node-0', 'node-2', 'node-5'])
      expect(flagsSeen(run.world, observer, 'node-1')).toBe('slave');
    expect(roleOf(run.world, 'node-1')).toEqual({ role: 'replica', primary: 'node-0', slots: 0 });
  });

  it('restart (action-restart): the killed replica, started again by a restart step, comes back with its id, its five peers and its primary, and no election happens', () => {
    const run = simRunOf('action-restart');
    const readyAtMs = untilReady(run);
    const idBefore = serverOf(run.world, 'node-5').myself.name;
    run.runUntilMs(readyAtMs + 2900);
    expect(run.world.processes[5]!.server).toBeNull();
    finish(run);
    expect(
      eventsOf(run, 'fault')
        .filter((e) => e.action === 'restart')
        .map((e) => [e.nodes, e.detail]),
    ).toEqual([[['node-5'], 'OK']]);
    const server = serverOf(run.world, 'node-5');
    expect(server.myself.name).toBe(idBefore);
    expect(server.nodes).toHaveLength(6);
    expect(roleOf(run.world, 'node-5')).toEqual({ role: 'replica', primary: 'node-4', slots: 0 });
    expect(eventsOf(run, 'election-won')).toEqual([]);
  });
});
