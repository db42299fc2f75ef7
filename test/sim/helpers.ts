/**
 * Helpers for the simulator tests: run a scenario file (optionally with another seed), look at
 * events and at nodes as the model holds them, and a formed cluster to poke at directly.
 */
import { loadScenarioFile } from '../../core/dsl/index.ts';
import type { ObservedEvent } from '../../core/events.ts';
import { DEFAULT_CLUSTER, type ClusterConfig } from '../../core/scenario/types.ts';
import { FORMATION_POLL_MS, Formation, shardLayouts } from '../../sim/formation.ts';
import { SimRun } from '../../sim/runner.ts';
import { statusLines } from '../../sim/status.ts';
import * as valkey from '../../sim/valkey/index.ts';
import type { ProtocolProfile } from '../../sim/valkey/profiles.ts';
import { World } from '../../sim/world.ts';

export const SCENARIOS = new URL('../../scenarios/', import.meta.url);

export function scenarioPath(name: string): string {
  return new URL(`${name}.yaml`, SCENARIOS).pathname;
}

/** A SimRun of a scenario file, not yet stepped. */
export function simRunOf(name: string, seed?: number): SimRun {
  const scenario = loadScenarioFile(scenarioPath(name));
  return new SimRun(seed === undefined ? scenario : { ...scenario, seed }, {});
}

export function eventsOf<K extends ObservedEvent['kind']>(
  run: SimRun,
  kind: K,
): Array<Extract<ObservedEvent, { kind: K }>> {
  return run.events.filter((event): event is Extract<ObservedEvent, { kind: K }> => event.kind === kind);
}

/** The server of node-K (throws if it is not running). */
export function serverOf(world: World, name: string): valkey.ValkeyServer {
  const process = world.processes.find((p) => p.name === name);
  if (process === undefined || process.server === null)
    throw new Error(`${name} is not running\n${statusLines(world).join('\n')}`);
  return process.server;
}

/** node-K's role in its own view, and its primary's name. */
export function roleOf(
  world: World,
  name: string,
): { role: 'primary' | 'replica'; primary: string | null; slots: number } {
  const server = serverOf(world, name);
  const myself = server.myself;
  return {
    role: valkey.isPrimary(myself) ? 'primary' : 'replica',
    primary: myself.replicaOf === null ? null : world.nameOfIdentity(myself.replicaOf.identity),
    slots: myself.numSlots,
  };
}

/** How `observer` flags `subject` (fail?, fail, ...), as CLUSTER NODES words. */
export function flagsSeen(world: World, observer: string, subject: string): string {
  const server = serverOf(world, observer);
  const node = server.nodes.find((candidate) => world.nameOfIdentity(candidate.identity) === subject);
  return node === undefined ? 'unknown' : valkey.flagWords(node.flags);
}

/** A formed cluster (the same formation as every run) with its world, for direct pokes. */
export function formedWorld(seed: number, cluster: Partial<ClusterConfig> = {}, profile?: ProtocolProfile): World {
  const config: ClusterConfig = { ...DEFAULT_CLUSTER, nodeTimeoutMs: 1000, pingIntervalMs: 100, ...cluster };
  const layouts = shardLayouts(config.numShards, config.replicasPerShard);
  const createdShards = layouts.flatMap((layout, shard) => [layout.primary, ...layout.replicas].map(() => shard));
  const world = new World({ seed, cluster: config, createdShards, ...(profile === undefined ? {} : { profile }) });
  const formation = new Formation(world, layouts);
  world.observer = {
    onEvent: () => {},
    onWriteAckedEvent: () => {},
    onRunnerEvent: () => {
      formation.poll();
      if (!formation.ready) world.scheduleRunner(FORMATION_POLL_MS, 1);
    },
  };
  formation.begin();
  world.scheduleRunner(FORMATION_POLL_MS, 1);
  while (!formation.ready) {
    if (!world.step()) throw new Error('formation: queue ran dry');
  }
  return world;
}

/** Steps the world until simulated time `atMs`. */
export function runWorldUntil(world: World, atMs: number): void {
  while (world.scheduler.peekAtMs() <= atMs) world.step();
}

/** Steps a run until its cluster is formed (the scenario clock starts). */
export function untilReady(run: SimRun): number {
  while (run.readyAtMs < 0) {
    if (!run.world.step()) throw new Error('formation: queue ran dry');
  }
  return run.readyAtMs;
}

/** Runs to the end; fails with the status lines and the trace tail if the run broke an invariant. */
export function finish(run: SimRun): void {
  run.runSteps(20_000_000);
  if (run.violation !== null) {
    throw new Error(
      `${run.violation.fingerprint}: ${run.violation.message}\n${statusLines(run.world).join('\n')}\n${run.world.trace.tail().join('\n')}`,
    );
  }
  if (!run.converged) throw new Error(`the run did not converge\n${statusLines(run.world).join('\n')}`);
}
