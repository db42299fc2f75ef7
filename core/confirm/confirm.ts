/**
 * Confirms one simulator finding on live servers: replays the crash in the simulator with every
 * trace line, derives the targets and the steering from that trace (derive.ts), then runs the
 * pinned scenario on the real backend with that steering up to `tries` times (all of them with
 * `all`), a new timing jitter from the second try on. A try hits when the real run violates the
 * crash's invariant. The node logs of the first hit are kept; every other try's are removed.
 */
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Backend, RunResult } from '../backend.ts';
import { compareReplay, type CrashFile } from '../crash/index.ts';
import { expandChaos } from '../scenario/chaos.ts';
import { planRun } from '../scenario/plan.ts';
import type { Protocol, Scenario } from '../scenario/types.ts';
import { deriveRules, pinTargets, readTrace } from './derive.ts';
import { firstNodeIds } from './node-ids.ts';
import type { Confirmation } from './record.ts';
import { describeSteering, type Steering, type SteeringRule } from './steering.ts';
import { settleMs } from '../scenario/semantics/lifecycle.ts';

export interface ConfirmInput {
  crash: CrashFile;
  file: string;
  sim: Backend;
  real: Backend;
  tries: number;
  all: boolean;
  signal: AbortSignal;
  say: (line: string) => void;
  /** Keep each try's event record (`confirm --report`): the first hit's run is kept for its page. */
  record?: boolean;
  /**
   * confirm --protocol: the real runs go under this protocol (the binary's version must match it),
   * steered by the simulator's trace of the crash file's own protocol: the finding's interleaving.
   */
  protocol?: Protocol;
}

export interface ConfirmOutcome {
  file: string;
  fingerprint: string;
  invariant: string;
  /** Tries run to the end (an aborted one is not counted). */
  tries: number;
  hits: number;
  tryMs: number[];
  /** What each try's real run ended with (`pass`, or the invariant it broke). */
  endings: string[];
  steering: string;
  perturbation: string;
  logs: string | null;
  /** Whether the simulator itself still reproduced the crash (its trace is what steers). */
  simReproduced: boolean;
  /** The first hit's run, kept when `record` was asked for (for its HTML page); not serialized. */
  firstHit?: RunResult;
  aborted: boolean;
  wallMs: number;
  server: { binary: string; version: string } | null;
}

/** Formations a try may take to get node ids in the order an id-order rule asks (1/2 each for one pair). */
const MAX_FORMATIONS = 12;

/** Largest jitter a try adds to its step times: well under node_timeout, near the race windows. */
const MAX_JITTER_MS = 40;

export interface Preparation {
  scenario: Scenario;
  rules: SteeringRule[];
  simReproduced: boolean;
  /** The simulator's node ids at each node's first start (node-ids.ts), for every try. */
  nodeIds: Record<string, string>;
}

/** The simulator replay and what it tells the real runs. */
export async function prepare(crash: CrashFile, sim: Backend, signal: AbortSignal): Promise<Preparation> {
  const lines: string[] = [];
  const result = await sim.run(crash.scenario, {
    maxSteps: crash.maxSteps,
    signal,
    onTraceLine: (line) => lines.push(line),
  });
  const facts = readTrace(lines);
  const steps = planRun(crash.scenario, expandChaos(crash.scenario)).steps;
  const scenario = pinTargets(crash.scenario, steps, facts);
  return {
    scenario,
    rules: deriveRules(facts, crash.scenario.cluster.nodeTimeoutMs, crash.scenario.cluster.numShards),
    simReproduced: compareReplay(crash, result).reproduced,
    nodeIds: firstNodeIds(lines),
  };
}

export function steeringForTry(
  rules: SteeringRule[],
  seed: number,
  tryNumber: number,
  scenario?: Scenario,
  nodeIds?: Record<string, string>,
): Steering {
  // The first try keeps the simulator's times; later ones spread out to both sides of them.
  const jitterMs = tryNumber <= 1 ? 0 : Math.min(MAX_JITTER_MS, 10 * (tryNumber - 1));
  return {
    rules,
    jitterMs,
    seed: seed * 1000 + tryNumber,
    ...(scenario === undefined ? {} : { settleMs: simulatorSettleMs(scenario) }),
    ...(nodeIds === undefined ? {} : { nodeIds }),
  };
}

/** The wait from the final heal to the first convergence check, both backends' (core's run lifecycle). */
export function simulatorSettleMs(scenario: Scenario): number {
  return settleMs(scenario);
}

