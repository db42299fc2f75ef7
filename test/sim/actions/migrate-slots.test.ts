/**
 * migrate_slots on the simulator and the CLUSTER SETSLOT rules under it (protocol reference §5.5,
 * §4.3): the scenario file, a whole shard moved to an added node, SETSLOT replicated to replicas
 * before the primary runs it (and what a replica that cannot ack leaves behind), the auto-claim
 * of a slot whose finalisation the target missed, and an import that follows a failover in the
 * target shard.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../../core/dsl/index.ts';
import { SimRun } from '../../../sim/runner.ts';
import * as valkey from '../../../sim/valkey/index.ts';
import type { World } from '../../../sim/world.ts';
import { eventsOf, finish, formedWorld, roleOf, runWorldUntil, serverOf, simRunOf } from '../helpers.ts';

function idOf(world: World, name: string): number {
  return serverOf(world, name).myself.identity;
}

/** CLUSTER SETSLOT from a client that waits up to the default timeout for the reply. */
function setSlot(
  world: World,
  index: number,
  slot: number,
  op: valkey.SetSlotOp,
  node: string,
): string | null | 'no reply' {
  let reply: string | null | undefined;
  const wait = world.command(index, (server) =>
    valkey.clusterSetSlot(server, slot, op, idOf(world, node), (error) => {
      reply = error;
    }),
  );
  const deadlineMs = world.nowMs + valkey.SETSLOT_TIMEOUT_MS;
  while (reply === undefined && world.scheduler.peekAtMs() <= deadlineMs) world.step();
  if (reply === undefined && wait !== null) world.command(index, (server) => valkey.abandonSetSlot(server, wait));
  return reply === undefined ? 'no reply' : reply;
}

/** Who owns `slot` in `observer`'s view. */
function ownerSeen(world: World, observer: string, slot: number): string | null {
  const owner = serverOf(world, observer).ownerOf(slot);
  return owner === null || owner === undefined ? null : world.nameOfIdentity(owner.identity);
}

