/**
 * A guided campaign is reproducible from its seed (core/fuzz/guided/source.ts): the loop hands
 * outcomes over in seed order, and the scenario of position p + LAG is drawn when p's outcome is
 * handed over, so the scenarios run, the corpus and the findings are the same whatever the worker
 * count and whatever order the runs finish in. Here on the fake backend with made-up features (a
 * hash of each step) and runs that finish out of order.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, RunOptions, RunResult } from '../../../../core/backend.ts';
import { featureIndex } from '../../../../core/features.ts';
import { InProcessExecutor } from '../../../../core/fuzz/executor.ts';
import { GuidedSource } from '../../../../core/fuzz/guided/source.ts';
import { FuzzLoop } from '../../../../core/fuzz/loop.ts';
import { generateScenario } from '../../../../core/generator.ts';
import type { Scenario } from '../../../../core/scenario/types.ts';
import { runFake } from '../fake-backend.ts';

/** The fake backend's verdicts, features from the scenario's steps, finishing after a seed-dependent wait. */
class FeatureFake implements Backend {
  readonly name = 'sim' as const;
  readonly ran = new Map<number, Scenario>();
  constructor(private readonly jitter: number) {}
  async run(scenario: Scenario, options: RunOptions): Promise<RunResult> {
    await new Promise((resolve) => setTimeout(resolve, (scenario.timeline.length * this.jitter) % 7));
    const features = new Set<number>();
    for (const step of scenario.timeline)
      features.add(featureIndex(9, step.action.length, Math.floor(step.atMs / 5000), scenario.cluster.numShards));
    const result = runFake(scenario, options);
    return { ...result, features: [...features].sort((a, b) => a - b) };
  }
}

async function campaign(capacity: number, jitter: number, runs = 120) {
  const backend = new FeatureFake(jitter);
  const ran: string[] = [];
  const source = new GuidedSource({ generate: generateScenario, seedAt: (position) => 500 + position });
  const scenarioAt = source.scenarioAt.bind(source);
  source.scenarioAt = (position, seed) => {
    const scenario = scenarioAt(position, seed);
    ran[position] = JSON.stringify(scenario);
    return scenario;
  };
  const loop = new FuzzLoop({
    executor: new InProcessExecutor({ backend, generate: generateScenario }, 1_000_000, capacity, true),
    firstSeed: 500,
    runs,
    timeLimitMs: null,
    maxSteps: 1_000_000,
    crashDir: '/nonexistent-guided-test',
    // Crash files are not wanted here: the fake's fingerprints count as known.
    known: new Map(
      ['one-primary-per-shard/two-primaries', 'failover-bound/slow-failover'].map((fingerprint) => [
        fingerprint,
        { reason: 'test', upstream: 'test', fixedIn: null },
      ]),
    ),
    recorded: new Map(),
    source,
  });
  const summary = await loop.run();
  return {
    ran,
    findings: summary.tallies.map((tally) => [tally.fingerprint, tally.count, tally.seeds]),
    corpus: source.corpus.entries.map((entry) => [
      entry.id,
      entry.campaignSeed,
      entry.parent,
      entry.mutation,
      entry.added,
    ]),
    mutants: source.mutants,
  };
}

describe('guided determinism', () => {
  it('same seed: the same scenarios, corpus and findings with 1 worker or 4, whatever order runs finish in', async () => {
    const one = await campaign(1, 3);
    const four = await campaign(4, 5);
    expect(one.ran.length).toBe(120);
    expect(one.mutants).toBeGreaterThan(40);
    expect(one.corpus.length).toBeGreaterThan(5);
    expect(one.findings.length).toBeGreaterThan(0);
    expect(four.ran).toEqual(one.ran);
    expect(four.corpus).toEqual(one.corpus);
    expect(four.findings).toEqual(one.findings);
  });

  it('the first LAG positions are fresh swarm seeds, and mutants follow', async () => {
    const { ran } = await campaign(2, 1, 60);
    for (let position = 0; position < 32; position++)
      expect(JSON.parse(ran[position]!)).toEqual(generateScenario(500 + position));
    expect(ran.slice(32).some((text) => JSON.parse(text).scenarioId.startsWith('guided-'))).toBe(true);
  });
});
