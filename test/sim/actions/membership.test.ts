/**
 * meet, forget, reset, replicate and add_node on the simulator (protocol reference §5.1-§5.4): each
 * action's scenario file, plus the 8.0.1 rules behind them driven directly on a formed cluster:
 * FORGOTTEN_NODE gossip spreading one FORGET, a MEET inside the blacklist TTL undone by that
 * gossip, RESET SOFT keeping the id and epochs.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../../core/dsl/index.ts';
import { SimRun } from '../../../sim/runner.ts';
import * as valkey from '../../../sim/valkey/index.ts';
import type { World } from '../../../sim/world.ts';
import { eventsOf, finish, formedWorld, roleOf, runWorldUntil, serverOf, simRunOf, untilReady } from '../helpers.ts';

/** The live nodes (other than `subject`) that have `subject`'s current id in their table. */
function knownBy(world: World, subject: string): string[] {
  const identity = serverOf(world, subject).myself.identity;
  return world.processes
    .filter(
      (process) => process.name !== subject && process.server !== null && process.server.lookup(identity) !== null,
    )
    .map((process) => process.name);
}

function idOf(world: World, name: string): number {
  return serverOf(world, name).myself.identity;
}

const ALL_BUT_3 = ['node-0', 'node-1', 'node-2', 'node-4', 'node-5'];

/** A formed 3 x 1 cluster that clients have been writing to for a second. */
function writingRun(): SimRun {
  const run = new SimRun(
    loadScenarioText(`scenario_id: writing
seed: 44
cluster: { num_shards: 3, replicas_per_shard: 1, node_timeout: 1000ms, ping_interval: 100ms }
workload: { keys: 50, writes_per_sec: 200, wait_replicas: 0 }
timeline: []
validation: { convergence_timeout: 20s }
`),
  );
  run.runUntilMs(untilReady(run) + 1000);
  return run;
}

