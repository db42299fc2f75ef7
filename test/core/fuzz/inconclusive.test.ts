/**
 * The fuzz loop counts runs the step bound cut short apart from passes: the fake backend, like the
 * simulator, calls a run inconclusive when maxSteps ends it before its last step.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { InProcessExecutor } from '../../../core/fuzz/executor.ts';
import { FuzzLoop } from '../../../core/fuzz/loop.ts';
import { runSeed } from '../../../core/fuzz/seed-run.ts';
import { FakeBackend, generateFake } from './fake-backend.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'busfuzz-inconclusive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('counts inconclusive runs in the snapshot and the summary, as runs but apart', async () => {
  const maxSteps = 5000;
  let expected = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const outcome = await runSeed({ backend: new FakeBackend(), generate: generateFake }, seed, maxSteps);
    if (outcome.result!.verdict === 'inconclusive') expected++;
  }
  expect(expected).toBeGreaterThan(0);
  expect(expected).toBeLessThan(30);
  const loop = new FuzzLoop({
    executor: new InProcessExecutor({ backend: new FakeBackend(), generate: generateFake }, maxSteps),
    firstSeed: 1,
    runs: 30,
    timeLimitMs: null,
    maxSteps,
    crashDir: dir,
    known: new Map(),
    recorded: new Map(),
  });
  const summary = await loop.run();
  expect(summary.runs).toBe(30);
  expect(summary.inconclusive).toBe(expected);
  expect(loop.snapshot().inconclusive).toBe(expected);
});
