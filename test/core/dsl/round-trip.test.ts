/** YAML round trip: loading a saved scenario gives back exactly the scenario that was saved. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScenarioText, saveScenario, scenarioFromDocument, scenarioToDocument } from '../../../core/dsl/index.ts';
import { scenarioArbitrary } from './arbitraries.ts';
import { FC_SEED, fcParams } from '../../fc-config.ts';

describe(`dsl round trip (FC_SEED=${FC_SEED})`, () => {
  it('loadScenarioText(saveScenario(s)) deep-equals s', () => {
    fc.assert(
      fc.property(scenarioArbitrary(), (scenario) => {
        expect(loadScenarioText(saveScenario(scenario), 'round-trip.yaml')).toStrictEqual(scenario);
      }),
      fcParams(100),
    );
  });

  it('scenarioFromDocument(scenarioToDocument(s)) deep-equals s (the crash-file path)', () => {
    fc.assert(
      fc.property(scenarioArbitrary({ maxShards: 8 }), (scenario) => {
        const json = JSON.parse(JSON.stringify(scenarioToDocument(scenario))) as unknown;
        expect(scenarioFromDocument(json, 'crash.json', 'scenario')).toStrictEqual(scenario);
      }),
      fcParams(100),
    );
  });

  it('saving is stable: save(load(save(s))) is the same text', () => {
    fc.assert(
      fc.property(scenarioArbitrary({ maxShards: 8 }), (scenario) => {
        const text = saveScenario(scenario);
        expect(saveScenario(loadScenarioText(text))).toBe(text);
      }),
      fcParams(100),
    );
  });
});
