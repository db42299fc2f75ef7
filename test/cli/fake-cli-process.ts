/**
 * Spawning a busfuzz command line as a child process and watching its stderr, for the CLI tests:
 * `fakeCli` runs test/cli/fake-cli.ts (fake backend), `realCli` runs bin/busfuzz.js.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr matches `pattern` `count` times (rejects if the process ends first). */
  waitFor(pattern: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  /** The exit code (or 128 + signal number for a signal death, as a shell shows it). */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function start(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal });
    });
  });
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  const waitFor = (pattern: RegExp, count = 1, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      const timer = setTimeout(
        () => done(new Error(`timed out waiting for ${pattern} x${count}; stderr:\n${err}`)),
        timeoutMs,
      );
      const check = () => {
        if ((err.match(global)?.length ?? 0) >= count) done(null);
        else if (exited || child.exitCode !== null)
          done(new Error(`process ended before ${pattern} x${count}; stderr:\n${err}`));
      };
      function done(error: Error | null) {
        clearTimeout(timer);
        listeners.delete(check);
        if (error === null) resolve();
        else reject(error);
      }
      listeners.add(check);
      check();
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, exit };
}

/** The CLI with the fake backend (no simulator needed). */
export function fakeCli(args: string[], env: Record<string, string> = {}): CliProcess {
  return start(['--import', 'tsx', 'test/cli/fake-cli.ts', ...args], env);
}

/** The real `busfuzz` command (bin/busfuzz.js). */
export function realCli(args: string[], env: Record<string, string> = {}): CliProcess {
  return start(['bin/busfuzz.js', ...args], env);
}
