/**
 * SIGTERM on the simulator (sim/valkey/shutdown.ts, after Valkey 8.0.1's prepareForShutdown,
 * isReadyToShutdown and finishShutdown): a primary shuts down in its next cron when its replicas
 * have acknowledged its offset, else it pauses writes and stays up on the bus until they have, or
 * for shutdown-timeout (10 s). Meanwhile the plan counts it as down, as the real backend does.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../core/dsl/index.ts';
import type { ObservedEvent } from '../../core/events.ts';
import { PROCESS_DOWN, PROCESS_RUNNING } from '../../sim/process.ts';
import { SimRun } from '../../sim/runner.ts';
import * as valkey from '../../sim/valkey/index.ts';
import { periodicAckOf } from '../../sim/valkey/replication.ts';
import type { World } from '../../sim/world.ts';
import { eventsOf, flagsSeen, formedWorld, runWorldUntil } from './helpers.ts';

/** shardLayouts(3, 1): shard 0 is node-0 and its replica node-1. */
const PRIMARY = 0;
const REPLICA = 1;

/** Events from here on. */
function capture(world: World): ObservedEvent[] {
  const events: ObservedEvent[] = [];
  const previous = world.observer;
  world.observer = { ...previous, onEvent: (event) => events.push(event) };
  return events;
}

/** When node-K went down (node-down), or null. */
function downAtMs(events: readonly ObservedEvent[], name: string): number | null {
  const event = events.find((candidate) => candidate.kind === 'node-down' && candidate.node === name);
  return event === undefined ? null : event.atMs;
}

/** Steps until every replica of `index` has acknowledged its offset (a quiet shard gets there within a second). */
function untilInSync(world: World, index: number): void {
  const replication = world.processes[index]!.server!.replication;
  const inSync = (): boolean =>
    replication.replicaConnections.length > 0 &&
    replication.replicaConnections.every((connection) => periodicAckOf(connection) === replication.offset);
  for (let steps = 0; !inSync(); steps++) {
    if (steps > 1_000_000 || !world.step()) throw new Error(`node-${index}'s replicas never caught up`);
  }
}

/** A formed 3x1 cluster whose shard-0 replica is stopped and behind its primary by one write. */
function laggingReplica(seed: number): World {
  const world = formedWorld(seed, { numShards: 3, replicasPerShard: 1 });
  untilInSync(world, PRIMARY);
  world.pause(REPLICA);
  world.command(PRIMARY, (server) => valkey.feedStream(server, valkey.SET_STREAM_BYTES));
  return world;
}

describe('SIGTERM on the simulator (seed in each test)', () => {
  it('a primary whose replica is in sync exits in its next cron, within 100 ms, and saves nodes.conf then, not at the signal', () => {
    for (const seed of [1, 2, 3]) {
      const world = formedWorld(seed, { numShards: 3, replicasPerShard: 1 });
      untilInSync(world, PRIMARY);
      const events = capture(world);
      const process = world.processes[PRIMARY]!;
      const savedBefore = process.persisted;
      const signalAtMs = world.nowMs;
      world.terminate(PRIMARY);
      expect(process.state).toBe(PROCESS_RUNNING);
      expect(process.persisted).toBe(savedBefore);
      runWorldUntil(world, signalAtMs + 100);
      expect(process.state).toBe(PROCESS_DOWN);
      expect(process.persisted).not.toBe(savedBefore);
      expect(downAtMs(events, 'node-0')! - Math.floor(signalAtMs)).toBeLessThanOrEqual(100);
    }
  });

  it('a primary whose only replica is stopped and behind stays up on the bus for shutdown-timeout (10 s), writes paused and no peer flagging it, then exits', () => {
    const world = laggingReplica(4);
    const events = capture(world);
    const signalAtMs = world.nowMs;
    world.terminate(PRIMARY);
    runWorldUntil(world, signalAtMs + 9900);
    const process = world.processes[PRIMARY]!;
    expect(process.state).toBe(PROCESS_RUNNING);
    expect(process.terminating).toBe(true);
    expect(valkey.shutdownInitiated(process.server!)).toBe(true);
    for (const observer of ['node-2', 'node-3', 'node-4', 'node-5'])
      expect(flagsSeen(world, observer, 'node-0')).toBe('master');
    expect(downAtMs(events, 'node-0')).toBeNull();
    runWorldUntil(world, signalAtMs + 10_300);
    const waitedMs = downAtMs(events, 'node-0')! - signalAtMs;
    // The deadline is set in the first cron after the signal (up to 100 ms), and checked every 100 ms.
    expect(waitedMs).toBeGreaterThanOrEqual(10_000);
    expect(waitedMs).toBeLessThanOrEqual(10_200);
  });

  it('exits early once the lagging replica catches up: resumed 3 s after the SIGTERM, it reads the write and the GETACK and acks within a second', () => {
    const world = laggingReplica(5);
    const events = capture(world);
    const signalAtMs = world.nowMs;
    world.terminate(PRIMARY);
    runWorldUntil(world, signalAtMs + 3000);
    expect(world.processes[PRIMARY]!.state).toBe(PROCESS_RUNNING);
    world.resume(REPLICA);
    runWorldUntil(world, signalAtMs + 4300);
    const waitedMs = downAtMs(events, 'node-0');
    expect(waitedMs).not.toBeNull();
    // Its next replicationCron (within 1 s) acks; the primary's next cron (within 100 ms) exits.
    expect(waitedMs! - signalAtMs).toBeGreaterThan(3000);
    expect(waitedMs! - signalAtMs).toBeLessThanOrEqual(4200);
  });

  it('the plan counts a terminating node as down: a kill of it is skipped, writes to it block, and its restart waits for the exit', () => {
    const run = new SimRun({
      ...loadScenarioText(
        `
scenario_id: shutdown-waits-for-replica
seed: 3
cluster:
  num_shards: 3
  replicas_per_shard: 1
  node_timeout: 1000ms
  ping_interval: 100ms
workload:
  keys: 100
  writes_per_sec: 50
  wait_replicas: 0
timeline:
  - at: 1s
    action: pause
    target: node-1
    duration: 20s
  - at: 2s
    action: terminate
    target: node-0
    restart_after: 2s
  - at: 3s
    action: kill
    target: node-0
validation:
  convergence_timeout: 60s
`,
        'inline.yaml',
      ),
    });
    run.runSteps(20_000_000);
    const signalAtMs = run.readyAtMs + 2000;
    const down = eventsOf(run, 'node-down').filter((event) => event.node === 'node-0');
    expect(down.map((event) => event.cause)).toEqual(['terminate']);
    expect(down[0]!.atMs - signalAtMs).toBeGreaterThanOrEqual(10_000);
    const kill = eventsOf(run, 'fault').find((event) => event.action === 'kill');
    expect(kill?.detail).toBe('skipped: node-0 is terminating');
    // Acked by node-0 before its shutdown paused writes, none from its first cron after the signal to its exit.
    const acked = eventsOf(run, 'write-acked').filter((event) => event.node === 'node-0');
    expect(acked.some((event) => event.atMs < signalAtMs)).toBe(true);
    expect(acked.filter((event) => event.atMs > signalAtMs + 100 && event.atMs < down[0]!.atMs)).toEqual([]);
    // The restart (due 2 s after the signal) started it only after the exit.
    const up = eventsOf(run, 'node-up').filter((event) => event.node === 'node-0');
    expect(up.length).toBeGreaterThan(0);
    expect(up[0]!.atMs).toBeGreaterThan(down[0]!.atMs);
    expect(run.violation).toBeNull();
  });
});
