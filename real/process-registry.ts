/**
 * Every server process the real backend started, so none is left behind, whatever ends the run:
 * - normal teardown stops them by pid (the cluster does that);
 * - `process.exit` (a second Ctrl-C in the CLI, an uncaught exception) runs the 'exit' hook,
 *   which SIGKILLs them synchronously;
 * - SIGINT/SIGTERM with nobody else listening (a library caller without the CLI's handlers):
 *   SIGKILL them, then let the signal end the process as it would have;
 * - our own process killed outright (SIGKILL, OOM) or a worker thread terminated: a small
 *   detached reaper shell, told each pid as it starts and stops, sees its stdin close and kills
 *   what is still registered.
 * The farms' temporary folders go the same ways (removeFolderAtEnd). Only pids we spawned are
 * ever signalled, and the reaper double-checks the command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';

const live = new Set<number>();
/** Per live pid, its 'exit' (Node emits it after waitpid: the child is reaped, no zombie). */
const exits = new Map<number, Promise<void>>();
/**
 * Test hook: a file that gets each spawned server's pid, one a line, so a test can check from
 * outside that none is left after busfuzz exits (not even as a zombie).
 */
const PID_FILE_ENV = 'BUSFUZZ_PID_FILE';
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
  const pidFile = process.env[PID_FILE_ENV];
  if (pidFile) appendFileSync(pidFile, `${pid}\n`);
  exits.set(
    pid,
    new Promise((resolveExit) => {
      child.once('exit', () => {
        live.delete(pid);
        exits.delete(pid);
        tellReaper(`-${pid}`);
        resolveExit();
      });
    }),
  );
}

/**
 * Resolves once every registered server has exited and been reaped. A server killed by the 'exit'
 * hook (or left to the reaper) is never waited for: it stays a zombie until init collects it,
 * seconds to a minute later. So a caller that ends the process stops its servers and awaits this.
 */
export async function allChildrenExited(): Promise<void> {
  while (exits.size > 0) await Promise.all([...exits.values()]);
}

/**
 * Removes `folder` (a farm's temporary folder) if the process or thread ends before a normal
 * teardown: at exit, on a signal we handle, and by the reaper when we end outright (a killed
 * process, a terminated worker thread). Returns the function that cancels it.
 */
export function removeFolderAtEnd(folder: string): () => void {
  installHooks();
  const remove = () => rmSync(folder, { recursive: true, force: true });
  endCallbacks.add(remove);
  tellReaper(`d${folder}`);
  return () => {
    endCallbacks.delete(remove);
    tellReaper(`k${folder}`);
  };
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
 * The reaper reads `+pid` / `-pid` lines (a server started / stopped) and `d<folder>` /
 * `k<folder>` lines (remove at the end / keep: removed already); at end of input (our process or
 * thread is gone) it kills every pid still listed whose command line is a server's, then removes
 * the listed folders (only busfuzz-real-* ones). Detached, so a terminal Ctrl-C does not hit it.
 */
const REAPER_SCRIPT = `
pids=" "
dirs=""
while IFS= read -r line; do
  case "$line" in
    +*) pids="$pids\${line#+} " ;;
    -*) pids=$(printf '%s' "$pids" | sed "s/ \${line#-} / /") ;;
    d*) dirs="$dirs\${line#d}
" ;;
    k*) dirs=$(printf '%s' "$dirs" | grep -vxF "\${line#k}")
        [ -n "$dirs" ] && dirs="$dirs
" ;;
  esac
done
for p in $pids; do
  case "$(tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null)" in
    *-server*) kill -9 "$p" 2>/dev/null ;;
  esac
done
printf '%s' "$dirs" | while IFS= read -r d; do
  case "$d" in
    */busfuzz-real-*) rm -rf -- "$d" ;;
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
