/**
 * The shrinker on the fake backend (whose failures need particular steps and cluster shapes):
 * it cuts the timeline to the steps that matter, the cluster to the smallest that still fails,
 * max_steps to the violation, keeps the fingerprint, and the result replays exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildCrashFile,
  compareReplay,
  crashToJson,
  parseCrashFile,
  type CrashFile,
} from '../../../core/crash/index.ts';
import { DEFAULT_CLUSTER, type Scenario, type Step } from '../../../core/scenario/types.ts';
import { NotReproducingError, scenarioSize, shrinkCrash } from '../../../core/shrink/index.ts';
import { FakeBackend, generateFake } from '../fuzz/fake-backend.ts';

const FC_SEED = Number(process.env.FC_SEED ?? 42);
const FC_NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 30);

async function crashOf(scenario: Scenario, maxSteps = 1_000_000): Promise<CrashFile> {
  const result = await new FakeBackend().run(scenario, { maxSteps });
  expect(result.violation).not.toBeNull();
  return buildCrashFile({ scenario, result, maxSteps });
}

/** 4 shards x 2 replicas, 12 steps of which only a kill of a primary and a later partition matter. */
function bigScenario(): Scenario {
  const timeline: Step[] = [
    { atMs: 1000, action: 'bump_epoch', target: 'node-3' },
    { atMs: 2000, action: 'pause', target: 'node-4', durationMs: 1000 },
    { atMs: 3000, action: 'heal' },
    { atMs: 4000, action: 'kill', target: 'shard-1-primary', restartAfterMs: 8000 },
    { atMs: 5000, action: 'bump_epoch', target: 'node-5' },
    { atMs: 6000, action: 'kill', target: 'node-7', restartAfterMs: 2000 },
    { atMs: 7000, action: 'pause', target: 'node-2', durationMs: 3000 },
    { atMs: 8000, action: 'heal' },
    { atMs: 9000, action: 'bump_epoch', target: 'shard-2-primary' },
    { atMs: 10_000, action: 'partition', groups: [['shard-0-primary'], 'rest'], oneway: false, durationMs: 6000 },
    { atMs: 11_000, action: 'heal' },
    { atMs: 12_000, action: 'bump_epoch', target: 'node-1' },
  ];
  return {
    scenarioId: 'big',
    seed: 7,
    protocol: 'valkey-8.0',
    cluster: { ...DEFAULT_CLUSTER, numShards: 4, replicasPerShard: 2, nodeTimeoutMs: 1000 },
    workload: { keys: 100, writesPerSec: 50, waitReplicas: 1 },
    timeline,
    chaos: null,
    validation: { convergenceTimeoutMs: 20_000, invariants: ['one-primary-per-shard', 'failover-bound'] },
  };
}

describe('shrinking (fake backend)', () => {
  it('keeps only the steps and the cluster the failure needs, and cuts max_steps to the violation', async () => {
    const crash = await crashOf(bigScenario());
    const report = await shrinkCrash(crash, { backend: new FakeBackend(), shrunkFrom: 'crashes/big.json' });
    const shrunk = report.crash;
    expect(shrunk.violation.fingerprint).toBe('one-primary-per-shard/two-primaries');
    expect(shrunk.scenario.timeline.map((step) => step.action)).toEqual(['kill', 'partition']);
    expect(shrunk.scenario.cluster).toMatchObject({ numShards: 2, replicasPerShard: 0 });
    expect(shrunk.scenario.workload).toBeNull();
    expect(shrunk.maxSteps).toBe(shrunk.violation.step);
    expect(shrunk.shrunkFrom).toBe('crashes/big.json');
    expect(report.stoppedBy).toBe('done');
    expect(report.before).toMatchObject({ steps: 12, shards: 4, replicasPerShard: 2, maxSteps: 1_000_000 });
    expect(report.after).toMatchObject({ steps: 2, faults: 2, shards: 2, replicasPerShard: 0 });
    expect(report.removed.join('\n')).toMatch(/timeline: 12 -> 2 steps/);
    expect(report.removed.join('\n')).toMatch(/shards: 4 -> 2/);
    // The written file replays to the same step and trace hash.
    const reread = parseCrashFile(crashToJson(shrunk), 'min.json');
    const replay = await new FakeBackend().run(reread.scenario, { maxSteps: reread.maxSteps });
    expect(compareReplay(reread, replay)).toEqual({ reproduced: true, exact: true, differences: [] });
  });

  it('keeps a long pause long when the failure needs it', async () => {
    const scenario: Scenario = {
      ...bigScenario(),
      timeline: [
        { atMs: 1000, action: 'bump_epoch', target: 'node-1' },
        { atMs: 5000, action: 'pause', target: 'node-1', durationMs: 8000 },
        { atMs: 9000, action: 'heal' },
      ],
    };
    const report = await shrinkCrash(await crashOf(scenario), { backend: new FakeBackend() });
    expect(report.crash.scenario.timeline).toHaveLength(1);
    const pause = report.crash.scenario.timeline[0]!;
    expect(pause.action).toBe('pause');
    expect(pause.action === 'pause' && pause.durationMs).toBeGreaterThan(5000);
    // Shifted earlier, but still a pause the failure needs; and it needs replicas.
    expect(pause.atMs).toBeLessThan(5000);
    expect(report.crash.scenario.cluster.replicasPerShard).toBe(1);
    expect(report.crash.scenario.cluster.numShards).toBe(1);
  });

  it('stops within its run budget and still writes a failing, smaller case', async () => {
    const report = await shrinkCrash(await crashOf(bigScenario()), { backend: new FakeBackend(), maxRuns: 10 });
    expect(report.runs).toBe(10);
    expect(report.stoppedBy).toBe('budget');
    expect(report.crash.violation.fingerprint).toBe('one-primary-per-shard/two-primaries');
    expect(report.after.steps).toBeLessThan(12);
  });

  it('refuses a crash that does not fail with its fingerprint any more', async () => {
    const crash = await crashOf(bigScenario());
    const stale = { ...crash, violation: { ...crash.violation, fingerprint: 'one-primary-per-shard/other-shape' } };
    await expect(shrinkCrash(stale, { backend: new FakeBackend() })).rejects.toBeInstanceOf(NotReproducingError);
  });

  it(`a shrunk case is never bigger and fails the same way (fc seed ${FC_SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 100_000 }), async (seed) => {
        const scenario = generateFake(seed);
        const result = await new FakeBackend().run(scenario, { maxSteps: 1_000_000 });
        fc.pre(result.violation !== null);
        const crash = buildCrashFile({ scenario, result, maxSteps: 1_000_000 });
        const report = await shrinkCrash(crash, { backend: new FakeBackend() });
        expect(report.crash.violation.fingerprint).toBe(crash.violation.fingerprint);
        const [before, after] = [scenarioSize(scenario), scenarioSize(report.crash.scenario)];
        expect(after.steps).toBeLessThanOrEqual(before.steps);
        expect(after.nodes).toBeLessThanOrEqual(before.nodes);
        expect(report.crash.maxSteps).toBeLessThan(crash.maxSteps);
        const replay = await new FakeBackend().run(report.crash.scenario, { maxSteps: report.crash.maxSteps });
        expect(compareReplay(report.crash, replay).reproduced).toBe(true);
      }),
      { seed: FC_SEED, numRuns: FC_NUM_RUNS },
    );
  });
});
