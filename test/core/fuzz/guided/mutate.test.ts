/**
 * Guided fuzzing's mutations (core/fuzz/guided/mutate.ts): every kind keeps the scenario valid by
 * the DSL's own validator, ends it in a quiet tail (one final heal after everything else), keeps
 * the convergence timeout at least the generator's for the cluster, and is drawn from the Rng alone.
 */
import { describe, expect, it } from 'vitest';
import { scenarioFromDocument, scenarioToDocument } from '../../../../core/dsl/index.ts';
import {
  applyMutation,
  MUTATIONS,
  mutateScenario,
  validMutant,
  withQuietTail,
  withSettleTime,
} from '../../../../core/fuzz/guided/mutate.ts';
import { generateScenario } from '../../../../core/generator.ts';
import { rngFor } from '../../../../core/rng.ts';
import type { Scenario } from '../../../../core/scenario/types.ts';

const parents = [1, 2, 3, 4, 5, 6, 7, 8].map(generateScenario);

function expectValidWithTail(scenario: Scenario): void {
  expect(() => scenarioFromDocument(scenarioToDocument(scenario), 'mutant', 'scenario')).not.toThrow();
  const last = scenario.timeline.at(-1)!;
  expect(last.action).toBe('heal');
  expect(scenario.timeline.every((step) => step.atMs <= last.atMs)).toBe(true);
}

describe('mutations', () => {
  it.each(MUTATIONS)('%s: applies to generated scenarios and, with its quiet tail, validates', (mutation) => {
    let applied = 0;
    let valid = 0;
    for (const [index, parent] of parents.entries()) {
      for (let draw = 0; draw < 6; draw++) {
        const rng = rngFor(`mutate-${mutation}-${index}-${draw}`).fork('guided');
        const mutant = applyMutation(rng, mutation, parent, parents[(index + 1) % parents.length]!);
        if (mutant === null) continue;
        applied++;
        expect(mutant).not.toEqual(parent);
        const checked = validMutant(withSettleTime(withQuietTail(mutant)));
        if (checked === null) continue;
        valid++;
        expectValidWithTail(checked);
        expect(checked.validation.convergenceTimeoutMs).toBeGreaterThanOrEqual(parent.validation.convergenceTimeoutMs);
      }
    }
    expect(applied).toBeGreaterThan(10);
    // The validator may refuse a few (a splice naming a node the other cluster lacks), not most.
    expect(valid).toBeGreaterThan(applied / 2);
  });

  it('mutateScenario: a valid mutant with a quiet tail, named, recording its mutations; the same Rng gives the same mutant', () => {
    for (const [index, parent] of parents.entries()) {
      const other = parents[(index + 3) % parents.length]!;
      const mutant = mutateScenario(rngFor(index).fork('guided'), parent, other, `guided-${index}`)!;
      expect(mutant).not.toBeNull();
      expect(mutant.scenario.scenarioId).toBe(`guided-${index}`);
      expect(mutant.mutations.length).toBeGreaterThan(0);
      expect(mutant.mutations.every((name) => (MUTATIONS as readonly string[]).includes(name))).toBe(true);
      expectValidWithTail(mutant.scenario);
      expect(mutateScenario(rngFor(index).fork('guided'), parent, other, `guided-${index}`)).toEqual(mutant);
    }
  });

  it('leaves the parent untouched', () => {
    const parent = generateScenario(11);
    const copy = structuredClone(parent);
    for (let i = 0; i < 20; i++) mutateScenario(rngFor(i).fork('guided'), parent, null, 'guided-x');
    expect(parent).toEqual(copy);
  });
});
