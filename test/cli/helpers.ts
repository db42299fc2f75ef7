// Runs the installed entry point (`node bin/busfuzz.js ...`) the way a user does, capturing exit
// code, stdout and stderr.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function busfuzz(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): CliRun {
  const result = spawnSync(process.execPath, ['bin/busfuzz.js', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
