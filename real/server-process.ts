/**
 * One valkey-server process of a run: spawn it from its folder's config, wait until it answers
 * PING, and inject the process faults by signal (SIGKILL, SIGTERM, SIGSTOP/SIGCONT). A restart
 * runs the same binary on the same folder, so the node comes back with its nodes.conf.
 * A server that will not start is an environment error with its exit status, the last lines of
 * its log and the log's path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { EnvironmentError } from '../core/backend.ts';
import type { ProcessState } from '../core/view.ts';
import { registerChild } from './process-registry.ts';

export interface ServerProcessSpec {
  /** For messages: the node name once a run took the node, a host label before. */
  name: string;
  binary: string;
  folder: string;
  host: string;
  clientPort: number;
  /** Extra environment (the clock shim's preload, real/node-clock.ts). */
  env?: Record<string, string>;
}

/** The server could not bind its ports (another process took them between probe and start). */
export class PortInUseError extends Error {}

const START_TIMEOUT_MS = 10_000;
/** Above Valkey's own shutdown-timeout (10 s), so SIGKILL only ends a shutdown that hangs. */
const STOP_TIMEOUT_MS = 15_000;

export class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private paused = false;
  /** Whether a live child keeps the event loop alive (a run owns it) or not (a warm spare). */
  private held = true;
  /** Exits we did not cause (the server crashed or quit by itself), not yet reported. */
  private unexpectedExits: string[] = [];
  private expectingExit = false;

  constructor(readonly spec: ServerProcessSpec) {}

  get logPath(): string {
    return join(this.spec.folder, 'server.log');
  }

  private get stderrPath(): string {
    return join(this.spec.folder, 'stderr.log');
  }

  /** Resolves when the current server process has exited (at once if none runs). */
  get whenExited(): Promise<void> {
    return this.exited;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** A server told to stop counts as down at once, though a SIGTERM shutdown may take a while. */
  get state(): ProcessState {
    if (this.child === null || this.expectingExit) return 'down';
    return this.paused ? 'paused' : 'running';
  }

  /** Spawns the server (after a shutdown still under way has finished); resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.child !== null && this.expectingExit) await this.exited;
    if (this.child !== null) throw new Error(`${this.spec.name}: start while already running (pid ${this.pid})`);
    // stderr goes to a file (what the server says before its log opens), not a pipe, so a
    // spare server holds no handle of ours.
    const stderrFd = openSync(this.stderrPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.binary, [join(this.spec.folder, 'server.conf')], {
        cwd: this.spec.folder,
        stdio: ['ignore', 'ignore', stderrFd],
        ...(this.spec.env === undefined ? {} : { env: { ...process.env, ...this.spec.env } }),
      });
    } finally {
      closeSync(stderrFd);
    }
    this.child = child;
    this.paused = false;
    this.expectingExit = false;
    registerChild(child);
    if (!this.held) child.unref();
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = null;
        if (!this.expectingExit) this.unexpectedExits.push(`exit ${code ?? signal}`);
        resolveExit();
      });
    });
    child.once('error', () => {
      // 'exit' may not follow a spawn error; the readiness wait reports it.
      if (this.child === child) this.child = null;
    });
    await this.waitForPing(child);
  }

  /** Exits we did not cause since the last call ("exit 1", "exit SIGSEGV"), for the trace. */
  takeUnexpectedExits(): string[] {
    const exits = this.unexpectedExits;
    this.unexpectedExits = [];
    return exits;
  }

  /** Whether the running server keeps Node's event loop alive (a spare in the pool does not). */
  setHeld(held: boolean): void {
    this.held = held;
    if (held) this.child?.ref();
    else this.child?.unref();
  }

  /** SIGKILL: no shutdown, no save. */
  async kill(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  /**
   * SIGTERM: a clean shutdown that saves nodes.conf (SIGKILL if it takes too long). Resolves once
   * the signal is sent: a primary may wait up to shutdown-timeout (10 s) for its replicas, and the
   * plan goes on meanwhile; `start()` waits for the exit.
   */
  async terminate(): Promise<void> {
    void this.stopWith('SIGTERM');
  }

  pause(): void {
    this.signal('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    this.signal('SIGCONT');
    this.paused = false;
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === null) throw new Error(`${this.spec.name}: ${signal} to a stopped server`);
    process.kill(pid, signal);
  }

  private async stopWith(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === null || child.pid === undefined) return;
    this.expectingExit = true;
    try {
      process.kill(child.pid, signal);
      // A stopped process acts on SIGTERM only once it runs again.
      if (this.paused) process.kill(child.pid, 'SIGCONT');
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
    this.paused = false;
  }

  /** The last lines of the server's log, for error messages and crash reports. */
  logTail(lines = 15): string {
    return readTextFile(this.logPath).trimEnd().split('\n').slice(-lines).join('\n');
  }

  private async waitForPing(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child !== child) throw this.startFailure(child);
      if (await pingOnce(this.spec.host, this.spec.clientPort)) return;
      await delay(10);
    }
    await this.kill();
    throw this.startFailure(child, `did not answer PING within ${START_TIMEOUT_MS} ms`);
  }

  private startFailure(child: ChildProcess, reason?: string): Error {
    const tail = this.logTail();
    const stderrText = readTextFile(this.stderrPath).slice(-4096);
    const text = `${tail}\n${stderrText}`;
    if (/Address already in use|Could not create server TCP listening socket/.test(text)) {
      return new PortInUseError(`${this.spec.name}: port taken`);
    }
    const status = reason ?? `exited (${child.exitCode ?? child.signalCode ?? 'spawn failed'})`;
    const details = [stderrText.trim(), tail].filter((part) => part !== '').join('\n');
    return new EnvironmentError(
      `${this.spec.name} (${this.spec.binary}) would not start: ${status}; log ${this.logPath}${details ? `:\n${details}` : ''}`,
      'check the server log above; a scenario server_config line the server rejects shows there',
    );
  }
}

function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** One PING on a fresh connection: true on +PONG. */
function pingOnce(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect({ host, port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}
