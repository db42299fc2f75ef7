/**
 * Scenario outcomes on the simulator (protocol reference §8, §9.3): each scenario file under scenarios/
 * runs to convergence and the model went through the states the protocol reference predicts.
 */
import { describe, expect, it } from 'vitest';
import { CLUSTER_FAIL, CLUSTER_OK } from '../../sim/valkey/index.ts';
import { eventsOf, finish, flagsSeen, roleOf, serverOf, simRunOf, untilReady } from './helpers.ts';

describe('scenarios on the simulator', () => {
  it('paused-primary: the frozen primary is replaced while it sleeps, then demoted when it resumes', () => {
    const run = simRunOf('paused-primary');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 6900); // paused at 1 s for 6 s
    expect(run.world.processes[0]!.state).toBe(3 /* paused */);
    expect(roleOf(run.world, 'node-1')).toEqual({ role: 'primary', primary: null, slots: 5461 });
    expect(eventsOf(run, 'election-won').map((e) => [e.node, e.consensus])).toEqual([['node-1', true]]);
    finish(run);
    expect(roleOf(run.world, 'node-0')).toEqual({ role: 'replica', primary: 'node-1', slots: 0 });
    expect(roleOf(run.world, 'node-1').role).toBe('primary');
  });

  it('minority-partition: no failover inside the minority, which goes to state fail; the majority fails over; one primary per shard after the heal', () => {
    const run = simRunOf('minority-partition');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 8500); // partitioned from 1 s to 9 s
    const world = run.world;
    expect(serverOf(world, 'node-0').state).toBe(CLUSTER_FAIL);
    expect(serverOf(world, 'node-3').state).toBe(CLUSTER_FAIL);
    expect(roleOf(world, 'node-3')).toEqual({ role: 'replica', primary: 'node-2', slots: 0 });
    expect(roleOf(world, 'node-0').role).toBe('primary'); // it cannot hear it lost its slots
    expect(roleOf(world, 'node-1')).toEqual({ role: 'primary', primary: null, slots: 5461 });
    expect(serverOf(world, 'node-2').state).toBe(CLUSTER_OK);
    expect(eventsOf(run, 'election-won').map((e) => e.node)).toEqual(['node-1']);
    finish(run);
    expect(roleOf(world, 'node-0')).toEqual({ role: 'replica', primary: 'node-1', slots: 0 });
    for (const shard of [
      ['node-0', 'node-1'],
      ['node-2', 'node-3'],
      ['node-4', 'node-5'],
    ]) {
      expect(shard.filter((name) => roleOf(world, name).role === 'primary')).toHaveLength(1);
    }
  });

  it('oneway-partition: a primary that cannot send is failed over; with its PONGs lost the others stop pinging it, so it hears nothing, suspects everyone and goes to state fail; after the heal it rejoins as a replica', () => {
    const run = simRunOf('oneway-partition');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 1900); // node-0 cannot send from 1 s to 9 s
    const world = run.world;
    // Under node_timeout after the cut nobody suspects anybody yet.
    expect(flagsSeen(world, 'node-2', 'node-0')).toBe('master');
    expect(flagsSeen(world, 'node-0', 'node-2')).toBe('master');
    run.runUntilMs(readyAtMs + 8500);
    expect(roleOf(world, 'node-1')).toEqual({ role: 'primary', primary: null, slots: 5461 });
    expect(flagsSeen(world, 'node-2', 'node-0')).toMatch(/\bfail\b/);
    for (const other of ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'])
      expect(flagsSeen(world, 'node-0', other)).toMatch(/fail\?/);
    expect(serverOf(world, 'node-0').state).toBe(CLUSTER_FAIL);
    expect(roleOf(world, 'node-0').role).toBe('primary'); // nothing reaches it that could demote it
    finish(run);
    expect(roleOf(world, 'node-0')).toEqual({ role: 'replica', primary: 'node-1', slots: 0 });
  });

  it('replica-restart: a killed replica comes back from its nodes.conf with its id, its peers and its primary, and nobody fails over', () => {
    const run = simRunOf('replica-restart');
    const readyAtMs = untilReady(run);
    const idBefore = serverOf(run.world, 'node-1').myself.name;
    run.runUntilMs(readyAtMs + 3900); // down from 1 s to 4 s
    expect(run.world.processes[1]!.server).toBeNull();
    expect(flagsSeen(run.world, 'node-0', 'node-1')).toMatch(/\bfail\b/);
    finish(run);
    const server = serverOf(run.world, 'node-1');
    expect(server.myself.name).toBe(idBefore);
    expect(server.nodes).toHaveLength(6);
    expect(roleOf(run.world, 'node-1')).toEqual({ role: 'replica', primary: 'node-0', slots: 0 });
    expect(server.replication.state).toBe(3 /* connected */);
    expect(flagsSeen(run.world, 'node-0', 'node-1')).toBe('slave');
    expect(eventsOf(run, 'election-won')).toEqual([]);
  });

  it('two-primaries-killed: in a 5-shard cluster both shards whose primaries died at once are failed over', () => {
    const run = simRunOf('two-primaries-killed');
    finish(run);
    const winners = eventsOf(run, 'election-won')
      .map((e) => e.node)
      .sort();
    expect(winners).toEqual(['node-1', 'node-3']);
    expect(roleOf(run.world, 'node-1')).toEqual({ role: 'primary', primary: null, slots: 3276 });
    expect(roleOf(run.world, 'node-3')).toEqual({ role: 'primary', primary: null, slots: 3277 });
    const epochs = eventsOf(run, 'election-won').map((e) => e.epoch);
    expect(new Set(epochs).size).toBe(2);
  });
});
