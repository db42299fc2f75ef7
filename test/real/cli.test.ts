/**
 * The real backend through the command line: `busfuzz run scenarios/kill-primary.yaml --backend
 * real` passes in under 12 s from start to teardown (node_timeout 1 s), records the server and
 * leaves no server behind; a crash file written by the simulator replays on live servers with
 * `reproduce --backend real`, and one whose violation is real reproduces there.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../core/backend.ts';
import { buildCrashFile, writeCrashFile } from '../../core/crash/index.ts';
import { loadScenarioFile, loadScenarioText } from '../../core/dsl/index.ts';
import { finding } from '../../core/violation.ts';
import type { Scenario } from '../../core/scenario/types.ts';
import { cluster, serverChildren } from './helpers.ts';

const execFileAsync = promisify(execFile);
const BUSFUZZ = new URL('../../bin/busfuzz.js', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'busfuzz-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function busfuzz(args: string[]): Promise<{ code: number; stdout: string; stderr: string; wallMs: number }> {
  const startedAtMs = Date.now();
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BUSFUZZ, ...args], {
      cwd: ROOT,
      env: { ...process.env, CRASH_DIR: scratch },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr, wallMs: Date.now() - startedAtMs };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr, wallMs: Date.now() - startedAtMs };
  }
}

/** A crash file as the simulator would write it (backend sim), for `scenario` and `invariant`. */
async function simCrashFile(
  scenario: Scenario,
  invariant: 'failover-bound' | 'slot-coverage' | 'membership-symmetric',
  shape: string,
): Promise<string> {
  const violation = { ...finding(invariant, shape, 'found by the simulator', ['node-0']), step: 1234, timeMs: 5000 };
  const result: RunResult = {
    scenarioId: scenario.scenarioId,
    backend: 'sim',
    seed: scenario.seed,
    verdict: 'violation',
    steps: 1234,
    simTimeMs: 5000,
    traceHash: '0'.repeat(64),
    violation,
    traceTail: [],
    server: null,
    messages: 0,
    stats: {},
  };
  return writeCrashFile(join(scratch, 'corpus'), buildCrashFile({ scenario, result, maxSteps: 1_000_000 }));
}

describe('busfuzz with --backend real', () => {
  it('run scenarios/kill-primary.yaml passes in under 12 s, start to teardown, with the server recorded', async () => {
    const { code, stdout, stderr, wallMs } = await busfuzz([
      'run',
      'scenarios/kill-primary.yaml',
      '--backend',
      'real',
      '--json',
    ]);
    expect(code, stderr).toBe(0);
    const json = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(json).toMatchObject({ scenario_id: 'kill-primary', backend: 'real', verdict: 'pass', violation: null });
    expect(json.server.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(json.stats.formation_ms).toBeLessThan(2500);
    expect(wallMs).toBeLessThan(12_000);
    expect(serverChildren(process.pid)).toEqual([]);
  });

  it('run --backend real --max-steps 1 is inconclusive (exit 5), not a pass', async () => {
    const { code, stdout, stderr } = await busfuzz([
      'run',
      'scenarios/kill-primary.yaml',
      '--backend',
      'real',
      '--max-steps',
      '1',
      '--json',
    ]);
    expect(code, stderr).toBe(5);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({
      backend: 'real',
      verdict: 'inconclusive',
      violation: null,
    });
    expect(stderr).toContain('INCONCLUSIVE');
  });

  it('reproduce --backend real runs a simulator crash file on live servers (not reproduced: the cluster is fine)', async () => {
    const crash = await simCrashFile(
      loadScenarioFile(join(ROOT, 'scenarios/kill-primary.yaml')),
      'failover-bound',
      'no-election,down-by=kill',
    );
    const { code, stderr } = await busfuzz(['reproduce', crash, '--backend', 'real']);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('on real');
    expect(stderr).toContain('NOT REPRODUCED');
    // A real run's trace hash hashes wall-clock timings: no "difference" is reported for it.
    expect(stderr).not.toMatch(/trace hash: expected/);
  });

  it('reproduce --backend real reproduces a violation live servers really have, keeping the node folders', async () => {
    const scenario = loadScenarioText(
      `scenario_id: forgotten-owner\nseed: 3\n${cluster(3, 0)}timeline:\n  - at: 200ms\n    action: forget\n    target: node-0\n    other: node-2\nvalidation:\n  convergence_timeout: 2s\n`,
    );
    // The forgotten node-2 still knows the others: one-sided membership (reported before the slots
    // the others now see unassigned, its cause).
    const crash = await simCrashFile(scenario, 'membership-symmetric', 'missing-peer,one-sided');
    const { code, stderr } = await busfuzz(['reproduce', crash, '--backend', 'real']);
    expect(code, stderr).toBe(1);
    expect(stderr).toContain('REPRODUCED: membership-symmetric');
    const kept = readdirSync(scratch).filter((name) => name.startsWith('crash-') && !name.endsWith('.json'));
    expect(kept).toHaveLength(1);
    expect(existsSync(join(scratch, kept[0]!, 'node-2', 'server.log'))).toBe(true);
  });
});
