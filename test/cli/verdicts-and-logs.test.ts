/**
 * Honest verdicts and the log, through bin/busfuzz.js on the simulator: a run the step bound cut
 * short is inconclusive (exit 5, the JSON verdict, the human line; fuzz counts it apart), never a
 * pass; a pass says what happened; LOG_LEVEL tells the run's story on stderr and only there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busfuzz } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'busfuzz-verdicts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

describe('inconclusive runs', () => {
  it('run --max-steps 1 is inconclusive, exit 5, in the JSON verdict and the human line', () => {
    const run = busfuzz(['run', 'scenarios/kill-primary.yaml', '--max-steps', '1', '--json']);
    expect(run.code, run.stderr).toBe(5);
    expect(lastJson(run.stdout)).toMatchObject({
      verdict: 'inconclusive',
      steps: 1,
      violation: null,
      crash_file: null,
    });
    expect(run.stderr).toMatch(
      /kill-primary \(seed 42, sim\): INCONCLUSIVE: the step bound \(1 steps\) ended the run before the cluster formed/,
    );
    expect(run.stderr).not.toMatch(/\bpass\b/);
  });

  it('a bound reached after formation, before the convergence checks answered, is inconclusive too', () => {
    const run = busfuzz(['run', 'scenarios/kill-primary.yaml', '--max-steps', '3000', '--json']);
    expect(run.code, run.stderr).toBe(5);
    expect(lastJson(run.stdout).verdict).toBe('inconclusive');
    expect(run.stderr).toContain('before the convergence checks answered');
  });

  it('reproduce of a crash file cut short by --max-steps exits 5 and says inconclusive, not "passed"', () => {
    const replay = busfuzz(['reproduce', 'crashes/crash-08d4abf33d70-1.min.json', '--max-steps', '1', '--json']);
    expect(replay.code, replay.stderr).toBe(5);
    expect(lastJson(replay.stdout)).toMatchObject({ verdict: 'inconclusive', reproduced: false });
    expect(replay.stderr).toContain('the run was inconclusive');
  });

  it('fuzz counts inconclusive runs apart: in the summary and in --json', () => {
    const fuzz = busfuzz(
      ['fuzz', '--runs', '3', '--workers', '1', '--max-steps', '50', '--json', '--crash-dir', dir],
      {},
      60_000,
    );
    expect(fuzz.code, fuzz.stderr).toBe(0);
    expect(lastJson(fuzz.stdout)).toMatchObject({ runs: 3, inconclusive: 3 });
    expect(fuzz.stderr).toContain('INCONCLUSIVE 3 runs');
  });
});

describe('a pass says what happened', () => {
  it('formation, failovers with their times, writes acknowledged and lost', () => {
    const run = busfuzz(['run', 'scenarios/kill-primary.yaml']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/kill-primary \(seed 42, sim\): pass after [\d,]+ steps/);
    expect(run.stderr).toMatch(/formed in \d+\.\d\d s/);
    expect(run.stderr).toMatch(/failovers: 1: node-1 at \d+\.\d\d s \(\d+ ms after node-0 kill\)/);
    expect(run.stderr).toMatch(/writes: [1-9]\d* acknowledged, 0 lost/);
  });
});

describe('logging', () => {
  const logLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('{'));

  it('LOG_LEVEL=debug tells more than info, info more than warn; each line is pino JSON on stderr, stdout keeps its one JSON line', () => {
    const counts: Record<string, number> = {};
    for (const level of ['warn', 'info', 'debug']) {
      const run = busfuzz(['run', 'scenarios/kill-primary.yaml', '--json'], { LOG_LEVEL: level });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().split('\n')).toHaveLength(1);
      expect(lastJson(run.stdout).verdict).toBe('pass');
      const lines = logLines(run.stderr).map((line) => JSON.parse(line) as { msg: string; level: number });
      counts[level] = lines.length;
      if (level === 'info') {
        const story = lines.map((line) => line.msg).join('\n');
        expect(story).toMatch(/cluster formed: 6 nodes ready/);
        expect(story).toMatch(/kill node-0/);
        expect(story).toMatch(/election started: node-1 asks for epoch \d+/);
        expect(story).toMatch(/election won: node-1 is primary in epoch \d+/);
        expect(story).toMatch(/converged/);
        expect(lines.every((line) => line.level >= 30)).toBe(true);
      }
    }
    expect(counts.warn).toBe(0);
    expect(counts.info).toBeGreaterThan(counts.warn!);
    expect(counts.debug).toBeGreaterThan(counts.info!);
  });

  it('a finding is logged, a known one too (it exits 0 and says KNOWN)', () => {
    const run = busfuzz(
      ['run', 'scenarios/regressions/stale-primary-wins-epoch-collision.yaml', '--crash-dir', dir, '--no-known'],
      { LOG_LEVEL: 'info' },
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/"msg":"finding acked-writes-durable\//);
    const known = busfuzz(
      ['run', 'scenarios/regressions/stale-primary-wins-epoch-collision.yaml', '--crash-dir', dir],
      { LOG_LEVEL: 'info' },
    );
    expect(known.code, known.stderr).toBe(0);
    expect(known.stderr).toMatch(/"msg":"finding acked-writes-durable\//);
    expect(known.stderr).toMatch(/^KNOWN acked-writes-durable\/lost-after=demoted,read=other: valkey-io\/valkey#974$/m);
  });

  it('a bad LOG_LEVEL is exit 2 with one line', () => {
    const run = busfuzz(['run', 'scenarios/kill-primary.yaml'], { LOG_LEVEL: 'verbose' });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      "busfuzz: LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, found 'verbose'",
    );
  });
});
