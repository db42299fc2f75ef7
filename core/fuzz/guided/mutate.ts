/**
 * Guided fuzzing's mutations of a scenario: shift a step in time, retarget it, add, remove or
 * duplicate a fault or admin action, change a fault's parameters, splice two scenarios, reseed
 * the chaos. Three to six of them stack (AFL's havoc), all drawn from the Rng given.
 *
 * Every mutant goes through the DSL's own validator (save, then load, as a crash file's scenario
 * is read), so what runs is a scenario `busfuzz run` would accept; a mutant the validator refuses
 * is dropped and another drawn. Like the generator's, a mutant ends in a quiet tail: one final
 * heal after everything its plan sets off.
 */
import { scenarioFromDocument, scenarioToDocument } from '../../dsl/index.ts';
import { convergenceTimeoutMs } from '../../generator.ts';
import { adminSteps } from '../../generator/admin-steps.ts';
import { pickCluster } from '../../generator/cluster-shape.ts';
import { kindFaults } from '../../generator/fault-mix.ts';
import { Layout } from '../../generator/layout.ts';
import { roundMs } from '../../generator/weighted.ts';
import type { Rng } from '../../rng.ts';
import { expandChaos, stepsByTime } from '../../scenario/chaos.ts';
import { planRun } from '../../scenario/plan.ts';
import { NETWORK_PROCESS_FAULTS, type Scenario, type Step } from '../../scenario/types.ts';

export const MUTATIONS = [
  'shift',
  'retarget',
  'add-fault',
  'add-admin',
  'remove',
  'duplicate',
  'params',
  'splice',
  'reseed',
  'config',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/**
 * How often each is drawn, by weight. Reseeding was the most productive in a 300-run measurement
 * (new features per run: reseed 15, duplicate 13, the others 10 to 12, fresh seeds 30 early on),
 * so it and the fault-adding ones come up more.
 */
const MUTATION_WEIGHTS: ReadonlyArray<readonly [Mutation, number]> = [
  ['shift', 2],
  ['retarget', 2],
  ['add-fault', 3],
  ['add-admin', 2],
  ['remove', 2],
  ['duplicate', 3],
  ['params', 2],
  ['splice', 2],
  ['reseed', 4],
  ['config', 2],
];
const WEIGHT_TOTAL = MUTATION_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);

function pickMutation(rng: Rng): Mutation {
  let ticket = rng.int(WEIGHT_TOTAL);
  for (const [mutation, weight] of MUTATION_WEIGHTS) {
    ticket -= weight;
    if (ticket < 0) return mutation;
  }
  return 'reseed';
}

/**
 * How many mutations one mutant stacks (AFL's havoc), drawn uniformly from these. New features per
 * million simulator steps, one process, 300 CPU-seconds, seed 1, cheap parents favoured
 * (power-schedule.ts): a single mutation 53, a stack of 2 122, 3 143, 4 164, 5 171, 6 165, a
 * fresh swarm seed 48. Deeper piles (up to 24) made mutants grow their timelines and cost 2.6x
 * more per run at 1M max steps.
 */
const HAVOC_DEPTHS = [3, 4, 5, 6];

/** Tries before giving up on a parent (the caller then runs a fresh seed). */
const TRIES = 8;
/** The longest timeline a mutant may have (adds and splices would grow it without end). */
export const MAX_STEPS_IN_TIMELINE = 200;

export interface Mutant {
  scenario: Scenario;
  /** What was done, in order (`shift+params`). */
  mutations: Mutation[];
}

/**
 * A valid mutant of `parent` (with `other` for a splice), or null when every try was refused.
 * `scenarioId` names the result.
 */
export function mutateScenario(rng: Rng, parent: Scenario, other: Scenario | null, scenarioId: string): Mutant | null {
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const count = rng.pick(HAVOC_DEPTHS);
    const mutations: Mutation[] = [];
    let scenario = cloneScenario(parent);
    for (let i = 0; i < count; i++) {
      const mutation = pickMutation(rng);
      const next = applyMutation(rng, mutation, scenario, other);
      if (next === null) continue;
      scenario = next;
      mutations.push(mutation);
    }
    if (mutations.length === 0) continue;
    scenario.scenarioId = scenarioId;
    scenario.description = `Guided mutant (${mutations.join('+')}) of ${parent.scenarioId}.`;
    const valid = validMutant(withSettleTime(withQuietTail(scenario)));
    if (valid !== null) return { scenario: valid, mutations };
  }
  return null;
}

