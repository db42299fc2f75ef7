/**
 * Plays a recorded command sequence (cluster-commands.ts) on the simulator: builds the scenario
 * (the commands' steps, then a final heal and restart of every node still down), forms the cluster,
 * and steps it one command window at a time, so a broken safety invariant is pinned to the command
 * after which it broke; then runs the quiet tail, where the runner polls the convergence
 * invariants until they hold or the scenario's convergence timeout runs out.
 *
 * The run is exactly what `busfuzz run --backend sim` does with the same scenario (SimRun, the
 * same steps in the same order: stopping at window ends only pauses the loop), so the YAML of a
 * failure reproduces it at the same step with the same trace hash.
 */
import fc from 'fast-check';
import type { RunResult } from '../../core/backend.ts';
import { saveScenario } from '../../core/dsl/index.ts';
import type { ObservedEvent } from '../../core/events.ts';
import { failoverBoundMs } from '../../core/invariants/index.ts';
import {
  DEFAULT_CLUSTER,
  INVARIANT_NAMES,
  SAFETY_INVARIANTS,
  type Scenario,
  type Step,
} from '../../core/scenario/types.ts';
import type { Finding, Violation } from '../../core/violation.ts';
import { SimRun } from '../../sim/index.ts';
import {
  ClusterModel,
  commandArbitraries,
  describeStep,
  shapeArbitrary,
  type ClusterShape,
  type CommandMix,
} from './cluster-commands.ts';
import { knownReason } from './known-issues.ts';

export const MAX_STEPS = 5_000_000;

export interface ScenarioOptions {
  /** The convergence timeout the scenario states. @defaultValue the generator's rule (≥ 2 × failover bound + 10 s) */
  convergenceTimeoutMs?: number;
  /** Client writes (acked with WAIT 1 when the shards have replicas). @defaultValue true */
  workload?: boolean;
  scenarioId?: string;
}

/** Room for two failovers and a replica migration after the heal, as the generator allows. */
export function convergenceTimeoutFor(shape: ClusterShape, nodeTimeoutMs: number, pingIntervalMs: number): number {
  const boundMs = failoverBoundMs({ ...DEFAULT_CLUSTER, ...shape, nodeTimeoutMs, pingIntervalMs });
  return Math.max(30_000, Math.ceil((2 * boundMs + 10_000) / 1000) * 1000);
}

/** The scenario of a command sequence: its steps plus the final steps, on a fast cluster (nt 1 s). */
export function scenarioOf(
  shape: ClusterShape,
  seed: number,
  steps: readonly Step[],
  options: ScenarioOptions = {},
): Scenario {
  const cluster = { ...DEFAULT_CLUSTER, ...shape, nodeTimeoutMs: 1000, pingIntervalMs: 100 };
  return {
    scenarioId: options.scenarioId ?? 'model-based',
    seed,
    protocol: 'valkey-8.0',
    description:
      'Random commands of the model-based properties (test/properties/cluster-commands.ts), then a final heal and restart.',
    cluster,
    workload:
      options.workload === false
        ? null
        : { keys: 100, writesPerSec: 20, waitReplicas: Math.min(1, shape.replicasPerShard) },
    timeline: [...steps],
    chaos: null,
    validation: {
      convergenceTimeoutMs:
        options.convergenceTimeoutMs ?? convergenceTimeoutFor(shape, cluster.nodeTimeoutMs, cluster.pingIntervalMs),
      invariants: [...INVARIANT_NAMES],
    },
  };
}

/** Commands per case (lengths drawn evenly up to it): enough to stack faults, few enough that a case runs in tens of ms. */
export const MAX_COMMANDS = 10;

export type CommandCase = [shape: ClusterShape, seed: number, commands: Iterable<fc.Command<ClusterModel, Step[]>>];

/** One case of the model-based properties: a cluster shape, a run seed and a command sequence. */
export function commandCaseArbitrary(mix: CommandMix = {}): fc.Arbitrary<CommandCase> {
  return shapeArbitrary.chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.commands(commandArbitraries(shape, mix), { maxCommands: MAX_COMMANDS, size: 'max' }),
    ),
  );
}

/** Runs the commands against the model, recording their steps; returns the scenario to play. */
export function scenarioOfCommands(
  shape: ClusterShape,
  seed: number,
  commands: Iterable<fc.Command<ClusterModel, Step[]>>,
  options: ScenarioOptions = {},
): { scenario: Scenario; commandCount: number } {
  const model = new ClusterModel(shape);
  const recorded: Step[] = [];
  fc.modelRun(() => ({ model, real: recorded }), commands);
  return {
    scenario: scenarioOf(shape, seed, [...recorded, ...model.finalSteps()], options),
    commandCount: recorded.length,
  };
}

/** An extra checker the tests inject (a deliberately wrong one shows the property can fail). */
export type ExtraChecker = (event: ObservedEvent) => Finding | null;

