/**
 * A small deterministic fake Backend and scenario generator for the fuzz loop, crash-file and
 * shrinking tests, so they run without the simulator. Its violations depend on the scenario's
 * steps and shape the way real bugs do (a combination of faults, a big enough cluster), so delta
 * debugging has something real to cut:
 *
 * - `one-primary-per-shard/two-primaries`: a `kill` of a shard primary, and later a `partition`,
 *   in a cluster of at least 2 shards;
 * - `failover-bound/slow-failover`: a `pause` longer than 5 s of a node, with replicas;
 * - `views-agree/seed-<n>` (only with `fingerprintsBySeed`): every run with a `heal` step, one
 *   fingerprint per seed modulo n (many distinct findings, for crash-file churn).
 *
 * Every step costs 1000 "steps" plus 10 per node; the violation is detected at the cumulative step
 * count of the step that completes it, so a smaller maxSteps can miss it, as on the simulator.
 */
import { createHash } from 'node:crypto';
import type { Backend, RunOptions, RunResult } from '../../../core/backend.ts';
import { rngFor } from '../../../core/rng.ts';
import { DEFAULT_CLUSTER, type Scenario, type Step } from '../../../core/scenario/types.ts';
import type { Violation } from '../../../core/violation.ts';

export interface FakeOptions {
  /** Busy-wait this long per run (blocks the thread, as a simulator run does). @defaultValue 0 */
  busyMs?: number;
  /** Await this long per run (a backend waiting on I/O). @defaultValue 0 */
  delayMs?: number;
  /** With n > 0, a heal step gives `views-agree/seed-<seed mod n>`. @defaultValue 0 */
  fingerprintsBySeed?: number;
  /** Throw this for these seeds (an internal error). */
  throwForSeeds?: number[];
}

export class FakeBackend implements Backend {
  readonly name = 'sim' as const;
  /** Every scenario run, for assertions. */
  readonly runs: Scenario[] = [];

  constructor(private readonly options: FakeOptions = {}) {}

  async run(scenario: Scenario, options: RunOptions): Promise<RunResult> {
    this.runs.push(scenario);
    if (this.options.throwForSeeds?.includes(scenario.seed))
      throw new Error(`fake: broken model at seed ${scenario.seed}`);
    if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
    if (this.options.busyMs) {
      const until = performance.now() + this.options.busyMs;
      while (performance.now() < until) {
        /* a synchronous run, like the simulator's */
      }
    }
    return runFake(scenario, options, this.options.fingerprintsBySeed ?? 0);
  }
}

function nodeCount(scenario: Scenario): number {
  return scenario.cluster.numShards * (1 + scenario.cluster.replicasPerShard);
}

function ruleHit(
  scenario: Scenario,
  step: Step,
  before: Step[],
  bySeed: number,
): Omit<Violation, 'step' | 'timeMs'> | null {
  const { numShards, replicasPerShard } = scenario.cluster;
  if (
    step.action === 'partition' &&
    numShards >= 2 &&
    before.some((s) => s.action === 'kill' && /^shard-\d+-primary$/.test(s.target))
  ) {
    return {
      invariant: 'one-primary-per-shard',
      message: 'two nodes claim the slots of one shard',
      nodes: ['node-0', 'node-2'],
      fingerprint: 'one-primary-per-shard/two-primaries',
    };
  }
  if (step.action === 'pause' && step.durationMs > 5000 && replicasPerShard >= 1) {
    return {
      invariant: 'failover-bound',
      message: `no failover within the bound after a ${step.durationMs} ms pause`,
      nodes: ['node-1'],
      fingerprint: 'failover-bound/slow-failover',
    };
  }
  if (step.action === 'heal' && bySeed > 0) {
    return {
      invariant: 'views-agree',
      message: 'views differ',
      nodes: ['node-0'],
      fingerprint: `views-agree/seed-${scenario.seed % bySeed}`,
    };
  }
  return null;
}

