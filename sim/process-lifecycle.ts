/**
 * The life of a simulated process under the signals a scenario sends it (start, SIGKILL, SIGTERM,
 * SIGSTOP, SIGCONT) and its own timers: boot (load nodes.conf or start fresh), the cron tick, what
 * a resumed process runs first. The world owns the processes and dispatches their events here.
 */
import type { Rng } from '../core/rng.ts';
import { nodeDownEvent } from './node-state-observer.ts';
import {
  PROCESS_DOWN,
  PROCESS_PAUSED,
  PROCESS_RUNNING,
  PROCESS_STARTING,
  type SimProcess,
  STARTUP_DELAY_MS,
  STARTUP_JITTER_MS,
} from './process.ts';
import { RESUMED_IDLE, RESUMED_MID_PASS, SHUTDOWN_SIGTERM, T_CRON, T_PROCESS, T_SHUTDOWN } from './trace.ts';
import * as valkey from './valkey/index.ts';
import { CRON_PERIOD_MS } from './valkey/index.ts';
import type { World } from './world.ts';
import { EV_CRON, EV_START } from './world-events.ts';
import { LOOP_READ_COST_MS, STOP_MID_PASS_PROBABILITY } from './world-timings.ts';

export class ProcessLifecycle {
  constructor(
    private readonly world: World,
    /** Where each SIGSTOP lands (a stream of its own: other draws stay put). */
    private readonly stopRng: Rng,
  ) {}

  /**
   * Starts a process that is down; it answers after its start-up delay. One still shutting down
   * after a SIGTERM starts once it has exited (the real backend's restart waits for the exit too).
   */
  start(index: number): void {
    const process = this.world.processes[index]!;
    if (process.terminating) {
      process.restartAfterExit = true;
      return;
    }
    if (process.state !== PROCESS_DOWN) return;
    process.state = PROCESS_STARTING;
    const delayMs = STARTUP_DELAY_MS + process.rng.int(STARTUP_JITTER_MS + 1);
    process.startHandle = this.world.scheduler.schedule(this.world.nowMs + delayMs, EV_START, index, null);
    this.world.trace.record(this.world.clockMs, T_PROCESS, index, PROCESS_STARTING, 0);
  }

  /** SIGKILL: unsaved state is lost; connections close. */
  crash(index: number): void {
    this.down(index, 'kill');
  }

  /**
   * SIGTERM: Valkey notes it and shuts down cleanly in its next cron, after waiting for lagging
   * replicas (sim/valkey/shutdown.ts); it saves nodes.conf on the way out (8.0+). A stopped process
   * gets SIGCONT with it, as the real backend sends (a stopped process acts on SIGTERM only once it
   * runs again). One still starting ends at once.
   */
  terminate(index: number): void {
    const process = this.world.processes[index]!;
    if (process.terminating) return;
    if (process.server === null || (process.state !== PROCESS_RUNNING && process.state !== PROCESS_PAUSED)) {
      this.down(index, 'terminate');
      return;
    }
    process.terminating = true;
    valkey.onSigterm(process.server);
    this.world.trace.record(this.world.clockMs, T_SHUTDOWN, index, SHUTDOWN_SIGTERM, 0);
    if (process.state === PROCESS_PAUSED) this.resume(index, false);
  }

  /** SIGSTOP. `observed` false: a slow node's duty cycle (sim/slow.ts), no node-down event. */
  pause(index: number, observed = true): void {
    const process = this.world.processes[index]!;
    if (process.state !== PROCESS_RUNNING) return;
    if (observed) this.world.emit(nodeDownEvent(this.world.processes, index, 'pause', this.world.clockMs));
    process.state = PROCESS_PAUSED;
    this.world.trace.record(this.world.clockMs, T_PROCESS, index, PROCESS_PAUSED, 0);
  }

  /**
   * SIGCONT. Stopped in epoll_wait, the process reads its registered sockets (socket by socket),
   * then runs an overdue cron tick, then reads the connections its kernel accepted meanwhile.
   * Stopped in a loop pass, it finishes that pass's timers first (the cron's PINGs go out), then
   * reads its registered sockets, and reads the accepted connections a pass later: replies to
   * those PINGs that arrive while that pass runs are read before them (resumeDrained).
   */
  resume(index: number, observed = true): void {
    const process = this.world.processes[index]!;
    if (process.state !== PROCESS_PAUSED) return;
    process.state = PROCESS_RUNNING;
    process.resumes++;
    process.stoppedMidPass = this.stopRng.float() < STOP_MID_PASS_PROBABILITY;
    this.world.trace.record(
      this.world.clockMs,
      T_PROCESS,
      index,
      PROCESS_RUNNING,
      process.stoppedMidPass ? RESUMED_MID_PASS : RESUMED_IDLE,
    );
    if (observed) this.world.emit({ kind: 'node-up', atMs: this.world.clockMs, node: process.name });
    if (process.stoppedMidPass) this.runDueCron(process);
    this.world.network.processResumed(index);
  }

