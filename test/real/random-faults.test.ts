/**
 * A small property on live valkey-server processes: random kill/terminate/restart, pause and
 * partition (two-way and one-way) sequences on a 3 x 1 cluster (node_timeout 1 s, ping interval
 * 100 ms), built from the same commands as the simulator's model-based property
 * (test/properties/cluster-commands.ts), with a final heal and restart. The run's safety monitor
 * checks every poll and the convergence invariants must hold after the heal; a finding passes only
 * if known-issues.yaml lists its fingerprint. A failure prints the scenario YAML, to rerun with
 * `busfuzz run repro.yaml --backend real` (or `--backend sim`).
 *
 * Few cases (each is seconds of wall time): FC_NUM_RUNS raises it, FC_SEED/FC_PATH replay.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Step } from '../../core/scenario/types.ts';
import { createRealBackend } from '../../real/index.ts';
import { ClusterModel, commandArbitraries, type ClusterShape } from '../properties/cluster-commands.ts';
import { MAX_STEPS, scenarioBlock, scenarioOf } from '../properties/cluster-driver.ts';
import { expectAsyncPropertyFails, fcParams, seeded } from '../fc-config.ts';
import { knownReason } from '../properties/known-issues.ts';

const backend = createRealBackend();
afterAll(() => backend.close());

const SHAPE: ClusterShape = { numShards: 3, replicasPerShard: 1 };
const MAX_COMMANDS = 5;
const DEFAULT_RUNS = 3;

const caseArbitrary = fc.tuple(
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.commands(commandArbitraries(SHAPE, { only: ['kill', 'restart', 'pause', 'partition', 'heal'] }), {
    maxCommands: MAX_COMMANDS,
  }),
);

/** `acceptsRun` judges the run's violation (null when it passed); the right judge accepts none but known ones. */
function realProperty(acceptsRun: (violation: { fingerprint: string } | null) => boolean) {
  return fc.asyncProperty(caseArbitrary, async ([seed, commands]) => {
    const model = new ClusterModel(SHAPE);
    const recorded: Step[] = [];
    fc.modelRun(() => ({ model, real: recorded }), commands);
    const scenario = scenarioOf(SHAPE, seed, [...recorded, ...model.finalSteps()], {
      scenarioId: 'real-random-faults',
    });
    const result = await backend.run(scenario, { maxSteps: MAX_STEPS });
    const violation = result.violation;
    if (acceptsRun(violation)) return;
    throw new Error(
      [
        violation === null
          ? 'the run passed, and the judge did not accept that'
          : `${violation.invariant} broke at ${violation.timeMs} ms: ${violation.message}`,
        `fingerprint: ${violation?.fingerprint ?? '(none)'}`,
        'Reproduce: save the scenario below as repro.yaml and run `npx busfuzz run repro.yaml --backend real` (or --backend sim)',
        scenarioBlock(scenario),
      ].join('\n'),
    );
  });
}

const passesOrKnown = (violation: { fingerprint: string } | null) =>
  violation === null || knownReason(violation.fingerprint) !== undefined;

describe(seeded('random kill/pause/partition sequences on live servers (3 x 1)'), () => {
  it('safety holds on every poll and the cluster converges after the heal (known 8.0.1 flaws excepted)', async () => {
    await fc.assert(realProperty(passesOrKnown), fcParams(DEFAULT_RUNS));
  });

  it('the property fails when its judge is inverted (every run must break an invariant)', async () => {
    const details = await expectAsyncPropertyFails(
      realProperty((violation) => !passesOrKnown(violation)),
      1,
      { endOnFailure: true },
    );
    expect(String(details.errorInstance)).toMatch(/the run passed/);
  });
});
