/**
 * Model-based property over a simulated cluster (fast-check `fc.commands`): a random sequence of
 * the DSL's faults and admin actions (kill, terminate, restart, pause, partition two-way and
 * one-way, latency, drop, hold/release, heal, kill_links, failover in its three modes, bump_epoch)
 * with generated targets and gaps of simulated time. After every command the safety invariants
 * hold; after a final heal and restart the convergence invariants hold within the scenario's
 * convergence timeout. A counterexample is excused only by a fingerprint in known-issues.yaml.
 *
 * A failure's error (printed by fc.assert with the seed and path) names the command after which
 * the invariant broke and carries the shrunk sequence as a scenario YAML that
 * `busfuzz run --backend sim` reproduces; the last tests check exactly that.
 *
 * FC_NUM_RUNS=2000 for a long local hunt; FC_SEED and FC_PATH replay a reported failure;
 * FC_TOPOLOGY=1 adds migrate_slots, replicate and add_node to the commands.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../core/dsl/index.ts';
import { finding } from '../../core/violation.ts';
import { runSimScenario } from '../../sim/index.ts';
import { COMMAND_KINDS, type CommandMix } from './cluster-commands.ts';
import {
  commandCaseArbitrary,
  failureReport,
  MAX_STEPS,
  playScenario,
  scenarioOfCommands,
  scenarioYamlOf,
  type ExtraChecker,
  type ScenarioOptions,
} from './cluster-driver.ts';
import { expectPropertyFails, fcParams, seeded } from '../fc-config.ts';
import { knownReason } from './known-issues.ts';

/** ~40 ms of simulation per case on this machine: 100 cases stay within a few seconds. */
const DEFAULT_RUNS = 100;
/** Opt-in topology changes (cluster-commands.ts says why they are not in the default mix). */
const MIX: CommandMix = process.env.FC_TOPOLOGY === '1' ? { only: COMMAND_KINDS } : {};

interface PropertyOptions extends ScenarioOptions {
  /** A fresh extra checker per case (only the "fails when" tests inject one). */
  extraChecker?: () => ExtraChecker;
}

function modelBasedProperty(options: PropertyOptions = {}) {
  return fc.property(commandCaseArbitrary(MIX), ([shape, seed, commands]) => {
    const { scenario, commandCount } = scenarioOfCommands(shape, seed, commands, options);
    const report = failureReport(playScenario(scenario, commandCount, options.extraChecker?.()));
    if (report !== null) throw new Error(report);
  });
}

/** Deliberately wrong: a node may vote once per epoch, and this flags its vote in a later epoch too. */
function anySecondVoteChecker(): ExtraChecker {
  const voted = new Set<string>();
  return (event) => {
    if (event.kind !== 'vote-granted') return null;
    if (!voted.has(event.voter)) {
      voted.add(event.voter);
      return null;
    }
    return finding(
      'one-vote-per-epoch',
      'any-second-vote',
      `${event.voter} voted a second time (epoch ${event.epoch})`,
      [event.voter],
    );
  };
}

/** The failure of the property with a wrong convergence claim (1 s), computed once. */
let shortTimeoutFailure: fc.RunDetailsFailureProperty<unknown> | null = null;
function failureWithShortTimeout(): fc.RunDetailsFailureProperty<unknown> {
  // Shrinking on: the report must carry the shrunk sequence, as a real failure's would.
  shortTimeoutFailure ??= expectPropertyFails(modelBasedProperty({ convergenceTimeoutMs: 1000 }), DEFAULT_RUNS, {
    endOnFailure: false,
  }) as fc.RunDetailsFailureProperty<unknown>;
  return shortTimeoutFailure;
}

describe(seeded('model-based: fc.commands over a simulated cluster'), () => {
  it('safety holds after every command, convergence after the final heal (known 8.0.1 flaws excepted)', () => {
    fc.assert(modelBasedProperty(), fcParams(DEFAULT_RUNS));
  });

  it('the property fails when a checker flags any second vote (a wrong checker)', () => {
    const details = expectPropertyFails(modelBasedProperty({ extraChecker: anySecondVoteChecker }), DEFAULT_RUNS);
    expect(String(details.errorInstance)).toMatch(/injected checker one-vote-per-epoch broke after command #\d+/);
  });

  it('the property fails when the model claims convergence within 1 s of the heal (a wrong model)', () => {
    const details = failureWithShortTimeout();
    const message = String(details.errorInstance);
    expect(message).toMatch(/convergence invariant [a-z-]+ broke after the final heal/);
    expect(knownReason(/fingerprint: (\S+)/.exec(message)![1]!)).toBeUndefined();
  });

  it('a failure prints a scenario YAML that replays on the simulator to the same violation, step and trace hash', () => {
    const message = (failureWithShortTimeout().errorInstance as Error).message;
    const scenario = loadScenarioText(scenarioYamlOf(message), 'repro.yaml');
    const result = runSimScenario(scenario, { maxSteps: MAX_STEPS });
    expect(result.verdict).toBe('violation');
    expect(message).toContain(`fingerprint: ${result.violation!.fingerprint}`);
    expect(message).toContain(`at ${result.violation!.timeMs} ms (step ${result.violation!.step})`);
    // The same scenario played command by command (what the property does) ends the same way.
    const played = playScenario(scenario, scenario.timeline.length);
    expect(played.result.traceHash).toBe(result.traceHash);
    expect(played.violation).toEqual(result.violation);
  });

  it('and `busfuzz run repro.yaml --backend sim` exits 1 with that violation', () => {
    const message = (failureWithShortTimeout().errorInstance as Error).message;
    const dir = mkdtempSync(join(tmpdir(), 'busfuzz-model-based-'));
    try {
      const file = join(dir, 'repro.yaml');
      writeFileSync(file, scenarioYamlOf(message));
      const bin = new URL('../../bin/busfuzz.js', import.meta.url).pathname;
      const cli = spawnSync(
        process.execPath,
        [bin, 'run', file, '--backend', 'sim', '--json', '--crash-dir', join(dir, 'crashes')],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(cli.status, cli.stderr).toBe(1);
      const json = JSON.parse(cli.stdout.trim().split('\n').at(-1)!) as {
        verdict: string;
        violation: { invariant: string; step: number } | null;
      };
      expect(json.verdict).toBe('violation');
      expect(message).toContain(`${json.violation!.invariant} broke`);
      expect(message).toContain(`(step ${json.violation!.step})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