  /**
   * The resumed process read its registered sockets: timers run now (file events before timers),
   * and the connections it accepted in this pass are read in the next one, at once after the
   * cron when it had stopped idle, after the pass's reads and accepts when it stopped mid-pass.
   */
  resumeDrained(index: number, messagesRead: number, acceptedWaiting: number): void {
    const process = this.world.processes[index]!;
    if (process.state !== PROCESS_RUNNING) return;
    this.runDueCron(process);
    if (acceptedWaiting === 0) return;
    if (!process.stoppedMidPass) {
      this.world.network.readAccepted(index);
      return;
    }
    const resumes = process.resumes;
    this.world.after((messagesRead + acceptedWaiting) * LOOP_READ_COST_MS, () => {
      if (process.state === PROCESS_RUNNING && process.resumes === resumes) this.world.network.readAccepted(index);
    });
  }

  /** A cron tick that fell due while the process was stopped runs now (after events already due). */
  runDueCron(process: SimProcess): void {
    if (!process.cronDue) return;
    process.cronDue = false;
    process.cronHandle = this.world.scheduler.schedule(this.world.nowMs, EV_CRON, process.index, null);
  }

  cron(index: number): void {
    const process = this.world.processes[index]!;
    process.cronHandle = -1;
    if (process.state === PROCESS_PAUSED) {
      process.cronDue = true;
      return;
    }
    if (process.state !== PROCESS_RUNNING) return;
    this.world.trace.record(this.world.clockMs, T_CRON, index, 0, 0);
    const mark = this.world.network.beginTurn();
    const shutdown = valkey.cronTick(process.server!);
    this.world.endTurn(index, mark);
    if (shutdown !== valkey.SHUTDOWN_NONE) this.world.trace.record(this.world.clockMs, T_SHUTDOWN, index, shutdown, 0);
    if (shutdown === valkey.SHUTDOWN_EXIT_READY || shutdown === valkey.SHUTDOWN_EXIT_TIMEOUT) {
      this.exitAfterShutdown(index);
      return;
    }
    process.cronHandle = this.world.scheduler.schedule(this.world.nowMs + CRON_PERIOD_MS, EV_CRON, index, null);
  }

  /** exit(0) at the end of a SIGTERM shutdown; a restart that came meanwhile starts it now. */
  private exitAfterShutdown(index: number): void {
    const restart = this.world.processes[index]!.restartAfterExit;
    this.down(index, 'terminate');
    if (restart) this.start(index);
  }

  /** The process answers: load nodes.conf (or start fresh) and begin its cron at a random phase. */
  boot(index: number): void {
    const process = this.world.processes[index]!;
    process.startHandle = -1;
    if (process.state !== PROCESS_STARTING) return;
    process.state = PROCESS_RUNNING;
    process.incarnation++;
    const givenId = process.firstId;
    process.firstId = null;
    process.server =
      process.persisted === null
        ? valkey.freshServer(this.world, index, process.rng, givenId)
        : valkey.loadServer(this.world, index, process.rng, process.persisted);
    this.world.trace.record(this.world.clockMs, T_PROCESS, index, PROCESS_RUNNING, process.incarnation);
    const phaseMs = process.rng.int(CRON_PERIOD_MS);
    process.cronHandle = this.world.scheduler.schedule(this.world.nowMs + phaseMs, EV_CRON, index, null);
    this.world.observeNodeState(index);
    if (process.incarnation > 1) this.world.emit({ kind: 'node-up', atMs: this.world.clockMs, node: process.name });
  }

  down(index: number, cause: 'kill' | 'terminate'): void {
    const process = this.world.processes[index]!;
    if (process.state === PROCESS_DOWN) return;
    if (process.state === PROCESS_RUNNING || process.state === PROCESS_PAUSED) {
      this.world.emit(nodeDownEvent(this.world.processes, index, cause, this.world.clockMs));
      const server = process.server!;
      if (server.replication.offset > 0)
        this.world.emit({ kind: 'data-lost', atMs: this.world.clockMs, node: process.name, cause });
    }
    this.world.scheduler.cancel(process.cronHandle);
    this.world.scheduler.cancel(process.startHandle);
    process.cronHandle = -1;
    process.startHandle = -1;
    process.cronDue = false;
    process.terminating = false;
    process.restartAfterExit = false;
    process.state = PROCESS_DOWN;
    if (process.server !== null) valkey.retireServer(process.server);
    process.server = null;
    this.world.network.processDown(index);
    this.world.trace.record(this.world.clockMs, T_PROCESS, index, PROCESS_DOWN, 0);
  }
}
