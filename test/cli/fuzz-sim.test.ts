/**
 * `busfuzz fuzz` and `reproduce` end to end on the simulator (bin/busfuzz.js, worker threads):
 * a short run of the environment form whose every crash file replays in a single process to the
 * same step and trace hash; Ctrl-C during --forever; SIGKILL. Kept small for the quick suite (the
 * 40-run acceptance figure is measured by hand, see the fuzz helper's report).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCrashFileName, readCrashFile } from '../../core/crash/index.ts';
import { realCli } from './fake-cli-process.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'busfuzz-sim-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function crashFiles(crashDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(crashDir);
  } catch {
    return [];
  }
  for (const name of names) {
    expect(
      isCrashFileName(name) || name === 'fuzzer_stats.json' || /^\.(crash-.*|fuzzer_stats\.json\..*)\.tmp$/.test(name),
      `unexpected ${name}`,
    ).toBe(true);
  }
  return names.filter(isCrashFileName).map((name) => join(crashDir, name));
}

describe('fuzz on the simulator (bin/busfuzz.js)', () => {
  it('FUZZ_MODE=fuzz on 2 workers: progress, a summary, and crash files that replay in one process to the same step and trace hash', async () => {
    const crashDir = join(dir, 'env');
    const fuzz = realCli([], {
      FUZZ_MODE: 'fuzz',
      MAX_STEPS: '60000',
      FUZZ_SEED: '1',
      FUZZ_RUNS: '6',
      FUZZ_WORKERS: '2',
      CRASH_DIR: crashDir,
    });
    const { code } = await fuzz.exit;
    expect([0, 1], fuzz.stderr()).toContain(code);
    expect(fuzz.stderr()).toMatch(/fuzz stopped \(all runs done\) after \d+:\d\d: \d+ runs from seed 1/);
    const files = await crashFiles(crashDir);
    expect(code === 1, fuzz.stderr()).toBe(files.length > 0);
    for (const file of files) {
      const crash = await readCrashFile(file);
      const replay = realCli(['reproduce', file, '--json'], {});
      expect((await replay.exit).code, replay.stderr()).toBe(1);
      const json = JSON.parse(replay.stdout().trim().split('\n').at(-1)!);
      expect(json).toMatchObject({
        reproduced: true,
        exact: true,
        trace_hash: crash.traceHash,
        violation: { step: crash.violation.step },
      });
    }
  });

  it('Ctrl-C during --forever stops with a summary and complete files only; SIGKILL leaves no partial crash file', async () => {
    const crashDir = join(dir, 'signals');
    const fuzz = realCli(['fuzz', '--forever', '--workers', '2', '--max-steps', '30000', '--crash-dir', crashDir], {});
    await fuzz.waitFor(/Ctrl-C stops cleanly/);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    fuzz.child.kill('SIGINT');
    const { code } = await fuzz.exit;
    expect([0, 1], fuzz.stderr()).toContain(code);
    expect(fuzz.stderr()).toMatch(/fuzz stopped \(interrupted\)/);
    for (const file of await crashFiles(crashDir)) await readCrashFile(file);
    expect((await readdir(crashDir).catch(() => [])).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const killed = realCli(
      ['fuzz', '--forever', '--workers', '2', '--max-steps', '30000', '--crash-dir', crashDir, '--seed', '5000'],
      {},
    );
    await killed.waitFor(/Ctrl-C stops cleanly/);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    killed.child.kill('SIGKILL');
    expect((await killed.exit).signal).toBe('SIGKILL');
    for (const file of await crashFiles(crashDir)) await readCrashFile(file);
  });
});