describe('membership actions on the simulator', () => {
  it('meet (action-meet): meeting a known node creates a handshake entry for its address, dropped as soon as its PONG names a known id; membership is unchanged', () => {
    const run = simRunOf('action-meet');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 1000);
    const node0 = serverOf(run.world, 'node-0');
    expect(node0.nodes.filter((node) => valkey.inHandshake(node)).map((node) => node.address)).toEqual([3]);
    run.runUntilMs(readyAtMs + 1100);
    expect(node0.nodes.filter((node) => valkey.inHandshake(node))).toEqual([]);
    expect(node0.nodes).toHaveLength(6);
    finish(run);
    expect(eventsOf(run, 'fault').map((e) => e.detail)).toEqual(['node-0 CLUSTER MEET node-3: OK']);
  });

  it('forget (action-forget): node-3 is forgotten everywhere at once, stays out for the 60 s blacklist although it keeps pinging, and a MEET after that brings it back to every node', () => {
    const run = simRunOf('action-forget');
    const readyAtMs = untilReady(run);
    run.runUntilMs(readyAtMs + 1000);
    expect(knownBy(run.world, 'node-3')).toEqual([]);
    run.runUntilMs(readyAtMs + 50_000);
    expect(knownBy(run.world, 'node-3')).toEqual([]);
    expect(serverOf(run.world, 'node-3').nodes).toHaveLength(6); // it still knows them all
    finish(run);
    expect(knownBy(run.world, 'node-3')).toEqual(ALL_BUT_3);
    expect(roleOf(run.world, 'node-3')).toEqual({ role: 'replica', primary: 'node-2', slots: 0 });
  });

  it('forget on one node only: its FORGOTTEN_NODE extension makes every other node forget node-3 too, within a second', () => {
    const world = formedWorld(41);
    const identity = idOf(world, 'node-3');
    expect(world.command(0, (server) => valkey.forget(server, identity))).toBeNull();
    expect(knownBy(world, 'node-3')).toEqual(['node-1', 'node-2', 'node-4', 'node-5']);
    runWorldUntil(world, world.nowMs + 1000);
    expect(knownBy(world, 'node-3')).toEqual([]);
    // Each of them blacklisted it with the TTL it was told (60 s minus the gossip's age).
    for (const name of ALL_BUT_3) expect(serverOf(world, name).blacklist.has(identity)).toBe(true);
  });

  it("a MEET inside the blacklist TTL is undone: the meeting node learns node-3 from the handshake, then the others' FORGOTTEN_NODE gossip deletes it again (8.0.1)", () => {
    const world = formedWorld(42);
    const identity = idOf(world, 'node-3');
    for (const index of [0, 1, 2, 4, 5]) world.command(index, (server) => valkey.forget(server, identity));
    runWorldUntil(world, world.nowMs + 2000);
    world.command(0, (server) => valkey.meet(server, 3));
    let learnt = false;
    const endMs = world.nowMs + 3000;
    while (world.nowMs < endMs) {
      world.step();
      if (serverOf(world, 'node-0').lookup(identity) !== null) learnt = true;
    }
    expect(learnt).toBe(true);
    expect(knownBy(world, 'node-3')).toEqual([]);
  });

  it('forget refuses myself and my primary, and answers OK for an id that is unknown but blacklisted', () => {
    const world = formedWorld(43);
    expect(world.command(1, (server) => valkey.forget(server, idOf(world, 'node-1')))).toBe(
      "ERR I tried hard but I can't forget myself...",
    );
    expect(world.command(1, (server) => valkey.forget(server, idOf(world, 'node-0')))).toBe(
      "ERR Can't forget my master!",
    );
    const identity = idOf(world, 'node-3');
    expect(world.command(0, (server) => valkey.forget(server, identity))).toBeNull();
    expect(world.command(0, (server) => valkey.forget(server, identity))).toBeNull();
  });

  it("reset hard (action-reset): shard 1's replica takes a new id and epoch 0 and forgets everyone; its peers mark the old identity noaddr; MEET and REPLICATE make it shard 1's replica under the new id", () => {
    const run = simRunOf('action-reset');
    const readyAtMs = untilReady(run);
    const oldId = idOf(run.world, 'node-3');
    run.runUntilMs(readyAtMs + 1000);
    const node3 = serverOf(run.world, 'node-3');
    expect(node3.myself.identity).not.toBe(oldId);
    expect(node3.nodes).toHaveLength(1);
    expect([node3.currentEpoch, node3.myself.configEpoch, node3.lastVoteEpoch]).toEqual([0, 0, 0]);
    expect(eventsOf(run, 'data-lost').map((e) => [e.node, e.cause])).toEqual([['node-3', 'reset']]);
    run.runUntilMs(readyAtMs + 1500);
    for (const name of ALL_BUT_3)
      expect(valkey.flagWords(serverOf(run.world, name).lookup(oldId)!.flags)).toMatch(/noaddr/);
    finish(run);
    expect(knownBy(run.world, 'node-3')).toEqual(ALL_BUT_3);
    expect(roleOf(run.world, 'node-3')).toEqual({ role: 'replica', primary: 'node-2', slots: 0 });
  });

  it('reset soft on a replica: it becomes an empty primary that knows nobody, keeps its id and its epochs, and drops its data; on a primary that holds keys it is refused', () => {
    const run = writingRun();
    const world = run.world;
    expect(world.command(0, (s) => valkey.clusterReset(s, true))).toBe(
      "ERR CLUSTER RESET can't be called with master nodes containing keys",
    );
    expect(serverOf(world, 'node-0').myself.numSlots).toBe(5461);
    const server = serverOf(world, 'node-1');
    const before = { id: server.myself.identity, current: server.currentEpoch, config: server.myself.configEpoch };
    expect(server.keyspace.keyCount()).toBeGreaterThan(0);
    expect(world.command(1, (s) => valkey.clusterReset(s, false))).toBeNull();
    expect(valkey.isPrimary(server.myself)).toBe(true);
    expect(server.nodes).toEqual([server.myself]);
    expect({ id: server.myself.identity, current: server.currentEpoch, config: server.myself.configEpoch }).toEqual(
      before,
    );
    expect(server.keyspace.keyCount()).toBe(0);
    expect(server.replication.primaryAddress).toBe(-1);
  });

  it("replicate (action-replicate): shard 0's replica moves to shard 1's primary with a full sync, and every node sees two replicas under it and none under shard 0's primary", () => {
    const run = simRunOf('action-replicate');
    finish(run);
    expect(roleOf(run.world, 'node-1')).toEqual({ role: 'replica', primary: 'node-2', slots: 0 });
    expect(serverOf(run.world, 'node-1').replication.state).toBe(3 /* connected */);
    for (const process of run.world.processes) {
      const server = process.server!;
      expect(
        server
          .lookup(idOf(run.world, 'node-2'))!
          .replicas.map((node) => run.world.nameOfIdentity(node.identity))
          .sort(),
      ).toEqual(['node-1', 'node-3']);
      expect(server.lookup(idOf(run.world, 'node-0'))!.replicas).toEqual([]);
    }
  });

  it('replicate refuses a replica as the new primary, and a primary that still owns slots', () => {
    const world = formedWorld(46);
    expect(world.command(3, (s) => valkey.replicate(s, idOf(world, 'node-1')))).toBe(
      'ERR I can only replicate a master, not a replica.',
    );
    expect(world.command(0, (s) => valkey.replicate(s, idOf(world, 'node-2')))).toBe(
      'ERR To set a master the node must be empty and without assigned slots.',
    );
    // Already my primary: OK without a new sync.
    const connection = serverOf(world, 'node-1').replication.connection;
    expect(world.command(1, (s) => valkey.replicate(s, idOf(world, 'node-0')))).toBeNull();
    expect(serverOf(world, 'node-1').replication.connection).toBe(connection);
  });

  it("add_node (action-add_node): node-6 joins shard 0 as node-0's replica and node-7 joins as an empty primary; every node knows both", () => {
    const run = simRunOf('action-add_node');
    finish(run);
    expect(eventsOf(run, 'fault').map((e) => e.detail)).toEqual([
      'node-6 joined shard 0: REPLICATE node-0: OK',
      'node-7 joined as an empty primary via node-0',
    ]);
    expect(roleOf(run.world, 'node-6')).toEqual({ role: 'replica', primary: 'node-0', slots: 0 });
    expect(roleOf(run.world, 'node-7')).toEqual({ role: 'primary', primary: null, slots: 0 });
    expect(knownBy(run.world, 'node-6')).toHaveLength(7);
    expect(knownBy(run.world, 'node-7')).toHaveLength(7);
    expect(run.world.processes.map((process) => process.createdShard)).toEqual([0, 0, 1, 1, 2, 2, 0, null]);
  });

  it('a node learned through gossip gets a random shard id until it pings directly with its shard-id extension', () => {
    const world = formedWorld(47);
    const added = world.addProcess(null);
    world.start(added);
    while (world.processes[added]!.server === null) world.step();
    world.command(added, (server) => valkey.meet(server, 0));
    const newcomer = serverOf(world, `node-${added}`).myself;
    const observer = serverOf(world, 'node-4');
    while (observer.lookup(newcomer.identity) === null) world.step();
    const learnt = observer.lookup(newcomer.identity)!;
    expect(learnt.shardId).not.toBe(newcomer.shardId);
    runWorldUntil(world, world.nowMs + 1000);
    expect(learnt.shardId).toBe(newcomer.shardId);
  });

  it('forget-meet-within-ttl (an 8.0.1 flaw, reproduced on live servers): a MEET inside the blacklist TTL leaves the forgotten node unknown to everyone for good, and the run ends in membership-symmetric/missing-peer (one-sided: node-3 still knows the others)', () => {
    const run = simRunOf('forget-meet-within-ttl');
    run.runSteps(20_000_000);
    expect(run.violation?.fingerprint).toBe('membership-symmetric/missing-peer,one-sided');
    expect(knownBy(run.world, 'node-3')).toEqual([]);
    expect(serverOf(run.world, 'node-3').nodes).toHaveLength(6);
  });
});
