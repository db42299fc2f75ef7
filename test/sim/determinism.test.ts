/**
 * Determinism (interface page: same seed, same trace hash): the same seed gives the same trace hash, run after run; different seeds
 * give different runs. Over 50 seeds of kill-primary, and as a fast-check property over seeds of
 * a scenario with chaos (every fault type, overlapping).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../core/dsl/index.ts';
import type { Scenario } from '../../core/scenario/types.ts';
import { benchScenario } from '../../sim/bench.ts';
import { SimRun } from '../../sim/runner.ts';
import { firstNodeIds } from '../../core/confirm/node-ids.ts';
import { FC_SEED, fcParams } from '../fc-config.ts';
import { scenarioPath } from './helpers.ts';

function traceHash(scenario: Scenario, seed: number, maxSteps: number): string {
  const run = new SimRun({ ...scenario, seed }, {});
  run.runSteps(maxSteps);
  return run.result(false).traceHash;
}

describe(`simulator determinism (FC_SEED=${FC_SEED})`, () => {
  it('kill-primary: 50 seeds run twice give identical trace hashes, and the 50 hashes differ', () => {
    const scenario = loadScenarioFile(scenarioPath('kill-primary'));
    const hashes = new Set<string>();
    for (let seed = 1; seed <= 50; seed++) {
      const first = traceHash(scenario, seed, 1_000_000);
      expect(traceHash(scenario, seed, 1_000_000)).toBe(first);
      hashes.add(first);
    }
    expect(hashes.size).toBe(50);
  });

  it('a run with chaos (every fault type) replays to the same trace hash', () => {
    const scenario = { ...benchScenario(60_000), workload: { keys: 100, writesPerSec: 50, waitReplicas: 0 } };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (seed) => {
        expect(traceHash(scenario, seed, 30_000)).toBe(traceHash(scenario, seed, 30_000));
      }),
      fcParams(20),
    );
  });

  it("a drawSeed reseeds the servers' and the network's draws, nodeIds keeps the ids, and it replays", () => {
    const scenario = { ...loadScenarioFile(scenarioPath('kill-primary')), seed: 11 };
    const run = (drawSeed?: number, nodeIds?: Record<string, string>) => {
      const lines: string[] = [];
      const simRun = new SimRun(scenario, {
        onTraceLine: (line) => lines.push(line),
        ...(drawSeed === undefined ? {} : { drawSeed }),
        ...(nodeIds === undefined ? {} : { nodeIds }),
      });
      simRun.runSteps(1_000_000);
      return { hash: simRun.result(false).traceHash, ids: firstNodeIds(lines) };
    };
    const plain = run();
    const drawn = [1, 2, 3].map((drawSeed) => run(drawSeed, plain.ids));
    // Same draw seed, same run.
    expect(run(2, plain.ids).hash).toBe(drawn[1]!.hash);
    // Without the ids a draw seed draws its own.
    expect(run(1).ids).not.toEqual(plain.ids);
    // Told the ids it would draw anyway, a run is that run (bench/agreement.ts --resim relies on it).
    expect(run(undefined, plain.ids).hash).toBe(plain.hash);
    // Other draws, other runs (hop times and election delays differ), same ids for every node.
    expect(new Set([plain.hash, ...drawn.map((d) => d.hash)]).size).toBe(4);
    expect(Object.keys(plain.ids).length).toBeGreaterThan(0);
    for (const d of drawn) expect(d.ids).toEqual(plain.ids);
  });
});