export function runFake(scenario: Scenario, options: RunOptions, bySeed = 0): RunResult {
  const hash = createHash('sha256');
  const tail: string[] = [];
  const costPerStep = 1000 + 10 * nodeCount(scenario);
  let steps = 0;
  let simTimeMs = 0;
  let violation: Violation | null = null;
  let cut = false;
  const done: Step[] = [];
  for (const step of scenario.timeline) {
    if (options.signal?.aborted) return result(scenario, 'aborted', steps, simTimeMs, hash, tail, null);
    if (steps + costPerStep > options.maxSteps) {
      steps = options.maxSteps;
      cut = true;
      break;
    }
    steps += costPerStep;
    simTimeMs = step.atMs;
    const line = `${step.atMs}ms ${step.action} ${'target' in step ? step.target : ''}`.trim();
    hash.update(`${line}\n`);
    options.onTraceLine?.(line);
    tail.push(line);
    if (tail.length > (options.traceTailLines ?? 50)) tail.shift();
    const hit = ruleHit(scenario, step, done, bySeed);
    done.push(step);
    if (hit !== null) {
      violation = { ...hit, step: steps, timeMs: step.atMs };
      break;
    }
  }
  // As on the simulator: a run the step bound cut short is inconclusive, not a pass.
  return result(
    scenario,
    violation !== null ? 'violation' : cut ? 'inconclusive' : 'pass',
    steps,
    simTimeMs,
    hash,
    tail,
    violation,
  );
}

function result(
  scenario: Scenario,
  verdict: RunResult['verdict'],
  steps: number,
  simTimeMs: number,
  hash: ReturnType<typeof createHash>,
  tail: string[],
  violation: Violation | null,
): RunResult {
  return {
    scenarioId: scenario.scenarioId,
    backend: 'sim',
    seed: scenario.seed,
    verdict,
    steps,
    simTimeMs,
    traceHash: hash.digest('hex'),
    violation,
    traceTail: tail,
    server: null,
    messages: steps * 2,
    stats: {},
  };
}

/** Targets that exist in a cluster of that shape (the DSL checks them against it). */
function targetsFor(numShards: number, replicasPerShard: number): string[] {
  const targets = ['shard-0-primary', 'node-0', 'random'];
  if (numShards >= 2) targets.push('shard-1-primary', 'node-1');
  if (replicasPerShard >= 1) targets.push('shard-0-replica-0', 'random-replica');
  return targets;
}

/** A random scenario per seed: 1..4 shards, 0..2 replicas, 2..14 steps of kill, pause, partition, heal, bump_epoch. */
export function generateFake(seed: number): Scenario {
  const rng = rngFor(seed).fork('fake-generator');
  const numShards = rng.range(1, 4);
  const replicasPerShard = rng.range(0, 2);
  const targets = targetsFor(numShards, replicasPerShard);
  const stepCount = rng.range(2, 14);
  const timeline: Step[] = [];
  let atMs = 0;
  for (let index = 0; index < stepCount; index++) {
    atMs += rng.range(100, 3000);
    const target = rng.pick(targets);
    switch (rng.int(5)) {
      case 0:
        timeline.push({ atMs, action: 'kill', target, restartAfterMs: rng.range(1000, 9000) });
        break;
      case 1:
        timeline.push({ atMs, action: 'pause', target, durationMs: rng.range(500, 9000) });
        break;
      case 2:
        timeline.push({
          atMs,
          action: 'partition',
          groups: [[target], 'rest'],
          oneway: false,
          durationMs: rng.range(1000, 9000),
        });
        break;
      case 3:
        timeline.push({ atMs, action: 'heal' });
        break;
      default:
        timeline.push({ atMs, action: 'bump_epoch', target });
        break;
    }
  }
  return {
    scenarioId: `fake-${seed}`,
    seed,
    protocol: 'valkey-8.0',
    cluster: { ...DEFAULT_CLUSTER, numShards, replicasPerShard, nodeTimeoutMs: 1000 },
    workload: null,
    timeline,
    chaos: null,
    validation: {
      convergenceTimeoutMs: 20_000,
      invariants: ['one-primary-per-shard', 'failover-bound', 'views-agree'],
    },
  };
}
