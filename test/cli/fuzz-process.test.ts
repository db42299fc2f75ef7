/**
 * fuzz, reproduce and shrink as processes (fake backend, real CLI code and worker threads): the
 * environment form, exit codes, Ctrl-C during --forever (summary, complete files only), SIGKILL
 * (never a partial crash file) and bad crash files (exit 2 with the reason).
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCrashFileName, readCrashFile } from '../../core/crash/index.ts';
import { STATS_FILE_NAME, readStatsFile } from '../../core/fuzz/stats-file.ts';
import { fakeCli } from './fake-cli-process.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'busfuzz-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every entry of a crash folder is a complete crash file; returns their paths. */
async function expectOnlyCompleteCrashFiles(crashDir: string, allowTemp = false): Promise<string[]> {
  const names = await readdir(crashDir);
  const paths: string[] = [];
  for (const name of names) {
    if (allowTemp && /^\.(crash-.*|fuzzer_stats\.json\..*)\.tmp$/.test(name)) continue;
    // The run's stats file (written atomically too): it must parse.
    if (name === STATS_FILE_NAME) {
      expect(await readStatsFile(join(crashDir, name))).not.toBeNull();
      continue;
    }
    expect(isCrashFileName(name), `unexpected file ${name}`).toBe(true);
    paths.push(join(crashDir, name));
    await readCrashFile(join(crashDir, name));
  }
  return paths;
}

