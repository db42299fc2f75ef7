/**
 * partition, heal, latency, drop, hold, release and kill_links on the simulator: each action's
 * scenario file (scenarios/action-<action>.yaml) and what it must do.
 */
import { describe, expect, it } from 'vitest';
import { CLUSTER_FAIL } from '../../../sim/valkey/index.ts';
import { eventsOf, finish, flagsSeen, roleOf, serverOf, simRunOf, untilReady } from '../helpers.ts';

const OTHERS_OF_NODE_0 = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];

describe('network faults on the simulator', () => {
  it("partition (action-partition): the majority fails the isolated primary over to its replica, the isolated primary goes to state fail, and after the heal it is the new primary's replica", () => {
    const run = simRunOf('action-partition');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 5500);
    expect(roleOf(run.world, 'node-3')).toEqual({ role: 'primary', primary: null, slots: 5461 });
    expect(serverOf(run.world, 'node-2').state).toBe(CLUSTER_FAIL);
    finish(run);
    expect(eventsOf(run, 'election-won').map((e) => e.node)).toEqual(['node-3']);
    expect(roleOf(run.world, 'node-2')).toEqual({ role: 'replica', primary: 'node-3', slots: 0 });
  });

  it('heal (action-heal): one heal step lifts a partition and a latency rule that had no end of their own, 800 ms in: nobody ever suspects the cut-off node', () => {
    const run = simRunOf('action-heal');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 1790);
    expect(run.world.network.isHealthy()).toBe(false);
    for (const observer of OTHERS_OF_NODE_0) expect(flagsSeen(run.world, observer, 'node-0')).toBe('master');
    run.runUntilMs(readyAtMs + 1810);
    expect(run.world.network.isHealthy()).toBe(true);
    finish(run);
    expect(eventsOf(run, 'election-won')).toEqual([]);
  });

  it('latency (action-latency): 150 +- 50 ms more on every link keeps round trips under node_timeout/2: nobody is suspected and nobody fails over', () => {
    const run = simRunOf('action-latency');
    const readyAtMs = untilReady(run);
    for (const atMs of [2000, 4000, 5900]) {
      run.runUntilMs(readyAtMs + atMs);
      for (const observer of run.world.processes) {
        for (const subject of run.world.processes) {
          if (subject !== observer) expect(flagsSeen(run.world, observer.name, subject.name)).not.toMatch(/fail/);
        }
      }
    }
    finish(run);
    expect(eventsOf(run, 'election-won')).toEqual([]);
  });

  it("drop (action-drop): with every PING shard 1's primary sends lost, its PONGs keep refreshing data_received, so no peer suspects it (§1.7) and nobody fails over", () => {
    const run = simRunOf('action-drop');
    const readyAtMs = untilReady(run);
    for (const atMs of [2500, 4500, 5900]) {
      run.runUntilMs(readyAtMs + atMs);
      for (const observer of ['node-0', 'node-1', 'node-3', 'node-4', 'node-5'])
        expect(flagsSeen(run.world, observer, 'node-2')).toBe('master');
    }
    finish(run);
    expect(eventsOf(run, 'election-won')).toEqual([]);
  });

  it("hold (action-hold): unheard, shard 2's primary is failed over; its held packets, stale claims of the old epoch, arrive at the heal and win nothing back; it becomes the new primary's replica", () => {
    const run = simRunOf('action-hold');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 3990);
    expect(eventsOf(run, 'election-won').map((e) => e.node)).toEqual(['node-5']);
    const newOwner = serverOf(run.world, 'node-5').myself.identity;
    run.runUntilMs(readyAtMs + 4050); // the held packets have been delivered
    for (const observer of ['node-0', 'node-1', 'node-2', 'node-3']) {
      const server = serverOf(run.world, observer);
      expect(server.ownerOf(16383)!.identity).toBe(newOwner);
    }
    finish(run);
    expect(roleOf(run.world, 'node-4')).toEqual({ role: 'replica', primary: 'node-5', slots: 0 });
  });

  it('release (action-release): what was held for 600 ms arrives in one late burst; nobody is suspected', () => {
    const run = simRunOf('action-release');
    finish(run);
    expect(eventsOf(run, 'fault').map((e) => e.action)).toEqual(['hold', 'release']);
    expect(eventsOf(run, 'election-won')).toEqual([]);
    for (const observer of OTHERS_OF_NODE_0) expect(flagsSeen(run.world, observer, 'node-0')).toBe('master');
  });

  it('kill_links (action-kill_links): the closed bus links come back at the next cron tick on both sides, and nobody is suspected', () => {
    const run = simRunOf('action-kill_links');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 1000);
    const node0 = serverOf(run.world, 'node-0');
    expect(node0.nodes.filter((node) => node !== node0.myself && node.link !== null)).toHaveLength(0);
    run.runUntilMs(readyAtMs + 1200);
    expect(node0.nodes.filter((node) => node !== node0.myself && node.link !== null)).toHaveLength(5);
    for (const observer of OTHERS_OF_NODE_0)
      expect(
        serverOf(run.world, observer).nodes.find((n) => n.identity === node0.myself.identity)!.link,
      ).not.toBeNull();
    finish(run);
    expect(eventsOf(run, 'election-won')).toEqual([]);
    expect(eventsOf(run, 'fault').map((e) => [e.action, e.detail])).toEqual([
      ['kill_links', 'OK'],
      ['kill_links', 'OK'],
    ]);
  });
});