/** One mutation on a copy of `scenario`; null when it does not apply (no step to move, say). */
export function applyMutation(rng: Rng, mutation: Mutation, source: Scenario, other: Scenario | null): Scenario | null {
  const scenario = cloneScenario(source);
  const steps = scenario.timeline.filter((step) => !isFinalHeal(step, scenario.timeline));
  const faultWindowEndMs = Math.max(2000, ...steps.map((step) => step.atMs), scenario.chaos?.untilMs ?? 0);
  switch (mutation) {
    case 'shift': {
      if (steps.length === 0) return null;
      const step = rng.pick(steps);
      const deltaMs = roundMs(rng.range(100, 8000)) * (rng.chance(1, 2) ? -1 : 1);
      step.atMs = Math.max(0, step.atMs + deltaMs);
      break;
    }
    case 'retarget': {
      const withTarget = steps.filter((step) => 'target' in step);
      if (withTarget.length === 0) return null;
      const step = rng.pick(withTarget) as Step & { target: string };
      step.target = pickTarget(rng, scenario);
      break;
    }
    case 'add-fault': {
      const layout = new Layout(scenario.cluster);
      const startMs = roundMs(rng.range(0, faultWindowEndMs));
      const endMs = startMs + roundMs(rng.range(2000, 20_000));
      const drawn = kindFaults(rng, layout, rng.pick(NETWORK_PROCESS_FAULTS), startMs, endMs);
      if (drawn.length === 0) return null;
      // One arrival (with its restart, if a kill drew one): a fault, not a whole kind's mix.
      const first = drawn[0]!;
      steps.push(
        ...drawn.filter((step) => step === first || (step.action === 'restart' && step.atMs > first.atMs)).slice(0, 2),
      );
      break;
    }
    case 'add-admin': {
      const layout = new Layout(scenario.cluster);
      const startMs = roundMs(rng.range(0, faultWindowEndMs));
      steps.push(...adminSteps(rng, layout, 1, startMs, startMs + roundMs(rng.range(2000, 20_000))));
      break;
    }
    case 'remove': {
      if (steps.length === 0) return null;
      steps.splice(rng.int(steps.length), 1);
      break;
    }
    case 'duplicate': {
      if (steps.length === 0) return null;
      const copy = structuredClone(rng.pick(steps));
      copy.atMs = Math.max(0, copy.atMs + roundMs(rng.range(50, 5000)) * (rng.chance(1, 2) ? -1 : 1));
      steps.push(copy);
      break;
    }
    case 'params': {
      const tunable = steps.filter(hasParameters);
      if (tunable.length === 0) return null;
      changeParameters(rng, rng.pick(tunable));
      break;
    }
    case 'splice': {
      if (other === null || other.timeline.length === 0) return null;
      const cutMs = roundMs(rng.range(0, faultWindowEndMs));
      const otherSteps = other.timeline.filter((step) => !isFinalHeal(step, other.timeline));
      const kept = steps.filter((step) => step.atMs < cutMs);
      const taken = structuredClone(otherSteps.filter((step) => step.atMs >= cutMs));
      if (taken.length === 0) return null;
      steps.splice(0, steps.length, ...kept, ...taken);
      break;
    }
    case 'config': {
      // One setting of a freshly drawn cluster (the shape only grows: every target stays valid).
      const drawn = pickCluster(rng);
      const cluster = scenario.cluster;
      switch (rng.int(7)) {
        case 0:
          cluster.numShards = Math.max(cluster.numShards, drawn.numShards);
          break;
        case 1:
          cluster.replicasPerShard = Math.max(cluster.replicasPerShard, drawn.replicasPerShard);
          break;
        case 2:
          cluster.nodeTimeoutMs = drawn.nodeTimeoutMs;
          break;
        case 3:
          cluster.pingIntervalMs = drawn.pingIntervalMs;
          break;
        case 4:
          cluster.replicaValidityFactor = drawn.replicaValidityFactor;
          break;
        case 5:
          cluster.allowReplicaMigration = !cluster.allowReplicaMigration;
          cluster.migrationBarrier = drawn.migrationBarrier;
          break;
        default:
          cluster.requireFullCoverage = !cluster.requireFullCoverage;
      }
      break;
    }
    case 'reseed':
      // The run's seed draws the chaos block's faults, random targets, the network and each node's timers.
      scenario.seed = rng.range(1, 2 ** 31 - 1);
      break;
  }
  if (steps.length > MAX_STEPS_IN_TIMELINE) return null;
  scenario.timeline = stepsByTime(steps);
  return scenario;
}

/**
 * The convergence timeout the generator would give this cluster (its shape, timeouts and the
 * replicas add_node steps bring), if longer than the scenario's: a mutant that grew the cluster or
 * its node timeout still gets room for two failovers before the cluster is judged.
 */