export async function confirmCrash(input: ConfirmInput): Promise<ConfirmOutcome> {
  const { crash, file, say } = input;
  const startedMs = Date.now();
  const prep = await prepare(crash, input.sim, input.signal);
  const base = steeringForTry(prep.rules, crash.seed, 1, prep.scenario, prep.nodeIds);
  const realScenario = input.protocol === undefined ? prep.scenario : { ...prep.scenario, protocol: input.protocol };
  say(`${file}: ${crash.violation.fingerprint}; steering from the simulator's trace: ${describeSteering(base)}`);
  if (!prep.simReproduced)
    say(`${file}: warning: the simulator no longer reproduces this crash; its trace still steers the real runs`);
  const logsDir = join(dirname(file), `${basename(file, '.json')}.confirm`);
  const outcome: ConfirmOutcome = {
    file,
    fingerprint: crash.violation.fingerprint,
    invariant: crash.violation.invariant,
    tries: 0,
    hits: 0,
    tryMs: [],
    endings: [],
    steering: describeSteering(base),
    perturbation: describeSteering(base),
    logs: null,
    simReproduced: prep.simReproduced,
    aborted: false,
    wallMs: 0,
    server: null,
  };
  try {
    for (let tryNumber = 1; tryNumber <= input.tries; tryNumber++) {
      if (input.signal.aborted) break;
      let steering = steeringForTry(prep.rules, crash.seed, tryNumber, prep.scenario, prep.nodeIds);
      const tryStartedMs = Date.now();
      let result: RunResult;
      let formations = 0;
      for (;;) {
        result = await input.real.run(realScenario, {
          maxSteps: crash.maxSteps,
          signal: input.signal,
          steering,
          artifactsDir: logsDir,
          record: input.record === true,
        });
        if (result.stats.steering_mismatch !== 1) break;
        // Formed with ids in the other order than the simulator's collision needs: form again.
        if (++formations >= MAX_FORMATIONS) {
          say(`  try ${tryNumber}: ${formations} formations without the id order; this try runs without it`);
          steering = { ...steering, rules: steering.rules.filter((rule) => rule.kind !== 'id-order') };
        }
      }
      if (formations > 0) say(`  try ${tryNumber}: formed ${formations + 1} times for the node id order`);
      outcome.server = result.server;
      if (result.verdict === 'aborted') {
        await removeFolder(result.artifactsDir);
        outcome.aborted = true;
        break;
      }
      const hit = compareReplay(crash, result).reproduced;
      outcome.tries++;
      outcome.tryMs.push(Date.now() - tryStartedMs);
      outcome.endings.push(result.violation === null ? result.verdict : result.violation.invariant);
      say(
        `  try ${tryNumber}/${input.tries}: ${hit ? 'HIT' : 'miss'} (${result.violation === null ? result.verdict : `${result.violation.invariant}: ${result.violation.message.slice(0, 160)}`}) in ${((Date.now() - tryStartedMs) / 1000).toFixed(1)} s`,
      );
      if (hit && outcome.hits === 0 && result.artifactsDir) {
        // Kept under a name of its own: the next hit of the same fingerprint would reuse the folder.
        // Named by the confirm run's start too: a later confirm of the same file keeps its own.
        outcome.logs = join(
          logsDir,
          `first-hit-${new Date(startedMs).toISOString().replace(/[:.]/g, '-')}-try-${tryNumber}`,
        );
        await rm(outcome.logs, { recursive: true, force: true });
        await rename(result.artifactsDir, outcome.logs);
        outcome.perturbation = describeSteering(steering);
        if (input.record === true) outcome.firstHit = result;
      } else {
        await removeFolder(result.artifactsDir);
      }
      if (hit) outcome.hits++;
      if (hit && !input.all) break;
    }
  } finally {
    // Nothing but the first hit's logs stays, whether the tries ended, were aborted or threw.
    if (outcome.logs === null) await rm(logsDir, { recursive: true, force: true }).catch(() => {});
  }
  outcome.wallMs = Date.now() - startedMs;
  return outcome;
}

async function removeFolder(dir: string | null | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

export function confirmationOf(outcome: ConfirmOutcome): Confirmation | null {
  if (outcome.server === null || outcome.tries === 0) return null;
  return {
    backend: 'real',
    server: outcome.server,
    tries: outcome.tries,
    hits: outcome.hits,
    perturbation: outcome.perturbation,
    logs: outcome.logs,
    at: new Date().toISOString(),
    try_ms: outcome.tryMs,
  };
}
