/**
 * `busfuzz bench`: the simulator's fixed, seeded workload (6 nodes, 3 shards x 1 replica,
 * node_timeout 1s, ping interval 100 ms, 200 writes/s, random faults all along, safety invariants
 * on every event) against a bare baseline in the same process: the same scheduler and world loop
 * delivering the same number of no-op events, with as many events pending as the simulation has
 * on average.
 *
 * Timed after the cluster formed and a warm-up that ends in the same alternation as the timed part
 * (so the JIT has compiled the hot paths, as any benchmark does); `steps` counts the timed steps
 * only. The simulation and the baseline run in
 * alternating chunks, so a busy shared machine slows both alike and the ratio stays meaningful.
 */
import type { BenchResult } from '../core/cli/context.ts';
import { wallClockMs } from '../core/wall-clock.ts';
import { DEFAULT_CLUSTER, INVARIANT_NAMES, type Scenario } from '../core/scenario/types.ts';
import { SimRun } from './runner.ts';
import { EV_NOOP, World } from './world.ts';

export interface BenchOptions {
  /** Steps of the simulated run. @defaultValue 2_000_000 */
  steps?: number;
}

export const BENCH_DEFAULT_STEPS = 2_000_000;
/** Untimed steps after formation before the clock starts. */
export const BENCH_WARMUP_STEPS = 300_000;
/** Steps per turn when the simulation and the baseline take turns. */
const BENCH_CHUNK_STEPS = 100_000;
/** Turns of each in the warm-up, after the simulation's own warm-up steps. */
const BENCH_WARMUP_TURNS = 3;

/** The benchmark's scenario: faults arrive for as long as the run lasts. */
export function benchScenario(steps: number): Scenario {
  return {
    scenarioId: 'bench',
    seed: 1,
    protocol: 'valkey-8.0',
    cluster: { ...DEFAULT_CLUSTER, numShards: 3, replicasPerShard: 1, nodeTimeoutMs: 1000, pingIntervalMs: 100 },
    workload: { keys: 1000, writesPerSec: 200, waitReplicas: 0 },
    timeline: [],
    chaos: {
      rate: 6,
      types: ['kill', 'terminate', 'pause', 'partition', 'latency', 'drop', 'hold', 'kill_links'],
      targets: 'any',
      maxConcurrent: 2,
      keepQuorum: true,
      // Faults for as long as the run lasts (about 1.4 simulated ms per step, with room to spare).
      untilMs: Math.min(2 ** 31 - 1, Math.max(600_000, steps * 2)),
      faultDurationMsMin: 1000,
      faultDurationMsMax: 8000,
    },
    validation: { convergenceTimeoutMs: 30_000, invariants: [...INVARIANT_NAMES] },
  };
}

export function runBench(options: BenchOptions = {}): BenchResult {
  const steps = options.steps ?? BENCH_DEFAULT_STEPS;
  const run = new SimRun(benchScenario(steps + BENCH_WARMUP_STEPS * 2), { keepEvents: false });
  const world = run.world;
  while (run.readyAtMs < 0) world.step();
  // Warm-up: the simulation alone, then both in turns as when timed. The baseline runs the same
  // World.step, scheduler and trace code, so each side's first turn after the other re-optimises
  // that shared code; a warm-up without turns left the first timed simulation chunk at half speed.
  const pendingSum = warmUpCountingPending(run, BENCH_WARMUP_STEPS);
  const baseline = new Baseline(Math.max(1, Math.round(pendingSum / BENCH_WARMUP_STEPS)));
  for (let turn = 0; turn < BENCH_WARMUP_TURNS; turn++) {
    run.runSteps(world.steps + BENCH_CHUNK_STEPS);
    baseline.run(BENCH_CHUNK_STEPS);
  }
  const startSteps = world.steps;
  const startSimMs = world.nowMs;
  const startMessages = world.network.delivered;
  // Simulation and baseline take turns, chunk by chunk, so both see the same load on a shared machine.
  let simWallMs = 0;
  let baselineWallMs = 0;
  let baselineEvents = 0;
  while (world.steps - startSteps < steps && !run.done) {
    const chunk = Math.min(BENCH_CHUNK_STEPS, steps - (world.steps - startSteps));
    const before = world.steps;
    let startedMs = wallClockMs();
    run.runSteps(before + chunk);
    simWallMs += wallClockMs() - startedMs;
    startedMs = wallClockMs();
    baseline.run(world.steps - before);
    baselineWallMs += wallClockMs() - startedMs;
    baselineEvents += world.steps - before;
  }
  if (run.violation !== null)
    throw new Error(
      `bench: the fixed workload hit ${run.violation.fingerprint}; the simulator or an invariant changed`,
    );
  const wallMs = Math.max(1, simWallMs);
  const timedSteps = world.steps - startSteps;
  const messages = world.network.delivered - startMessages;
  const simTimeMs = world.nowMs - startSimMs;
  const stepsPerSec = (timedSteps / wallMs) * 1000;
  const baselinePerSec = (baselineEvents / Math.max(1, baselineWallMs)) * 1000;
  return {
    steps: timedSteps,
    wall_ms: Math.round(wallMs),
    steps_per_sec: stepsPerSec,
    sim_time_ms: simTimeMs,
    time_compression: simTimeMs / wallMs,
    messages,
    messages_per_sec: (messages / wallMs) * 1000,
    baseline_events_per_sec: baselinePerSec,
    ratio_to_baseline: stepsPerSec / baselinePerSec,
    heap_mb: process.memoryUsage().heapUsed / (1024 * 1024),
  };
}

/**
 * Runs `steps` steps of the warm-up and returns the sum of the queue's length after each: the
 * baseline keeps the mean number of events pending (one moment's count swings between 7 and 30
 * with the faults in flight, and the queue's depth is part of what an event costs).
 */
function warmUpCountingPending(run: SimRun, steps: number): number {
  const world = run.world;
  const end = world.steps + steps;
  let sum = 0;
  while (world.steps < end && !run.done) {
    run.runSteps(world.steps + 1);
    sum += world.scheduler.size;
  }
  return sum;
}

/** The same World loop with `pending` no-op events in the queue, each rescheduling itself. */
class Baseline {
  private readonly world = new World({ seed: 1, cluster: DEFAULT_CLUSTER, createdShards: [] });
  private count = 0;

  constructor(pending: number) {
    for (let i = 0; i < pending; i++) this.world.scheduler.schedule(i, EV_NOOP, 0, null);
  }

  run(events: number): void {
    const world = this.world;
    const scheduler = world.scheduler;
    for (let i = 0; i < events; i++) {
      world.step();
      scheduler.schedule(scheduler.nowMs + 1 + (this.count++ % 97), EV_NOOP, 0, null);
    }
  }
}
