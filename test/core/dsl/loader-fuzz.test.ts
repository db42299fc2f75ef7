/**
 * The loader under random input: arbitrary text, arbitrary YAML trees, and valid scenarios with
 * one field mutated. Whatever comes in, it returns a Scenario or throws a ScenarioError whose
 * every problem names a file and a path; never anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  loadScenarioText,
  saveScenario,
  scenarioFromDocument,
  scenarioToDocument,
  ScenarioError,
} from '../../../core/dsl/index.ts';
import type { Scenario } from '../../../core/scenario/types.ts';
import { scenarioArbitrary } from './arbitraries.ts';
import { FC_SEED, fcParams } from '../../fc-config.ts';

/** Runs `load`; passes if it returns a scenario or throws a well-formed ScenarioError. */
function onlyScenarioErrors(load: () => Scenario): void {
  try {
    const scenario = load();
    // Whatever loads must save and load again (the resolved form is always valid).
    expect(loadScenarioText(saveScenario(scenario))).toEqual(scenario);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) {
      expect(problem.path.length).toBeGreaterThan(0);
      expect(problem.message.length).toBeGreaterThan(0);
    }
    expect(error.message.split('\n')).toHaveLength(error.problems.length);
  }
}

function dump(value: unknown): string | null {
  try {
    return stringify(value) ?? null;
  } catch {
    return null; // values YAML cannot represent are not loader inputs
  }
}

type Mutation = { kind: 'delete' | 'replace' | 'rename' | 'duplicate'; pick: number; value: unknown };

/** Every [parent, key] slot of a document, in a fixed walk order. */
function slots(doc: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []) {
  if (Array.isArray(doc))
    doc.forEach((item, i) => {
      out.push([doc, i]);
      slots(item, out);
    });
  else if (doc !== null && typeof doc === 'object') {
    for (const [key, item] of Object.entries(doc)) {
      out.push([doc as Record<string, unknown>, key]);
      slots(item, out);
    }
  }
  return out;
}

function mutate(doc: Record<string, unknown>, mutation: Mutation): Record<string, unknown> {
  const all = slots(doc);
  if (all.length === 0) return doc;
  const [parent, key] = all[mutation.pick % all.length]!;
  if (Array.isArray(parent)) {
    const i = key as number;
    if (mutation.kind === 'delete') parent.splice(i, 1);
    else if (mutation.kind === 'duplicate') parent.splice(i, 0, structuredClone(parent[i]));
    else parent[i] = mutation.value;
  } else {
    const k = key as string;
    if (mutation.kind === 'delete') delete parent[k];
    else if (mutation.kind === 'rename') {
      parent[`${k}x`] = parent[k];
      delete parent[k];
    } else parent[k] = mutation.kind === 'duplicate' ? [parent[k], parent[k]] : mutation.value;
  }
  return doc;
}

const plausibleValue = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom(
    'rest',
    'all',
    'node-0',
    'node-999',
    'shard-0-primary',
    'shard-9-replica-9',
    'random',
    '2s',
    '-1s',
    '1.5ms',
    'converged',
    '',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'replace', 'rename', 'duplicate'),
  pick: fc.nat(),
  value: plausibleValue,
});

describe(`dsl loader fuzz (FC_SEED=${FC_SEED})`, () => {
  it('random text: a scenario or a ScenarioError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        onlyScenarioErrors(() => loadScenarioText(text, 'random.yaml'));
      }),
      fcParams(100),
    );
  });

  it('random YAML-ish text from scenario words: a scenario or a ScenarioError', () => {
    const token = fc.constantFrom(
      'scenario_id: x\n',
      'cluster:\n',
      '  num_shards: 2\n',
      'timeline:\n',
      '  - at: 1s\n',
      '    action: kill\n',
      '    target: node-0\n',
      '- ',
      ': ',
      '[',
      ']',
      '{',
      '}',
      '&a ',
      '*a',
      '!!binary ',
      '? ',
      '\t',
      '"',
      "'",
      '#',
      '\n',
      '  ',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        onlyScenarioErrors(() => loadScenarioText(tokens.join(''), 'tokens.yaml'));
      }),
      fcParams(100),
    );
  });

  it('random YAML trees (fc.anything dumped with yaml.stringify): a scenario or a ScenarioError', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withSparseArray: true, withBoxedValues: true }), (value) => {
        const text = dump(value);
        if (text !== null) onlyScenarioErrors(() => loadScenarioText(text, 'tree.yaml'));
        onlyScenarioErrors(() => scenarioFromDocument(value, 'tree.json', 'scenario'));
      }),
      fcParams(100),
    );
  });

  it('valid scenarios with one field mutated: a scenario or a ScenarioError', () => {
    fc.assert(
      fc.property(
        scenarioArbitrary({ maxShards: 6, maxSteps: 6 }),
        fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }),
        (scenario, mutations) => {
          let doc = scenarioToDocument(scenario);
          for (const mutation of mutations) doc = mutate(doc, mutation);
          const text = dump(doc);
          if (text !== null) onlyScenarioErrors(() => loadScenarioText(text, 'mutated.yaml'));
          onlyScenarioErrors(() => scenarioFromDocument(doc, 'mutated.json', 'scenario'));
        },
      ),
      fcParams(200),
    );
  });

  it('a billion-laughs alias bomb is a ScenarioError, not a hang', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 8 }, (_, i) => {
        const prev = String.fromCharCode(97 + i);
        const next = String.fromCharCode(98 + i);
        return `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`;
      }),
    ].join('\n');
    expect(() => loadScenarioText(bomb, 'bomb.yaml')).toThrow(ScenarioError);
  });
});