export interface PlayOutcome {
  scenario: Scenario;
  result: RunResult;
  /** How many of the timeline's steps are commands (the rest are the final steps). */
  commandCount: number;
  /** The run's violation, or the extra checker's finding (its event's time, the step count when it was seen). */
  violation: Violation | null;
  /** Whose finding: the run's safety monitor, its convergence checks, or the injected checker. */
  kind: 'safety' | 'convergence' | 'extra' | null;
  /** Index of the last command applied before the violation (-1: before the first). */
  afterCommand: number;
  converged: boolean;
}

/**
 * Plays `scenario`, whose first `commandCount` timeline steps are the commands, window by window.
 * `extra` sees every event as well; its first finding ends the play like a violation.
 */
export function playScenario(scenario: Scenario, commandCount: number, extra?: ExtraChecker): PlayOutcome {
  const run = new SimRun(scenario, {});
  while (run.readyAtMs < 0 && !run.done) {
    if (!run.world.step()) throw new Error('formation: the event queue ran dry');
  }
  const timeline = scenario.timeline;
  let seen = 0;
  let extraViolation: Violation | null = null;
  const feedExtra = (): void => {
    if (extra === undefined) return;
    for (; seen < run.events.length && extraViolation === null; seen++) {
      const found = extra(run.events[seen]!);
      if (found !== null) extraViolation = { ...found, step: run.world.steps, timeMs: run.events[seen]!.atMs };
    }
  };
  // One window per command: from its time to the next step's; the safety monitor sees every event.
  for (let index = 0; index < commandCount && !run.done && extraViolation === null; index++) {
    const windowEndMs = timeline[index + 1]?.atMs ?? timeline[index]!.atMs;
    run.runUntilMs(run.readyAtMs + windowEndMs - 1, MAX_STEPS);
    feedExtra();
  }
  if (extraViolation === null) {
    run.runSteps(MAX_STEPS);
    feedExtra();
  }
  const result = run.result(false);
  const violation = extraViolation ?? run.violation;
  const kind =
    extraViolation !== null
      ? 'extra'
      : violation === null
        ? null
        : SAFETY_INVARIANTS.includes(violation.invariant)
          ? 'safety'
          : 'convergence';
  return {
    scenario,
    result,
    commandCount,
    violation,
    kind,
    afterCommand: violation === null ? -1 : lastCommandBefore(timeline, commandCount, violation.timeMs - run.readyAtMs),
    converged: run.converged,
  };
}

function lastCommandBefore(timeline: readonly Step[], commandCount: number, offsetMs: number): number {
  let last = -1;
  for (let index = 0; index < commandCount; index++) if (timeline[index]!.atMs <= offsetMs) last = index;
  return last;
}

/**
 * The verdict of a play: null when it passed or its finding is a known 8.0.1 flaw (known-issues.yaml),
 * else a report with the command after which it broke, the fingerprint, and the scenario YAML to
 * rerun with `busfuzz run --backend sim` (the `--- scenario ---` block, see `scenarioYamlOf`).
 */
export function failureReport(outcome: PlayOutcome): string | null {
  const { violation, scenario } = outcome;
  if (violation === null) {
    return outcome.converged
      ? null
      : `the run neither converged nor broke an invariant within ${MAX_STEPS} steps\n${scenarioBlock(scenario)}`;
  }
  if (outcome.kind !== 'extra' && knownReason(violation.fingerprint) !== undefined) return null;
  const command =
    outcome.afterCommand < 0
      ? 'before the first command'
      : `after command #${outcome.afterCommand} (${describeStep(scenario.timeline[outcome.afterCommand]!)})`;
  const what =
    outcome.kind === 'convergence'
      ? 'convergence invariant'
      : outcome.kind === 'extra'
        ? 'injected checker'
        : 'safety invariant';
  return [
    `${what} ${violation.invariant} broke ${outcome.kind === 'convergence' ? 'after the final heal' : command}, at ${violation.timeMs} ms (step ${violation.step})`,
    violation.message,
    `fingerprint: ${violation.fingerprint}`,
    `Reproduce: save the scenario below as repro.yaml and run \`npx busfuzz run repro.yaml --backend sim\`` +
      (outcome.kind === 'extra' ? ' (the injected checker is not part of busfuzz: the run itself passes)' : ''),
    scenarioBlock(scenario),
  ].join('\n');
}

const YAML_START = '--- scenario ---';
const YAML_END = '--- end of scenario ---';

/** The scenario as the YAML block a failure report carries. */
export function scenarioBlock(scenario: Scenario): string {
  return `${YAML_START}\n${saveScenario(scenario)}${YAML_END}`;
}

/** The scenario YAML a failure report carries (what a person pastes into repro.yaml). */
export function scenarioYamlOf(report: string): string {
  const start = report.indexOf(`${YAML_START}\n`);
  const end = report.indexOf(YAML_END);
  if (start < 0 || end < start) throw new Error(`no scenario block in the report:\n${report}`);
  return report.slice(start + YAML_START.length + 1, end);
}
