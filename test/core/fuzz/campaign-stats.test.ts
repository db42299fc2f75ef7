/**
 * The stats file under out-of-order outcomes and interruption: a shard stopped while a low seed is
 * still running (later seeds already finished and tallied by the loop) checkpoints at that seed,
 * counts nothing past it, and a resumed run from the file ends with exactly the stats of a run
 * that was never interrupted: no seed lost, none counted twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CampaignStats } from '../../../core/fuzz/campaign-stats.ts';
import { RunCancelledError, type SeedExecutor } from '../../../core/fuzz/executor.ts';
import { FuzzLoop } from '../../../core/fuzz/loop.ts';
import { SeedSchedule, type FuzzShard } from '../../../core/fuzz/schedule.ts';
import { runSeed, type SeedOutcome } from '../../../core/fuzz/seed-run.ts';
import { STATS_FILE_NAME, readStatsFile, type StatsFile } from '../../../core/fuzz/stats-file.ts';
import { FakeBackend, generateFake } from './fake-backend.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'busfuzz-stats-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs seeds with seed-dependent delays (so outcomes arrive out of order); `stuck` never finishes
 * until the executor is closed (it is then cancelled), and `afterRuns` calls `onCount` once that
 * many runs have finished.
 */
class ShuffledExecutor implements SeedExecutor {
  readonly capacity = 4;
  private finished = 0;
  private readonly pending = new Map<number, (error: Error) => void>();
  constructor(
    private readonly stuck: number | null,
    private readonly afterRuns: number,
    private readonly onCount: () => void,
  ) {}

  run(seed: number): Promise<SeedOutcome> {
    return new Promise((resolve, reject) => {
      this.pending.set(seed, reject);
      if (seed === this.stuck) return;
      setTimeout(
        () => {
          void runSeed(
            { backend: new FakeBackend({ fingerprintsBySeed: 5 }), generate: generateFake },
            seed,
            1_000_000,
          ).then((outcome) => {
            this.pending.delete(seed);
            resolve(outcome);
            if (++this.finished === this.afterRuns) this.onCount();
          });
        },
        (seed * 7) % 5,
      );
    });
  }

  abort(): void {}

  async close(): Promise<void> {
    for (const [seed, reject] of this.pending) reject(new RunCancelledError(seed));
    this.pending.clear();
  }
}

async function runShard(shard: FuzzShard, options: { stuck?: number; stopAfter?: number; resume?: StatsFile | null }) {
  const controller = new AbortController();
  const executor = new ShuffledExecutor(options.stuck ?? null, options.stopAfter ?? -1, () => controller.abort());
  const resume = options.resume ?? null;
  const schedule = new SeedSchedule(1, shard, 60, resume?.checkpoint.next_seed);
  const stats = new CampaignStats(
    {
      dir,
      backend: 'sim',
      seedStart: 1,
      runsLimit: 60,
      maxSteps: 1_000_000,
      shard,
      workers: 4,
      known: new Map([['views-agree/seed-0', { reason: 'fake', upstream: 'valkey-io/valkey#2283', fixedIn: null }]]),
      firstSeed: schedule.seedAt(0),
    },
    resume,
  );
  const loop = new FuzzLoop({
    executor,
    firstSeed: 1,
    runs: 60,
    timeLimitMs: null,
    maxSteps: 1_000_000,
    crashDir: dir,
    known: new Map(),
    recorded: new Map(),
    schedule,
    onSettled: (seed, outcome) => stats.settled(seed, outcome),
    signal: controller.signal,
  });
  stats.start(() => loop.snapshot().tallies);
  const summary = await loop.run();
  const file = await stats.finish(summary.stopReason === 'runs' ? 'done' : 'interrupted', summary.tallies);
  expect(await readStatsFile(join(dir, STATS_FILE_NAME))).toEqual(file);
  return { summary, file };
}

const comparable = (file: StatsFile) => ({
  runs: file.runs,
  steps: file.steps,
  errors: file.errors,
  checkpoint: file.checkpoint,
  findings: file.findings.map(({ first_found_ms: _, ...finding }) => finding),
});

describe('campaign stats file', () => {
  it('a shard interrupted with a low seed unfinished resumes at it and ends as an uninterrupted run', async () => {
    const shard = { index: 1, count: 2 };
    const { file: whole } = await runShard(shard, {});
    expect(whole.state).toBe('done');
    expect(whole.runs).toBe(30);
    expect(whole.checkpoint.next_seed).toBe(62);
    expect(whole.findings.length).toBeGreaterThan(2);
    await rm(join(dir, STATS_FILE_NAME));

    // Seed 14 never finishes; the stop comes once 12 later runs have.
    const { summary, file: cut } = await runShard(shard, { stuck: 14, stopAfter: 12 });
    expect(cut.state).toBe('interrupted');
    expect(cut.checkpoint.next_seed).toBe(14);
    expect(cut.runs).toBe(6);
    // The loop itself tallied runs past the gap: the file must not.
    expect(summary.runs).toBeGreaterThan(cut.runs);
    expect(cut.findings.every((finding) => finding.seeds.every((seed) => seed < 14))).toBe(true);

    const { file: resumed } = await runShard(shard, { resume: cut });
    expect(resumed.state).toBe('done');
    expect(comparable(resumed)).toEqual(comparable(whole));
    expect(resumed.started_at).toBe(cut.started_at);
    expect(resumed.series.length).toBeGreaterThan(cut.series.length);
  });

  it('known findings carry their reason and upstream reference, and no crash file', async () => {
    const { file } = await runShard({ index: 0, count: 1 }, {});
    const known = file.findings.find((finding) => finding.fingerprint === 'views-agree/seed-0')!;
    expect(known).toMatchObject({
      status: 'known',
      crash_file: null,
      known_reason: 'fake',
      upstream: 'valkey-io/valkey#2283',
    });
    expect(
      file.findings.filter((finding) => finding.status === 'new').every((finding) => finding.crash_file !== null),
    ).toBe(true);
  });
});