describe('fuzz / reproduce / shrink processes (fake backend)', () => {
  it('the environment form runs 40 seeds on 2 workers, and every crash file reproduces with FUZZ_MODE=reproduce', async () => {
    const crashDir = join(dir, 'env-form');
    const fuzz = fakeCli([], {
      FUZZ_MODE: 'fuzz',
      MAX_STEPS: '200000',
      FUZZ_SEED: '1',
      FUZZ_RUNS: '40',
      FUZZ_WORKERS: '2',
      CRASH_DIR: crashDir,
      FAKE_BY_SEED: '5',
    });
    const { code } = await fuzz.exit;
    expect(code, fuzz.stderr()).toBe(1);
    expect(fuzz.stderr()).toMatch(/seeds from 1 \(40 runs\), max 200,000 steps, 2 workers/);
    expect(fuzz.stderr()).toMatch(/fuzz stopped \(all runs done\) after \d+:\d\d: 40 runs from seed 1/);
    const files = await expectOnlyCompleteCrashFiles(crashDir);
    expect(files.length).toBe(fuzz.stderr().match(/^NEW /gm)!.length);
    for (const file of files) {
      expect(fuzz.stderr()).toContain(`replay:     npx busfuzz reproduce ${file}`);
      const replay = fakeCli([], { FUZZ_MODE: 'reproduce', FUZZ_FILE: file, FAKE_BY_SEED: '5' });
      expect((await replay.exit).code, replay.stderr()).toBe(1);
      expect(replay.stderr()).toMatch(/REPRODUCED: .* \(same invariant, step and trace hash\)/);
    }
  });

  it('a second run over the same seeds finds nothing new (exit 0) and writes nothing; --json is the last stdout line', async () => {
    const crashDir = join(dir, 'env-form');
    const before = (await readdir(crashDir)).sort();
    const again = fakeCli(
      ['fuzz', '--seed', '1', '--runs', '40', '--workers', '2', '--crash-dir', crashDir, '--json'],
      { FAKE_BY_SEED: '5' },
    );
    expect((await again.exit).code, again.stderr()).toBe(0);
    expect((await readdir(crashDir)).sort()).toEqual(before);
    const summary = JSON.parse(again.stdout().trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ runs: 40, new_findings: 0, stop_reason: 'runs', first_seed: 1 });
    expect(
      summary.findings.every(
        (finding: { status: string; already_recorded: boolean }) =>
          finding.status === 'new' && finding.already_recorded,
      ),
    ).toBe(true);
  });

  it('--known fingerprints print KNOWN with their upstream reference, are counted, not written, and exit 0 when nothing else is new', async () => {
    const crashDir = join(dir, 'known');
    const knownFile = join(dir, 'known.yaml');
    // With FAKE_BY_SEED=1 every finding is one of these three fingerprints.
    await writeFile(
      knownFile,
      [
        '- fingerprint: views-agree/seed-0',
        '  reason: fake heal finding',
        '  upstream: valkey-io/valkey#101',
        '- fingerprint: failover-bound/slow-failover',
        '  reason: fake long pause',
        '  upstream: valkey-io/valkey#102',
        '  fixed_in: "8.1.0"',
        '- fingerprint: one-primary-per-shard/two-primaries',
        '  reason: fake kill then partition',
        '  upstream: valkey-io/valkey#103',
      ].join('\n'),
    );
    const fuzz = fakeCli(['fuzz', '--runs', '30', '--crash-dir', crashDir, '--known', knownFile], {
      FAKE_BY_SEED: '1',
    });
    expect((await fuzz.exit).code, fuzz.stderr()).toBe(0);
    expect(fuzz.stderr()).toMatch(/3 known fingerprints from/);
    expect(fuzz.stderr()).toMatch(/^KNOWN views-agree\/seed-0: valkey-io\/valkey#101 at seed \d+/m);
    expect(fuzz.stderr()).toMatch(
      /KNOWN failover-bound\/slow-failover: valkey-io\/valkey#102 \(fixed in 8\.1\.0\) x\d+/,
    );
    expect(fuzz.stderr()).toContain('fake heal finding');
    expect(fuzz.stderr()).not.toMatch(/^NEW /m);
    expect((await readdir(crashDir).catch(() => [])).filter(isCrashFileName)).toEqual([]);
    await writeFile(knownFile, '- fingerprint: views-agree/seed-0\n  upstream: valkey-io/valkey#1\n');
    const bad = fakeCli(['fuzz', '--runs', '1', '--crash-dir', crashDir, '--known', knownFile]);
    expect((await bad.exit).code).toBe(2);
    expect(bad.stderr()).toMatch(/known\.yaml:1: \[0\]\.reason: expected a non-empty reason/);
  });

  it('--no-known reports every finding as new; --known with --no-known is bad usage', async () => {
    const crashDir = join(dir, 'no-known');
    const knownFile = join(dir, 'known2.yaml');
    await writeFile(knownFile, '- fingerprint: views-agree/seed-0\n  reason: r\n  upstream: valkey-io/valkey#1\n');
    const fuzz = fakeCli(['fuzz', '--runs', '30', '--crash-dir', crashDir, '--no-known'], { FAKE_BY_SEED: '1' });
    expect((await fuzz.exit).code, fuzz.stderr()).toBe(1);
    expect(fuzz.stderr()).toMatch(/no known-issues list/);
    expect(fuzz.stderr()).not.toMatch(/^KNOWN /m);
    const both = fakeCli(['fuzz', '--runs', '1', '--crash-dir', crashDir, '--known', knownFile, '--no-known']);
    expect((await both.exit).code).toBe(2);
    expect(both.stderr()).toMatch(/--known and --no-known: pick one/);
  });

  it('Ctrl-C during --forever prints a summary, leaves only complete crash files and exits 1 when something new was found', async () => {
    const crashDir = join(dir, 'sigint');
    const fuzz = fakeCli(['fuzz', '--forever', '--workers', '2', '--crash-dir', crashDir], {
      FAKE_BY_SEED: '1000',
      FAKE_BUSY_MS: '20',
    });
    await fuzz.waitFor(/^NEW /m, 3);
    fuzz.child.kill('SIGINT');
    const { code } = await fuzz.exit;
    expect(code, fuzz.stderr()).toBe(1);
    expect(fuzz.stderr()).toMatch(/SIGINT: stopping cleanly/);
    expect(fuzz.stderr()).toMatch(/fuzz stopped \(interrupted\) after \d+:\d\d: \d+ runs from seed 1/);
    expect(fuzz.stderr()).toMatch(/to continue where this run stopped: --seed \d+/);
    const files = await expectOnlyCompleteCrashFiles(crashDir);
    expect(files.length).toBe(fuzz.stderr().match(/^NEW /gm)!.length);
  });

  it('Ctrl-C (or SIGTERM) with nothing new found exits 0', async () => {
    const crashDir = join(dir, 'env-form');
    const fuzz = fakeCli(['fuzz', '--forever', '--workers', '1', '--crash-dir', crashDir], {
      FAKE_BY_SEED: '5',
      FAKE_BUSY_MS: '5',
    });
    await fuzz.waitFor(/fingerprints already there/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    fuzz.child.kill('SIGTERM');
    expect((await fuzz.exit).code, fuzz.stderr()).toBe(0);
    expect(fuzz.stderr()).toMatch(/SIGTERM: stopping cleanly/);
    expect(fuzz.stderr()).not.toMatch(/^NEW /m);
    expect(fuzz.stderr()).toMatch(/RECORDED/);
  });

  it('SIGKILL in the middle of a stream of crash-file writes never leaves a partial crash file', async () => {
    const crashDir = join(dir, 'sigkill');
    for (const findings of [2, 9, 23, 41]) {
      // Every seed with a heal step is a new fingerprint: the parent writes crash files non-stop.
      const fuzz = fakeCli(
        ['fuzz', '--forever', '--workers', '2', '--crash-dir', crashDir, '--seed', String(findings * 1000)],
        { FAKE_BY_SEED: '1000000000' },
      );
      await fuzz.waitFor(/^NEW /m, findings);
      fuzz.child.kill('SIGKILL');
      expect((await fuzz.exit).signal).toBe('SIGKILL');
      await expectOnlyCompleteCrashFiles(crashDir, true);
    }
    // A temp file left by a killed writer is cleared by the next run on the folder.
    await writeFile(join(crashDir, '.crash-0123456789ab-1.json.4194999.0.tmp'), '{"format": "busf');
    const next = fakeCli(['fuzz', '--runs', '1', '--crash-dir', crashDir, '--seed', '1'], {});
    await next.exit;
    expect((await readdir(crashDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await expectOnlyCompleteCrashFiles(crashDir);
  });

  it('a corrupt, truncated, foreign, empty or missing crash file gives exit 2 with the reason, for reproduce and shrink', async () => {
    const [good] = await expectOnlyCompleteCrashFiles(join(dir, 'env-form'));
    const text = await readFile(good!, 'utf8');
    const cases: Array<[string, string, RegExp]> = [
      ['truncated.json', text.slice(0, text.length / 3), /truncated\.json:\d+: \(json\): truncated or not JSON/],
      [
        'corrupt.json',
        text.replace(/"max_steps": \d+/, '"max_steps": "lots"'),
        /corrupt\.json:\d+: max_steps: expected an integer >= 1, found "lots"/,
      ],
      [
        'foreign.json',
        '{"name": "left-pad", "version": "1.3.0"}\n',
        /foreign\.json:?\d*: format: not a busfuzz crash file \(no format field/,
      ],
      ['empty.json', '', /empty\.json: \(file\): the file is empty/],
    ];
    for (const [name, content, reason] of cases) {
      const path = join(dir, name);
      await writeFile(path, content);
      for (const command of ['reproduce', 'shrink']) {
        const run = fakeCli([command, path]);
        expect((await run.exit).code, `${command} ${name}: ${run.stderr()}`).toBe(2);
        expect(run.stderr()).toMatch(reason);
        expect(run.stderr()).not.toMatch(/\n\s+at /);
      }
    }
    const missing = fakeCli(['reproduce', join(dir, 'missing.json')]);
    expect((await missing.exit).code).toBe(2);
    expect(missing.stderr()).toMatch(/missing\.json: \(file\): no such file/);
  });

  it('a crash that no longer replays the same gives exit 0 and says what differed', async () => {
    const [good] = await expectOnlyCompleteCrashFiles(join(dir, 'env-form'));
    const doc = JSON.parse(await readFile(good!, 'utf8'));
    doc.violation.step += 1;
    const path = join(dir, 'moved.json');
    await writeFile(path, JSON.stringify(doc));
    const replay = fakeCli(['reproduce', path], { FAKE_BY_SEED: '5' });
    expect((await replay.exit).code, replay.stderr()).toBe(0);
    expect(replay.stderr()).toContain('NOT REPRODUCED (needs the same invariant, step and trace hash):');
    expect(replay.stderr()).toContain(`step: expected ${doc.violation.step}, got ${doc.violation.step - 1}`);
  });

  it('shrink writes a smaller crash file that still reproduces', async () => {
    const files = await expectOnlyCompleteCrashFiles(join(dir, 'env-form'));
    const source = files.find((file) => !file.endsWith('.min.json'))!;
    const output = join(dir, 'shrunk.json');
    const shrink = fakeCli(['shrink', source, '-o', output], { FAKE_BY_SEED: '5' });
    expect((await shrink.exit).code, shrink.stderr()).toBe(0);
    expect(shrink.stderr()).toMatch(/shrunk in \d+ runs .*fingerprint kept/);
    expect(shrink.stderr()).toContain(`wrote ${output}`);
    const [before, after] = [await readCrashFile(source), await readCrashFile(output)];
    expect(after.violation.fingerprint).toBe(before.violation.fingerprint);
    expect(after.scenario.timeline.length).toBeLessThanOrEqual(before.scenario.timeline.length);
    expect(after.maxSteps).toBe(after.violation.step);
    const replay = fakeCli(['reproduce', output], { FAKE_BY_SEED: '5' });
    expect((await replay.exit).code, replay.stderr()).toBe(1);
  });
});
