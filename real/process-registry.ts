/**
 * Every server process the real backend started, so none is left behind, whatever ends the run:
 * - normal teardown stops them by pid (the cluster does that);
 * - `process.exit` (a second Ctrl-C in the CLI, an uncaught exception) runs the 'exit' hook,
 *   which SIGKILLs them synchronously;
 * - SIGINT/SIGTERM with nobody else listening (a library caller without the CLI's handlers):
 *   SIGKILL them, then let the signal end the process as it would have;
 * - our own process killed outright (SIGKILL, OOM): a small detached reaper shell, told each pid
 *   as it starts and stops, sees its stdin close and kills what is still registered.
 * The first two paths also run the synchronous cleanups registered with onProcessEnd (the
 * farms' temporary folders). Only pids we spawned are ever signalled, and the reaper
 * double-checks the command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

const live = new Set<number>();
/** Synchronous cleanups (temporary folders) for when the process ends before a normal teardown. */
const endCallbacks = new Set<() => void>();
let hooksInstalled = false;
let reaperStdin: Writable | null = null;

/** Records a spawned server; it is forgotten again when it exits. */
export function registerChild(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  installHooks();
  live.add(pid);
  tellReaper(`+${pid}`);
  child.once('exit', () => {
    live.delete(pid);
    tellReaper(`-${pid}`);
  });
}

/**
 * Runs `callback` (synchronous) if the process ends by exit or by a signal we handle; returns the
 * function that cancels it (after a normal teardown).
 */
export function onProcessEnd(callback: () => void): () => void {
  installHooks();
  endCallbacks.add(callback);
  return () => endCallbacks.delete(callback);
}

/** Pids of servers still running (tests check that none is left). */
export function liveChildPids(): number[] {
  return [...live];
}

/** SIGKILL every registered server now (synchronous: safe inside an 'exit' handler). */
export function killAllChildrenSync(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

function endNow(): void {
  killAllChildrenSync();
  for (const callback of [...endCallbacks]) {
    try {
      callback();
    } catch {
      // Best effort: the process is ending.
    }
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', endNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      // Someone else (the CLI) handles it: it aborts the run, which tears the cluster down.
      if (process.listenerCount(signal) > 1) return;
      endNow();
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
  startReaper();
}

/**
 * The reaper reads `+pid` / `-pid` lines; at end of input (our process is gone) it kills every
 * pid still listed whose command line is a server's. Detached, so a terminal Ctrl-C does not hit it.
 */
const REAPER_SCRIPT = `
pids=" "
while IFS= read -r line; do
  case "$line" in
    +*) pids="$pids\${line#+} " ;;
    -*) pids=$(printf '%s' "$pids" | sed "s/ \${line#-} / /") ;;
  esac
done
for p in $pids; do
  case "$(tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null)" in
    *-server*) kill -9 "$p" 2>/dev/null ;;
  esac
done
`;

function startReaper(): void {
  try {
    const reaper = spawn('sh', ['-c', REAPER_SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    reaper.unref();
    reaper.on('error', () => {
      reaperStdin = null;
    });
    const stdin = reaper.stdin!;
    stdin.on('error', () => {
      reaperStdin = null;
    });
    // The pipe must not keep the event loop alive.
    (stdin as unknown as { unref?: () => void }).unref?.();
    reaperStdin = stdin;
  } catch {
    // No sh: the in-process hooks still cover every ending but an outright kill of this process.
    reaperStdin = null;
  }
}

function tellReaper(line: string): void {
  reaperStdin?.write(`${line}\n`);
}