describe('migrate_slots and SETSLOT on the simulator', () => {
  it("migrate_slots (action-migrate_slots): shard 0's lowest 100 slots end on shard 1's primary in every view; its first finished import bumped its epoch above all others; the replicas saw the open states; nothing stays open", () => {
    const run = simRunOf('action-migrate_slots');
    let targetReplicaImported = false;
    while (!run.done) {
      run.runSteps(run.world.steps + 1);
      if (!targetReplicaImported && run.world.processes[3]!.server?.importingSlotsFrom.size)
        targetReplicaImported = true;
    }
    finish(run);
    expect(eventsOf(run, 'fault').map((e) => e.detail)).toEqual(['100 slots (0 keys) node-0 -> node-2']);
    expect(targetReplicaImported).toBe(true);
    for (const process of run.world.processes) {
      for (const slot of [0, 50, 99]) expect(ownerSeen(run.world, process.name, slot)).toBe('node-2');
      expect(ownerSeen(run.world, process.name, 100)).toBe('node-0');
      expect(process.server!.importingSlotsFrom.size + process.server!.migratingSlotsTo.size).toBe(0);
    }
    expect(roleOf(run.world, 'node-2').slots).toBe(5561);
    expect(roleOf(run.world, 'node-0').slots).toBe(5361);
    expect(serverOf(run.world, 'node-2').myself.configEpoch).toBe(7); // BUMPED over epochs 1..6
    expect(eventsOf(run, 'election-won')).toEqual([]);
  });

  it("moving every slot of a shard to an added empty primary: the source, left without slots, becomes the new owner's replica (replica migration allowed); the last SETSLOT on the source finds it already a replica", () => {
    const run = new SimRun(
      loadScenarioText(`scenario_id: whole-shard
seed: 5
cluster: { num_shards: 16, replicas_per_shard: 0, node_timeout: 1000ms, ping_interval: 100ms }
timeline:
  - { at: 1s, action: add_node }
  - { at: 2s, action: migrate_slots, from: shard-15-primary, to: node-16, count: 1024 }
validation: { convergence_timeout: 20s }
`),
    );
    finish(run);
    expect(eventsOf(run, 'fault').find((e) => e.action === 'migrate_slots')?.detail).toBe(
      '1023 of 1024 slots (0 keys) node-15 -> node-16, then: ERR Please use SETSLOT only with masters.',
    );
    expect(roleOf(run.world, 'node-16')).toEqual({ role: 'primary', primary: null, slots: 1024 });
    expect(roleOf(run.world, 'node-15')).toEqual({ role: 'replica', primary: 'node-16', slots: 0 });
  });

  it('SETSLOT on a primary with replicas runs only after they acked it; a replica that cannot ack leaves the primary answering -NOREPLICAS after 2 s without running it, while the replica already did', () => {
    const world = formedWorld(51);
    expect(setSlot(world, 2, 0, valkey.SETSLOT_IMPORTING, 'node-0')).toBeNull();
    expect(serverOf(world, 'node-2').importingSlotsFrom.get(0)?.identity).toBe(idOf(world, 'node-0'));
    expect(serverOf(world, 'node-3').importingSlotsFrom.get(0)?.identity).toBe(idOf(world, 'node-0'));
    world.partition([[3, 2]]); // the replica's acks (and its bus packets) no longer reach its primary
    // In the server's whole milliseconds (the simulated clock runs in fractions).
    const startedAtMs = world.clockMs;
    expect(setSlot(world, 2, 1, valkey.SETSLOT_IMPORTING, 'node-0')).toBe(
      'NOREPLICAS Not enough good replicas to write.',
    );
    expect(world.clockMs - startedAtMs).toBeGreaterThanOrEqual(valkey.SETSLOT_TIMEOUT_MS - 1);
    expect(serverOf(world, 'node-2').importingSlotsFrom.has(1)).toBe(false);
    expect(serverOf(world, 'node-3').importingSlotsFrom.has(1)).toBe(true);
  });

  it('SETSLOT refusals: MIGRATING only on the owner, IMPORTING not on the owner, only on primaries, only towards primaries', () => {
    const world = formedWorld(52);
    expect(setSlot(world, 2, 0, valkey.SETSLOT_MIGRATING, 'node-4')).toBe("ERR I'm not the owner of hash slot 0");
    expect(setSlot(world, 0, 0, valkey.SETSLOT_IMPORTING, 'node-2')).toBe("ERR I'm already the owner of hash slot 0");
    expect(setSlot(world, 1, 0, valkey.SETSLOT_STABLE, 'node-0')).toBe('ERR Please use SETSLOT only with masters.');
    expect(setSlot(world, 0, 0, valkey.SETSLOT_MIGRATING, 'node-3')).toBe('ERR Target node is not a master');
  });

  it('auto-claim: when the source finalised the slot but the importing primary never got its SETSLOT NODE, the source stops claiming it and the importer takes it with an epoch bumped without consensus; every node follows', () => {
    const world = formedWorld(53);
    expect(setSlot(world, 2, 7, valkey.SETSLOT_IMPORTING, 'node-0')).toBeNull();
    expect(setSlot(world, 0, 7, valkey.SETSLOT_MIGRATING, 'node-2')).toBeNull();
    expect(setSlot(world, 0, 7, valkey.SETSLOT_NODE, 'node-2')).toBeNull(); // on the source only
    const epochBefore = serverOf(world, 'node-2').myself.configEpoch;
    runWorldUntil(world, world.nowMs + 1000);
    const importer = serverOf(world, 'node-2');
    expect(importer.importingSlotsFrom.has(7)).toBe(false);
    expect(importer.ownerOf(7)).toBe(importer.myself);
    expect(importer.myself.configEpoch).toBeGreaterThan(epochBefore);
    for (const process of world.processes) expect(ownerSeen(world, process.name, 7)).toBe('node-2');
  });

  it('a failover in the target shard during a migration: the promoted replica keeps the import it got from its primary, and the source re-points its migration to it', () => {
    const world = formedWorld(54);
    expect(setSlot(world, 2, 7, valkey.SETSLOT_IMPORTING, 'node-0')).toBeNull();
    expect(setSlot(world, 0, 7, valkey.SETSLOT_MIGRATING, 'node-2')).toBeNull();
    expect(world.command(3, (server) => valkey.clusterFailoverCommand(server, 'takeover'))).toBeNull();
    runWorldUntil(world, world.nowMs + 1000);
    expect(serverOf(world, 'node-3').importingSlotsFrom.get(7)?.identity).toBe(idOf(world, 'node-0'));
    expect(serverOf(world, 'node-0').migratingSlotsTo.get(7)?.identity).toBe(idOf(world, 'node-3'));
    // The old target, now a replica inside its shard, keeps its open slots (clusterSetPrimary with closeSlots 0).
    expect(roleOf(world, 'node-2')).toEqual({ role: 'replica', primary: 'node-3', slots: 0 });
    expect(serverOf(world, 'node-2').importingSlotsFrom.get(7)?.identity).toBe(idOf(world, 'node-0'));
  });

  it('open slots are saved in nodes.conf ([slot-<-id] and [slot->-id] on the myself line) and reloaded after a restart', () => {
    const world = formedWorld(55);
    expect(setSlot(world, 2, 7, valkey.SETSLOT_IMPORTING, 'node-0')).toBeNull();
    const text = valkey.formatNodesConf(world.processes[2]!.persisted!, (id) => world.identities.shards.name(id));
    expect(text).toContain(`[7-<-${serverOf(world, 'node-0').myself.name}]`);
    world.crash(2);
    world.start(2);
    runWorldUntil(world, world.nowMs + 500);
    expect(serverOf(world, 'node-2').importingSlotsFrom.get(7)?.identity).toBe(idOf(world, 'node-0'));
  });

  it('a replica that full-syncs from a primary with open slots gets them from the RDB (cluster-slot-states)', () => {
    const world = formedWorld(56);
    expect(setSlot(world, 2, 7, valkey.SETSLOT_IMPORTING, 'node-0')).toBeNull();
    expect(serverOf(world, 'node-5').importingSlotsFrom.size).toBe(0);
    expect(world.command(5, (server) => valkey.replicate(server, idOf(world, 'node-2')))).toBeNull();
    runWorldUntil(world, world.nowMs + 200);
    expect(serverOf(world, 'node-5').replication.state).toBe(3 /* connected */);
    expect(serverOf(world, 'node-5').importingSlotsFrom.get(7)?.identity).toBe(idOf(world, 'node-0'));
  });

  it('migrate_slots with clients writing: the keys of the moved slots leave the source and its replica and land on the target and its replica, and no acknowledged write is lost', () => {
    const run = new SimRun(
      loadScenarioText(`scenario_id: migrate-keys
seed: 57
cluster: { num_shards: 3, replicas_per_shard: 1, node_timeout: 1000ms, ping_interval: 100ms }
workload: { keys: 3000, writes_per_sec: 300, wait_replicas: 1 }
timeline:
  - { at: 2s, action: migrate_slots, from: shard-0-primary, to: shard-1-primary, count: 400 }
validation: { convergence_timeout: 20s }
`),
    );
    finish(run);
    const detail = eventsOf(run, 'fault').find((e) => e.action === 'migrate_slots')!.detail;
    const moved = Number(/\((\d+) keys\)/.exec(detail)![1]);
    expect(detail).toMatch(/^400 slots \(\d+ keys\) node-0 -> node-2$/);
    expect(moved).toBeGreaterThan(0);
    const keysIn = (name: string): number => {
      let count = 0;
      for (let slot = 0; slot < 400; slot++) count += serverOf(run.world, name).keyspace.countKeysInSlot(slot);
      return count;
    };
    expect(keysIn('node-0')).toBe(0);
    expect(keysIn('node-1')).toBe(0);
    expect(keysIn('node-2')).toBeGreaterThanOrEqual(moved);
    expect(keysIn('node-3')).toBe(keysIn('node-2'));
    expect(run.result(false).verdict).toBe('pass');
  });
});
