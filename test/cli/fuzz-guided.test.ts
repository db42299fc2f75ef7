/**
 * `busfuzz fuzz --guided` end to end on the simulator (bin/busfuzz.js, worker processes): the same
 * seed and run count give the same findings and the same corpus with 2 workers and with 1; a crash
 * file of a mutant holds the whole scenario, so `busfuzz reproduce` and FUZZ_MODE=reproduce replay
 * it with the corpus gone; `busfuzz corpus` lists what each entry added; the stats file counts
 * features over time.
 */
import { readFile, readdir, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCrashFileName, readCrashFile } from '../../core/crash/index.ts';
import { realCli } from './fake-cli-process.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'busfuzz-guided-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// 32 fresh seeds, then mutants: seed 56 is a mutant that finds no-failure-flags (measured).
const ARGS = ['fuzz', '--guided', '--runs', '56', '--seed', '1', '--no-known', '--max-steps', '200000', '--json'];

async function guided(workers: number, crashDir: string) {
  const fuzz = realCli([...ARGS, '--workers', String(workers), '--crash-dir', crashDir]);
  const { code } = await fuzz.exit;
  expect(code, fuzz.stderr()).toBe(1);
  const json = JSON.parse(fuzz.stdout().trim().split('\n').at(-1)!);
  const corpus = realCli(['corpus', join(crashDir, 'corpus'), '--json']);
  expect((await corpus.exit).code, corpus.stderr()).toBe(0);
  const listing = realCli(['corpus', join(crashDir, 'corpus')]);
  expect((await listing.exit).code, listing.stderr()).toBe(0);
  return {
    stderr: fuzz.stderr(),
    findings: json.findings.map((finding: Record<string, unknown>) => [
      finding.fingerprint,
      finding.count,
      finding.seeds,
    ]),
    corpus: JSON.parse(corpus.stdout()).entries,
    listing: listing.stdout(),
  };
}

describe('fuzz --guided on the simulator', () => {
  it('same seed, 2 workers or 1: the same findings and corpus; a mutant crash file replays without the corpus', async () => {
    const twoDir = join(dir, 'two');
    const two = await guided(2, twoDir);
    const one = await guided(1, join(dir, 'one'));
    expect(two.findings.length).toBeGreaterThan(0);
    expect(one.findings).toEqual(two.findings);
    expect(one.corpus).toEqual(two.corpus);
    expect(two.corpus.length).toBeGreaterThan(32);
    expect(two.corpus.some((entry: { parent: number | null }) => entry.parent !== null)).toBe(true);
    expect(two.stderr).toMatch(/guided: \d+ distinct features, corpus of \d+ entries/);
    expect(two.listing).toMatch(/^corpus .*: \d+ entries \(\d+ fresh swarm seeds, \d+ mutants\)/);
    expect(two.listing).toMatch(/\n\s+0\s+1\s+-\s+\+\d+\s+\d+\s+\d+x\d+\s+\d+\s+fresh\n/);

    const stats = JSON.parse(await readFile(join(twoDir, 'fuzzer_stats.json'), 'utf8'));
    expect(stats.guided).toBe(true);
    expect(stats.features).toBeGreaterThan(500);
    expect(stats.series.at(-1).features).toBe(stats.features);

    // A finding of a mutant: its crash file holds the mutant, and replays with the corpus removed.
    const files = (await readdir(twoDir)).filter(isCrashFileName).map((name) => join(twoDir, name));
    const crashes = await Promise.all(files.map(async (file) => ({ file, crash: await readCrashFile(file) })));
    const mutant = crashes.find(({ crash }) => crash.scenario.scenarioId.startsWith('guided-'));
    expect(mutant, files.join(' ')).toBeDefined();
    await rm(join(twoDir, 'corpus'), { recursive: true, force: true });
    const replay = realCli(['reproduce', mutant!.file, '--json']);
    expect((await replay.exit).code, replay.stderr()).toBe(1);
    expect(JSON.parse(replay.stdout().trim().split('\n').at(-1)!)).toMatchObject({
      reproduced: true,
      trace_hash: mutant!.crash.traceHash,
    });
    const env = realCli([], { FUZZ_MODE: 'reproduce', FUZZ_FILE: mutant!.file });
    expect((await env.exit).code, env.stderr()).toBe(1);
    expect(env.stderr()).toMatch(/REPRODUCED/);
  });

  it('plain fuzz counts features too, and says nothing of a corpus', async () => {
    const crashDir = join(dir, 'plain');
    const fuzz = realCli(['fuzz', '--runs', '4', '--workers', '1', '--max-steps', '100000', '--crash-dir', crashDir]);
    expect([0, 1]).toContain((await fuzz.exit).code);
    const stats = JSON.parse(await readFile(join(crashDir, 'fuzzer_stats.json'), 'utf8'));
    expect(stats.guided).toBeUndefined();
    expect(stats.features).toBeGreaterThan(50);
    expect(fuzz.stderr()).not.toMatch(/corpus/);
  });

  it('--guided on the real backend, and --corpus without --guided, are bad input (exit 2)', async () => {
    const real = realCli(['fuzz', '--guided', '--backend', 'real', '--runs', '1']);
    expect((await real.exit).code).toBe(2);
    expect(real.stderr()).toMatch(/--guided needs --backend sim/);
    const corpus = realCli(['fuzz', '--corpus', join(dir, 'c'), '--runs', '1']);
    expect((await corpus.exit).code).toBe(2);
    expect(corpus.stderr()).toMatch(/--corpus DIR is the corpus of --guided/);
  });

  it('corpus: a folder that is not one is bad input (exit 2, one line)', async () => {
    const corpus = realCli(['corpus', join(dir, 'missing')]);
    expect((await corpus.exit).code).toBe(2);
    expect(corpus.stderr().trim().split('\n')).toHaveLength(1);
  });
});
