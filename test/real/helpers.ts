/**
 * Shared by the real-process tests: run a scenario written as YAML on a backend and keep every
 * trace line, find events in them, and check by pid that no server process is left.
 */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunOptions, RunResult } from '../../core/backend.ts';
import { loadScenarioText } from '../../core/dsl/index.ts';
import type { RealBackend } from '../../real/index.ts';

export interface TracedRun {
  result: RunResult;
  lines: string[];
}

/** Where a test run with a violation keeps its node folders (never the repository's crashes/). */
export const TEST_ARTIFACTS_DIR = join(tmpdir(), 'busfuzz-test-artifacts');

export async function runYaml(
  backend: RealBackend,
  yaml: string,
  options: Partial<RunOptions> = {},
): Promise<TracedRun> {
  const lines: string[] = [];
  const scenario = loadScenarioText(yaml, 'test scenario');
  const result = await backend.run(scenario, {
    maxSteps: 1_000_000,
    artifactsDir: TEST_ARTIFACTS_DIR,
    ...options,
    onTraceLine: (line) => {
      lines.push(line);
      options.onTraceLine?.(line);
    },
  });
  return { result, lines };
}

/** Trace lines of one event kind whose fields include every `key=value` given. */
export function eventLines(
  lines: readonly string[],
  kind: string,
  fields: Record<string, string | number | boolean> = {},
): string[] {
  return lines.filter((line) => {
    const words = line.split(' ');
    if (words[1] !== kind) return false;
    return Object.entries(fields).every(([key, value]) => words.includes(`${key}=${String(value)}`));
  });
}

/** A scenario's cluster block for small, fast test clusters. */
export function cluster(numShards = 3, replicasPerShard = 1, extra = ''): string {
  return `cluster:\n  num_shards: ${numShards}\n  replicas_per_shard: ${replicasPerShard}\n  node_timeout: 1000ms\n  ping_interval: 100ms\n${extra}`;
}

/** Whether a process with this pid still exists (a zombie counts as gone: it no longer runs). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const status = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return status !== '' && !status.startsWith('Z');
  } catch {
    return false;
  }
}

/** Server processes that are children of `parentPid` now. */
export function serverChildren(parentPid: number): number[] {
  let output = '';
  try {
    output = execFileSync('pgrep', ['-P', String(parentPid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return output
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        const command = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim();
        return /-server$/.test(command) || /valkey|redis/.test(command);
      } catch {
        return false;
      }
    });
}
