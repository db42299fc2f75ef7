/**
 * The fuzz loop on the fake backend, in this thread: seeds in order, one crash file per new
 * fingerprint (the lowest seed's), later hits counted, known and already-recorded fingerprints
 * counted but not written, and the stops (runs, time limit, signal, environment failure).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../../core/backend.ts';
import { crashFileName, readCrashFile } from '../../../core/crash/index.ts';
import { InProcessExecutor } from '../../../core/fuzz/executor.ts';
import { FuzzLoop, type FuzzEvent, type FuzzLoopOptions } from '../../../core/fuzz/loop.ts';
import { runSeed } from '../../../core/fuzz/seed-run.ts';
import { FakeBackend, generateFake, type FakeOptions } from './fake-backend.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'busfuzz-loop-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function loopWith(fake: FakeOptions, options: Partial<FuzzLoopOptions> & { capacity?: number } = {}) {
  const backend = new FakeBackend(fake);
  const events: FuzzEvent[] = [];
  const loop = new FuzzLoop({
    executor: new InProcessExecutor({ backend, generate: generateFake }, 1_000_000, options.capacity ?? 1),
    firstSeed: 1,
    runs: 40,
    timeLimitMs: null,
    maxSteps: 1_000_000,
    crashDir: dir,
    known: new Map(),
    recorded: new Map(),
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { loop, backend, events };
}

/** What the loop should find, computed seed by seed without it. */
async function expectedFindings(seeds: number[]) {
  const first = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const seed of seeds) {
    const outcome = await runSeed({ backend: new FakeBackend(), generate: generateFake }, seed, 1_000_000);
    const fingerprint = outcome.result!.violation?.fingerprint;
    if (fingerprint === undefined) continue;
    if (!first.has(fingerprint)) first.set(fingerprint, seed);
    counts.set(fingerprint, (counts.get(fingerprint) ?? 0) + 1);
  }
  return { first, counts };
}

const seedsFrom = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);

