/**
 * A failed assertion of the model (core/assert.ts, sim/valkey/beliefs.ts) is a busfuzz bug: the
 * run and fuzz commands exit 4 and name the seed; no crash file is written, no invariant named.
 * The model is broken on purpose by test/cli/broken-model.ts.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { start } from './fake-cli-process.ts';

const crashDir = mkdtempSync(join(tmpdir(), 'busfuzz-model-assertion-'));
afterAll(() => rmSync(crashDir, { recursive: true, force: true }));

const brokenCli = (args: string[]) =>
  start(['--import', 'tsx', 'test/cli/broken-model-cli.ts', ...args, '--crash-dir', crashDir], {});

describe('a failed model assertion', () => {
  it('run: exit 4, the scenario and its seed named, the assertion quoted, no crash file', async () => {
    const cli = brokenCli(['run', 'scenarios/action-heal.yaml']);
    const { code } = await cli.exit;
    expect(code).toBe(4);
    expect(cli.stderr()).toContain('internal error (a bug in busfuzz');
    expect(cli.stderr()).toContain('in the run of action-heal at seed 16');
    expect(cli.stderr()).toMatch(/AssertionFailure: assertion failed: currentEpoch >= (my|every known) configEpoch/);
    expect(cli.stderr()).not.toMatch(/violation|VIOLATION|invariant/);
    expect(readdirSync(crashDir)).toEqual([]);
  });

  it('fuzz: exit 4, the first seed that broke named', async () => {
    const cli = brokenCli(['fuzz', '--runs', '2', '--seed', '7', '--workers', '1', '--no-known']);
    const { code } = await cli.exit;
    expect(code).toBe(4);
    expect(cli.stderr()).toMatch(/ERROR \(a bug in busfuzz\) at seed 7: assertion failed: currentEpoch >= /);
    expect(cli.stderr()).toContain('no violations found');
    expect(readdirSync(crashDir).filter((name) => name !== 'fuzzer_stats.json')).toEqual([]);
  });
});