export function withSettleTime(scenario: Scenario): Scenario {
  const layout = new Layout(scenario.cluster);
  for (const step of scenario.timeline) if (step.action === 'add_node') layout.add(step.shard ?? null, step.atMs);
  const timeoutMs = Math.max(scenario.validation.convergenceTimeoutMs, convergenceTimeoutMs(layout));
  return { ...scenario, validation: { ...scenario.validation, convergenceTimeoutMs: timeoutMs } };
}

/** The DSL's reading of `scenario` (as `busfuzz run` reads a crash file's), or null if it refuses it. */
export function validMutant(scenario: Scenario): Scenario | null {
  try {
    return scenarioFromDocument(scenarioToDocument(scenario), '<guided mutant>', 'scenario');
  } catch {
    return null;
  }
}

/** The timeline without its final heal, plus one heal after the plan's quiet time (as the generator). */
export function withQuietTail(scenario: Scenario): Scenario {
  const steps = scenario.timeline.filter((step) => !isFinalHeal(step, scenario.timeline));
  const body: Scenario = { ...scenario, timeline: steps };
  let quietAtMs: number;
  try {
    quietAtMs = planRun(body, expandChaos(body)).quietAtMs;
  } catch {
    return scenario; // the validator will say what is wrong
  }
  const lastMs = Math.max(0, ...steps.map((step) => step.atMs), scenario.chaos?.untilMs ?? 0);
  const healAtMs = roundMs(Math.max(quietAtMs, lastMs)) + 500;
  return { ...body, timeline: [...steps, { atMs: healAtMs, source: 'timeline', action: 'heal' }] };
}

function isFinalHeal(step: Step, timeline: readonly Step[]): boolean {
  return step.action === 'heal' && step === timeline[timeline.length - 1];
}

function cloneScenario(scenario: Scenario): Scenario {
  return structuredClone(scenario);
}

/** A target valid in the scenario's initial cluster (fixed nodes, shard roles, random picks). */
function pickTarget(rng: Rng, scenario: Scenario): string {
  const { numShards, replicasPerShard } = scenario.cluster;
  const shard = rng.int(numShards);
  switch (rng.int(replicasPerShard > 0 ? 5 : 3)) {
    case 0:
      return `node-${rng.int(numShards * (1 + replicasPerShard))}`;
    case 1:
      return `shard-${shard}-primary`;
    case 2:
      return rng.pick(['random', 'random-primary']);
    case 3:
      return `shard-${shard}-replica-${rng.int(replicasPerShard)}`;
    default:
      return 'random-replica';
  }
}

function hasParameters(step: Step): boolean {
  return (
    'durationMs' in step ||
    'restartAfterMs' in step ||
    step.action === 'latency' ||
    step.action === 'drop' ||
    step.action === 'failover' ||
    step.action === 'clock' ||
    step.action === 'migrate_slots' ||
    step.action === 'reset'
  );
}

/** Scales a duration by 1/4..4 (whole 10 ms, at least 100 ms). */
function scaled(rng: Rng, ms: number): number {
  const factor = rng.pick([0.25, 0.5, 0.75, 1.5, 2, 4]);
  return Math.max(100, roundMs(ms * factor));
}

function changeParameters(rng: Rng, given: Step): void {
  if ('durationMs' in given && given.durationMs !== undefined && rng.chance(1, 2)) {
    given.durationMs = scaled(rng, given.durationMs);
    return;
  }
  if ('restartAfterMs' in given && given.restartAfterMs !== undefined) {
    given.restartAfterMs = scaled(rng, given.restartAfterMs);
    return;
  }
  const step: Step = given;
  switch (step.action) {
    case 'latency':
      step.delayMs = scaled(rng, step.delayMs);
      step.jitterMs = roundMs(rng.range(0, step.delayMs));
      return;
    case 'drop':
      step.probability = rng.pick([0.1, 0.25, 0.5, 0.75, 0.9, 1]);
      return;
    case 'failover':
      step.mode = rng.pick(['default', 'force', 'takeover'] as const);
      return;
    case 'slow':
      step.factor = rng.pick([2, 4, 8, 16, 32]);
      return;
    case 'clock':
      if (step.jumpMs !== undefined) step.jumpMs = rng.pick([-1, 1]) * scaled(rng, Math.abs(step.jumpMs) || 1000);
      else step.driftPpm = rng.pick([-1, 1]) * rng.pick([1000, 10_000, 100_000, 500_000]);
      return;
    case 'migrate_slots':
      step.count = Math.max(1, Math.round(step.count * rng.pick([0.25, 0.5, 2, 4])));
      return;
    case 'reset':
      step.hard = !step.hard;
      return;
    default:
      if ('durationMs' in step && step.durationMs !== undefined) step.durationMs = scaled(rng, step.durationMs);
  }
}