describe('fuzz loop (fake backend, in process)', () => {
  it('runs seeds 1..40, writes one crash file per new fingerprint from its lowest seed, counts the rest', async () => {
    const { loop, backend, events } = loopWith({});
    const summary = await loop.run();
    const expected = await expectedFindings(seedsFrom(1, 40));
    expect(expected.first.size).toBeGreaterThanOrEqual(2);
    expect(backend.runs.map((s) => s.seed)).toEqual(seedsFrom(1, 40));
    expect(summary.runs).toBe(40);
    expect(summary.stopReason).toBe('runs');
    expect(summary.newCount).toBe(expected.first.size);
    const files = (await readdir(dir)).sort();
    expect(files).toEqual([...expected.first].map(([fingerprint, seed]) => crashFileName(fingerprint, seed)).sort());
    for (const tally of summary.tallies) {
      expect(tally.status).toBe('new');
      expect(tally.firstSeed).toBe(expected.first.get(tally.fingerprint));
      expect(tally.count).toBe(expected.counts.get(tally.fingerprint));
      const crash = await readCrashFile(tally.crashFile!);
      expect(crash.seed).toBe(tally.firstSeed);
      expect(crash.violation.fingerprint).toBe(tally.fingerprint);
      expect(crash.scenario).toEqual(generateFake(tally.firstSeed));
    }
    expect(
      events
        .filter((e) => e.type === 'new-finding')
        .map((e) => e.type === 'new-finding' && e.crashFile)
        .sort(),
    ).toEqual(files.map((name) => join(dir, name)));
  });

  it('gives the same files and counts with 4 runs in flight finishing out of order', async () => {
    const serial = await loopWith({}).loop.run();
    const serialFiles = (await readdir(dir)).sort();
    await rm(dir, { recursive: true });
    // Each run awaits a different time, so they finish out of seed order.
    const backend = new FakeBackend();
    const shuffled = new FuzzLoop({
      executor: new InProcessExecutor(
        {
          backend: {
            name: 'sim',
            run: async (scenario, options) => {
              await new Promise((resolve) => setTimeout(resolve, (scenario.seed * 7) % 13));
              return backend.run(scenario, options);
            },
          },
          generate: generateFake,
        },
        1_000_000,
        4,
      ),
      firstSeed: 1,
      runs: 40,
      timeLimitMs: null,
      maxSteps: 1_000_000,
      crashDir: dir,
      known: new Map(),
      recorded: new Map(),
    });
    const parallel = await shuffled.run();
    expect(backend.runs.map((s) => s.seed)).not.toEqual(seedsFrom(1, 40));
    expect((await readdir(dir)).sort()).toEqual(serialFiles);
    expect(parallel.tallies).toEqual(serial.tallies);
    expect(parallel.steps).toBe(serial.steps);
  });

  it('counts known and already-recorded fingerprints without writing them; exit-worthy only when new', async () => {
    const expected = await expectedFindings(seedsFrom(1, 40));
    const [knownFingerprint, recordedFingerprint] = [...expected.first.keys()];
    const { loop } = loopWith(
      {},
      {
        known: new Map([
          [knownFingerprint!, { reason: 'reported upstream', upstream: 'valkey-io/valkey#1', fixedIn: null }],
        ]),
        recorded: new Map([[recordedFingerprint!, 'crashes/old.json']]),
      },
    );
    const summary = await loop.run();
    const byFingerprint = new Map(summary.tallies.map((t) => [t.fingerprint, t]));
    expect(byFingerprint.get(knownFingerprint!)).toMatchObject({
      status: 'known',
      known: { reason: 'reported upstream' },
      crashFile: null,
      count: expected.counts.get(knownFingerprint!),
    });
    expect(byFingerprint.get(recordedFingerprint!)).toMatchObject({
      status: 'recorded',
      crashFile: 'crashes/old.json',
    });
    expect(summary.newCount).toBe(expected.first.size - 2);
    expect((await readdir(dir)).length).toBe(expected.first.size - 2);
  });

  it('stops at the time limit and on the stop signal, with the resume seed', async () => {
    const timed = await loopWith({ delayMs: 5 }, { runs: null, timeLimitMs: 150 }).loop.run();
    expect(timed.stopReason).toBe('time-limit');
    expect(timed.runs).toBeGreaterThan(2);
    expect(timed.resumeSeed).toBeGreaterThan(timed.runs);

    const controller = new AbortController();
    const { loop, backend } = loopWith({ delayMs: 2 }, { runs: null, signal: controller.signal, capacity: 2 });
    setTimeout(() => controller.abort(), 100);
    const stopped = await loop.run();
    expect(stopped.stopReason).toBe('signal');
    expect(stopped.runs).toBeGreaterThan(2);
    expect(stopped.runs).toBeLessThanOrEqual(backend.runs.length);
    expect(stopped.resumeSeed).toBeLessThanOrEqual(backend.runs.length + 1);
  });

  it('an aborted run is not counted; a signal before the start runs nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const { loop, backend } = loopWith({}, { signal: controller.signal });
    const summary = await loop.run();
    expect(summary).toMatchObject({ runs: 0, stopReason: 'signal', resumeSeed: 1 });
    expect(backend.runs).toEqual([]);
  });

  it('tallies busfuzz errors by message and goes on; an environment failure stops the loop', async () => {
    const withBug = await loopWith({ throwForSeeds: [3] }, { runs: 10 }).loop.run();
    expect(withBug.runs).toBe(9);
    expect(withBug.errors).toEqual([
      expect.objectContaining({
        count: 1,
        firstSeed: 3,
        error: expect.objectContaining({ kind: 'internal', message: 'fake: broken model at seed 3' }),
      }),
    ]);

    const failing = new FuzzLoop({
      executor: new InProcessExecutor(
        {
          backend: {
            name: 'real',
            run: async () => {
              throw new EnvironmentError('no valkey-server', 'install it');
            },
          },
          generate: generateFake,
        },
        1000,
      ),
      firstSeed: 1,
      runs: 10,
      timeLimitMs: null,
      maxSteps: 1000,
      crashDir: dir,
      known: new Map(),
      recorded: new Map(),
    });
    const summary = await failing.run();
    expect(summary.stopReason).toBe('error');
    expect(summary.fatal).toBeInstanceOf(EnvironmentError);
    expect(summary.fatal?.message).toBe('no valkey-server');
  });

  it('an unwritable crash folder is an environment failure', async () => {
    // A folder under a plain file cannot exist (ENOTDIR).
    await writeFile(join(dir, 'plain-file'), '');
    const { loop } = loopWith({}, { crashDir: join(dir, 'plain-file', 'crashes') });
    const summary = await loop.run();
    expect(summary.stopReason).toBe('error');
    expect(summary.fatal).toBeInstanceOf(EnvironmentError);
    expect(summary.fatal?.message).toMatch(/cannot write a crash file in .*plain-file\/crashes: ENOTDIR/);
  });
});

describe('fuzz loop bounds', () => {
  it('does not run far ahead of a slow low seed, and still finishes every seed', async () => {
    const backend = new FakeBackend();
    let maxAhead = 0;
    let slowDone = false;
    const loop = new FuzzLoop({
      executor: new InProcessExecutor(
        {
          backend: {
            name: 'sim',
            run: async (scenario, options) => {
              if (scenario.seed === 1) {
                await new Promise((resolve) => setTimeout(resolve, 200));
                slowDone = true;
              } else if (!slowDone) {
                maxAhead = Math.max(maxAhead, scenario.seed - 1);
              }
              return backend.run(scenario, options);
            },
          },
          generate: generateFake,
        },
        1_000_000,
        2,
      ),
      firstSeed: 1,
      runs: 200,
      timeLimitMs: null,
      maxSteps: 1_000_000,
      crashDir: dir,
      known: new Map(),
      recorded: new Map(),
    });
    const summary = await loop.run();
    expect(summary.runs).toBe(200);
    // 16 seeds per worker past the lowest unhandled one, at most.
    expect(maxAhead).toBeLessThan(32);
    expect(maxAhead).toBeGreaterThan(8);
  });
});
