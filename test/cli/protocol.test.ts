/**
 * Issue 19: --protocol on the command line. `reproduce --protocol valkey-8.1` answers "does 8.1
 * still do it?" (the same invariant counts, as step and trace differ by design); the simulator
 * refuses redis-7.0 (exit 2) instead of running 8.0.1's rules under its name; a bad value is exit 2.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { busfuzz } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'busfuzz-protocol-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--protocol', () => {
  it('reproduce --protocol valkey-8.1: a finding 8.1 keeps reproduces, one it avoids does not', () => {
    // #974's collision rule is unchanged in 8.1: the finding still happens.
    const kept = busfuzz(['reproduce', 'crashes/crash-ab5fa994bf79-808.min.json', '--protocol', 'valkey-8.1']);
    expect(kept.code).toBe(1);
    expect(kept.stderr).toMatch(/under valkey-8\.1: the finding still happens/);
    // A manual failover stuck behind an election's retry window: 8.1.0 fixed it (valkey-io/valkey#1274).
    const found = busfuzz([
      'run',
      'scenarios/regressions/manual-failover-retry-window.yaml',
      '--no-known',
      '--crash-dir',
      dir,
    ]);
    expect(found.code).toBe(1);
    const crash = join(dir, readdirSync(dir).find((name) => name.startsWith('crash-'))!);
    const gone = busfuzz(['reproduce', crash, '--protocol', 'valkey-8.1']);
    expect(gone.code).toBe(0);
    expect(gone.stderr).toMatch(/NOT REPRODUCED/);
    expect(gone.stderr).toMatch(/under valkey-8\.1: the finding does not happen/);
    // The default protocol still replays exactly.
    const same = busfuzz(['reproduce', crash]);
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/same invariant, step and trace hash/);
  });

  it('the simulator refuses redis-7.0, and an unknown protocol, with exit 2', () => {
    const redis = busfuzz(['run', 'scenarios/kill-primary.yaml', '--protocol', 'redis-7.0']);
    expect(redis.code).toBe(2);
    expect(redis.stderr).toMatch(/does not model redis-7\.0/);
    const bad = busfuzz(['run', 'scenarios/kill-primary.yaml', '--protocol', 'valkey-9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--protocol: expected valkey-8\.0, valkey-8\.1, redis-7\.0, found 'valkey-9'/);
    expect(busfuzz(['export', '--seed', '1', '--protocol', 'valkey-8.1']).code).toBe(2);
    const fuzz = busfuzz(['fuzz', '--runs', '2', '--protocol', 'redis-7.0', '--crash-dir', '/tmp/busfuzz-never-made']);
    expect(fuzz.code).toBe(2);
    expect(fuzz.stderr).toMatch(/does not model redis-7\.0/);
  });
});
