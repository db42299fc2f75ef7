/**
 * DSL properties, and proof that each can fail:
 * - save then load is the identity (the main run, over every field and action, is
 *   test/core/dsl/round-trip.test.ts; here the same statement with the real codec at a few cases
 *   and with broken ones);
 * - loaders never throw anything but a ScenarioError on random input (main run:
 *   test/core/dsl/loader-fuzz.test.ts; here with the real loader and a broken one);
 * - every generated scenario validates: `generateScenario(seed)` saves and loads back unchanged,
 *   for seeds anywhere in the range, through YAML and through the crash file's JSON document.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  loadScenarioText,
  saveScenario,
  scenarioFromDocument,
  scenarioToDocument,
  ScenarioError,
} from '../../core/dsl/index.ts';
import { generateScenario } from '../../core/generator.ts';
import type { Scenario } from '../../core/scenario/types.ts';
import { scenarioArbitrary } from '../core/dsl/arbitraries.ts';
import { expectPropertyFails, fcParams, seeded } from '../fc-config.ts';

type Save = (scenario: Scenario) => string;
type Load = (text: string) => Scenario;

const load: Load = (text) => loadScenarioText(text, 'property.yaml');

function roundTripProperty(save: Save, loadBack: Load) {
  return fc.property(scenarioArbitrary({ maxShards: 8, maxSteps: 8 }), (scenario) => {
    expect(loadBack(save(scenario))).toStrictEqual(scenario);
  });
}

/** Passes when `loadText` returns a scenario or throws a ScenarioError naming a path. */
function loaderNeverThrowsProperty(loadText: Load) {
  const token = fc.constantFrom(
    'scenario_id: x\n',
    'cluster:\n',
    '  num_shards: 2\n',
    'timeline:\n',
    '  - at: 1s\n',
    '    action: kill\n',
    '    target: node-0\n',
    '    groups: [[node-0], rest]\n',
    '- ',
    ': ',
    '[',
    ']',
    '{',
    '}',
    '\n',
    '  ',
  );
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.array(token, { maxLength: 30 }).map((tokens) => tokens.join('')),
  );
  return fc.property(text, (input) => {
    try {
      loadText(input);
    } catch (error) {
      if (!(error instanceof ScenarioError))
        throw new Error(`the loader threw ${String(error)} on ${JSON.stringify(input)}`);
      expect(error.problems.every((problem) => problem.path.length > 0)).toBe(true);
    }
  });
}

type Generate = (seed: number) => Scenario;

function generatedValidatesProperty(generate: Generate) {
  return fc.property(fc.oneof(fc.nat({ max: 100_000 }), fc.maxSafeNat()), (seed) => {
    const scenario = generate(seed);
    expect(load(saveScenario(scenario))).toStrictEqual(scenario);
    expect(
      scenarioFromDocument(JSON.parse(JSON.stringify(scenarioToDocument(scenario))), 'crash.json', 'scenario'),
    ).toStrictEqual(scenario);
  });
}

describe(seeded('DSL: save/load identity, loader robustness, generated scenarios'), () => {
  it('load(save(s)) is s with the real codec', () => {
    fc.assert(roundTripProperty(saveScenario, load), fcParams(20));
  });

  it('the round trip fails when the saver drops a field (keep_quorum)', () => {
    const dropsKeepQuorum: Save = (scenario) =>
      saveScenario({ ...scenario, timeline: scenario.timeline.map(({ keepQuorum: _dropped, ...step }) => step) });
    expectPropertyFails(roundTripProperty(dropsKeepQuorum, load), 100);
  });

  it('the round trip fails when the loader rounds durations to whole seconds', () => {
    const roundsSeconds: Load = (text) => {
      const scenario = load(text);
      return {
        ...scenario,
        timeline: scenario.timeline.map((step) => ({ ...step, atMs: Math.round(step.atMs / 1000) * 1000 })),
      };
    };
    expectPropertyFails(roundTripProperty(saveScenario, roundsSeconds), 100);
  });

  it('the loader returns a scenario or a ScenarioError on random text', () => {
    fc.assert(loaderNeverThrowsProperty(load), fcParams(200));
  });

  it('the loader property fails when the loader trusts its input (a TypeError on text without a colon)', () => {
    const trusting: Load = (text) => {
      void text.split(':')[1]!.trim(); // peeks at the first value before validating
      return load(text);
    };
    const details = expectPropertyFails(loaderNeverThrowsProperty(trusting), 200);
    expect(String(details.errorInstance)).toMatch(/TypeError/);
  });

  it('every generated scenario saves and loads back unchanged (YAML and the crash file document)', () => {
    fc.assert(generatedValidatesProperty(generateScenario), fcParams(200));
  });

  it('the generator property fails when the generator targets a node past the cluster', () => {
    const pastTheEnd: Generate = (seed) => {
      const scenario = generateScenario(seed);
      const nodeCount = scenario.cluster.numShards * (1 + scenario.cluster.replicasPerShard);
      return {
        ...scenario,
        timeline: [{ atMs: 0, action: 'kill_links', target: `node-${nodeCount + 8}` }, ...scenario.timeline],
      };
    };
    const details = expectPropertyFails(generatedValidatesProperty(pastTheEnd), 20);
    expect(details.errorInstance).toBeInstanceOf(ScenarioError);
  });

  it("the generator property fails when the generator drops a field (the workload's wait_replicas)", () => {
    const dropsWait: Generate = (seed) => {
      const scenario = generateScenario(seed);
      if (scenario.workload === null) return scenario;
      const { waitReplicas: _dropped, ...workload } = scenario.workload;
      return { ...scenario, workload: workload as Scenario['workload'] };
    };
    expectPropertyFails(generatedValidatesProperty(dropsWait), 50);
  });
});
