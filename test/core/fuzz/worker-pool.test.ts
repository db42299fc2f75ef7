/**
 * The worker pool with the fake worker program: a finding made in a worker (a child process for
 * the simulator backend) is the same run as in this process (same step and trace hash), start-up
 * failures keep their kind, and closing ends a worker stuck in a synchronous run after the grace
 * period.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../../core/backend.ts';
import { RunCancelledError } from '../../../core/fuzz/executor.ts';
import { runSeed } from '../../../core/fuzz/seed-run.ts';
import { WorkerPool } from '../../../core/fuzz/worker-pool.ts';
import { FakeBackend, generateFake } from './fake-backend.ts';

const FAKE_WORKER = new URL('./fake-worker.ts', import.meta.url).href;
const config = { moduleUrl: FAKE_WORKER, backend: 'sim' as const, backendOptions: {}, maxSteps: 1_000_000 };

afterEach(() => {
  delete process.env.FAKE_BUSY_MS;
  delete process.env.FAKE_WORKER_FAIL;
});

describe('worker pool (fake worker program)', () => {
  it('runs seeds in two workers with the same outcomes as in this process', async () => {
    const pool = await WorkerPool.start(2, config);
    try {
      expect(pool.capacity).toBe(2);
      for (const seeds of [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ]) {
        const outcomes = await Promise.all(seeds.map((seed) => pool.run(seed)));
        for (const outcome of outcomes) {
          const local = await runSeed({ backend: new FakeBackend(), generate: generateFake }, outcome.seed, 1_000_000);
          expect(outcome.error).toBeNull();
          expect(outcome.result).toEqual(local.result);
          expect(outcome.scenario).toEqual(local.scenario);
        }
      }
    } finally {
      await pool.close(1000);
    }
  });

  it('a worker that cannot build its backend fails start() with the same error kind', async () => {
    process.env.FAKE_WORKER_FAIL = 'environment';
    const started = WorkerPool.start(2, config);
    await expect(started).rejects.toBeInstanceOf(EnvironmentError);
    await expect(started).rejects.toThrow('valkey-server not found');
  });

  it('a worker program that does not load fails start() with its error', async () => {
    await expect(
      WorkerPool.start(1, { ...config, moduleUrl: new URL('./no-such-worker.ts', import.meta.url).href }),
    ).rejects.toThrow(/fuzz worker 0 failed to start: .*no-such-worker/s);
  });

  it('close() ends a worker blocked in a long run after the grace period; its run is cancelled', async () => {
    process.env.FAKE_BUSY_MS = '30000';
    const pool = await WorkerPool.start(1, config);
    const settled = pool.run(1).catch((error: unknown) => error);
    const startedAtMs = performance.now();
    await pool.close(200);
    expect(performance.now() - startedAtMs).toBeLessThan(5000);
    expect(await settled).toBeInstanceOf(RunCancelledError);
  });
});
