/**
 * `busfuzz run --backend real` returns only once every server it started has exited and been
 * reaped: no pid it spawned is left, not even as a zombie (they used to linger for seconds, and a
 * minute after long runs). The pids come from the BUSFUZZ_PID_FILE hook of real/process-registry.ts.
 * The scenario also checks that `rest` inside a partition group ([node-1, rest]) works live.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'busfuzz-reaped-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SCENARIO = `scenario_id: rest-in-group
seed: 5
cluster:
  num_shards: 2
  replicas_per_shard: 1
  node_timeout: 1000ms
timeline:
  - at: 500ms
    action: partition
    groups: [[node-0], [node-1, rest]]
    duration: 3s
validation:
  convergence_timeout: 20s
`;

it('after run --backend real returns, no server pid it started exists, not even as a zombie', () => {
  const scenarioFile = join(scratch, 'rest-in-group.yaml');
  const pidFile = join(scratch, 'pids');
  writeFileSync(scenarioFile, SCENARIO);
  const run = spawnSync(
    process.execPath,
    ['bin/busfuzz.js', 'run', scenarioFile, '--backend', 'real', '--crash-dir', scratch],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, LOG_LEVEL: 'info', BUSFUZZ_PID_FILE: pidFile },
    },
  );
  expect(run.status, run.stderr).toBe(0);
  // rest inside the second group: node-1 and every node not in the first.
  expect(run.stderr).toContain('[node-0] | [node-1,node-2,node-3]');
  const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
  expect(pids.length).toBeGreaterThanOrEqual(4);
  const left = pids
    .filter((pid) => existsSync(`/proc/${pid}`))
    .map((pid) => `${pid}: ${readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]}`);
  expect(left).toEqual([]);
});
