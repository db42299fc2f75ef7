/**
 * Crash-file properties, and proof that each can fail:
 * - parse(save(crash)) is crash, for crash files over every valid scenario (the main run is
 *   test/core/crash/crash-file.test.ts; here the same statement with the real codec at a few
 *   cases and with a broken one);
 * - crash files of real simulator findings round trip and replay exactly: the violations of
 *   random command sequences (with a convergence claim short enough that most cases fail) are
 *   written, read back equal, and the read crash replays to the same step and trace hash.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCrashFile, compareReplay, crashToJson, parseCrashFile, type CrashFile } from '../../core/crash/index.ts';
import type { RunResult } from '../../core/backend.ts';
import type { Scenario } from '../../core/scenario/types.ts';
import { runSimScenario } from '../../sim/index.ts';
import { scenarioArbitrary } from '../core/dsl/arbitraries.ts';
import { commandCaseArbitrary, MAX_STEPS, scenarioOfCommands } from './cluster-driver.ts';
import { expectPropertyFails, fcParams, seeded } from '../fc-config.ts';

interface Codec {
  toJson(crash: CrashFile): string;
  parse(text: string): CrashFile;
}

const realCodec: Codec = { toJson: crashToJson, parse: (text) => parseCrashFile(text, 'property.json') };

/** Deliberately wrong: writes the violation's time in whole seconds. */
const roundingCodec: Codec = {
  toJson: (crash) =>
    crashToJson({
      ...crash,
      violation: { ...crash.violation, timeMs: Math.round(crash.violation.timeMs / 1000) * 1000 },
    }),
  parse: realCodec.parse,
};

const violationArbitrary = fc.record({
  step: fc.nat({ max: 1_000_000 }),
  timeMs: fc.nat({ max: 10_000_000 }),
  nodes: fc.uniqueArray(fc.constantFrom('node-0', 'node-1', 'node-7')),
  message: fc.string({ maxLength: 40 }),
  shape: fc.stringMatching(/^[a-z0-9=,-]{1,20}$/),
});

function resultOf(
  scenario: Scenario,
  v: { step: number; timeMs: number; nodes: string[]; message: string; shape: string },
): RunResult {
  return {
    scenarioId: scenario.scenarioId,
    backend: 'sim',
    seed: scenario.seed,
    verdict: 'violation',
    steps: v.step,
    simTimeMs: v.timeMs,
    traceHash: 'b'.repeat(64),
    traceTail: ['one line'],
    server: null,
    messages: 0,
    stats: {},
    violation: {
      invariant: 'views-agree',
      message: v.message,
      step: v.step,
      timeMs: v.timeMs,
      nodes: v.nodes,
      fingerprint: `views-agree/${v.shape}`,
    },
  };
}

function roundTripProperty(codec: Codec) {
  return fc.property(scenarioArbitrary({ maxShards: 8, maxSteps: 6 }), violationArbitrary, (scenario, v) => {
    const crash = buildCrashFile({
      scenario,
      result: resultOf(scenario, v),
      maxSteps: 1_000_000,
      createdAt: new Date(0),
    });
    expect(codec.parse(codec.toJson(crash))).toEqual(crash);
  });
}

type BuildCrash = (scenario: Scenario, result: RunResult) => CrashFile;
const build: BuildCrash = (scenario, result) => buildCrashFile({ scenario, result, maxSteps: MAX_STEPS });

/** Real findings: a short convergence claim makes most random sequences fail. */
function simCrashProperty(codec: Codec, buildCrash: BuildCrash) {
  return fc.property(commandCaseArbitrary(), ([shape, seed, commands]) => {
    const { scenario } = scenarioOfCommands(shape, seed, commands, { convergenceTimeoutMs: 1000 });
    const result = runSimScenario(scenario, { maxSteps: MAX_STEPS });
    fc.pre(result.violation !== null);
    const crash = buildCrash(scenario, result);
    const read = codec.parse(codec.toJson(crash));
    expect(read).toEqual(crash);
    const comparison = compareReplay(read, runSimScenario(read.scenario, { maxSteps: read.maxSteps }));
    if (!comparison.reproduced || !comparison.exact)
      throw new Error(`the crash did not replay exactly: ${comparison.differences.join('; ')}`);
  });
}

describe(seeded('crash files: round trip and exact replay'), () => {
  it('parse(save(crash)) equals crash over every valid scenario', () => {
    fc.assert(roundTripProperty(realCodec), fcParams(30));
  });

  it('the round trip fails when the codec writes the violation time in seconds', () => {
    expectPropertyFails(roundTripProperty(roundingCodec), 100);
  });

  it('crash files of simulator findings read back equal and replay to the same step and trace hash', () => {
    fc.assert(simCrashProperty(realCodec, build), fcParams(15));
  });

  it('the simulator crash property fails when the codec writes the violation time in seconds', () => {
    expectPropertyFails(simCrashProperty(roundingCodec, build), 15);
  });

  it('the simulator crash property fails when the builder records the scenario before a --seed override', () => {
    const staleSeed: BuildCrash = (scenario, result) =>
      buildCrashFile({ scenario: { ...scenario, seed: scenario.seed + 1 }, result, maxSteps: MAX_STEPS });
    const details = expectPropertyFails(simCrashProperty(realCodec, staleSeed), 15);
    expect(String(details.errorInstance)).toMatch(/did not replay exactly: .*trace hash/);
  });
});
