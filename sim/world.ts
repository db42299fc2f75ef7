/**
 * The world (turmoil's split): owns all mutable state of one run: the clock and event queue, the
 * random streams, the network, the processes and their servers, the trace. `step()` takes one
 * event and dispatches it; `run(maxSteps)` loops. On top sits a turmoil-like fault API on process
 * indices (crash, bounce, pause, resume, partition, repair, hold, release, latency, drop, heal)
 * that tests and the runner use.
 *
 * After every event a server handled, its beforeSleep runs and a change of its role, primary,
 * epochs or slot count is reported as a `node-state` event. Not here: scenarios, targets, plans
 * (runner.ts) and what a Valkey server does (valkey/).
 */
import type { ObservedEvent } from '../core/events.ts';
import { Rng } from '../core/rng.ts';
import type { ClusterConfig } from '../core/scenario/types.ts';
import { Network, type Connection, type Direction, type NetworkHost } from './network.ts';
import type { Message } from './message.ts';
import {
  PROCESS_DOWN,
  PROCESS_PAUSED,
  PROCESS_RUNNING,
  PROCESS_STARTING,
  SimProcess,
  STARTUP_DELAY_MS,
  STARTUP_JITTER_MS,
} from './process.ts';
import { Scheduler } from './scheduler.ts';
import { RESUMED_IDLE, RESUMED_MID_PASS, T_CRON, T_NOOP, T_PROCESS, Trace, type TraceNames } from './trace.ts';
import * as valkey from './valkey/index.ts';
import { CRON_PERIOD_MS, Identities, SlotSetTable, type ValkeyServer } from './valkey/index.ts';

export const EV_CRON = 1;
export const EV_DELIVER = 2;
export const EV_START = 3;
export const EV_RUNNER = 4;
export const EV_WORKLOAD = 5;
export const EV_NOOP = 6;
/** A callback at a simulated time (`after`): the steps of a multi-step admin action. */
export const EV_TASK = 7;

/** Observed-event kinds as small codes for the trace hash. */
const EVENT_CODES: Record<ObservedEvent['kind'], number> = {
  'vote-granted': 1,
  'election-won': 2,
  'node-state': 3,
  'write-acked': 4,
  'data-lost': 5,
  fault: 6,
  'node-down': 7,
  'node-up': 8,
  healed: 9,
  'read-back': 10,
  'keys-migrated': 11,
};

export type Pairs = ReadonlyArray<readonly [number, number]>;

/**
 * A nodes.conf save with fsync (write, fsync, rename, fsync of the directory), measured on the
 * development machine's disk: 0.41 / 0.52 / 0.72 ms at p10 / p50 / p90. Valkey writes a turn's
 * messages after beforeSleep, so a vote or an election that fsyncs sends that much later.
 */
export const FSYNC_MS = 0.5;

/**
 * Where a SIGSTOP lands: in epoll_wait (the process idles) or in a pass of its event loop, whose
 * timers (the cron) then run first thing after SIGCONT, before anything is read. The odds follow
 * CPU load, which the model does not carry (an idle 9-node loopback cluster is busy ~0.6% of the
 * time, a loaded server most of it), so both are drawn evenly: Valkey's own sigstop test flakes
 * between the two read orders they lead to, and the fuzzer should see both.
 */
export const STOP_MID_PASS_PROBABILITY = 0.5;

/**
 * CPU time a loop pass spends per bus message it reads (its reply included), measured on a
 * 9-node loopback cluster of 8.0.1 (node_timeout 1000, ping interval 100): 0.14 s of CPU for
 * 3,069 messages received in 30 s, beyond a lone node's idle 0.05 s. An accept() with its link
 * and epoll registration is counted as one read (an upper bound: a few syscalls).
 */
export const LOOP_READ_COST_MS = 0.045;

type WriteAcked = Extract<ObservedEvent, { kind: 'write-acked' }>;

/** What the runner hears from the world. */
export interface WorldObserver {
  /** Every observed event. */
  onEvent(event: ObservedEvent): void;
  /**
   * The workload's acks, with its key number and the acking process's index (so the safety
   * monitor need not look them up by name). The event object is reused for the next ack: a
   * consumer that keeps it keeps a copy.
   */
  onWriteAckedEvent(event: WriteAcked, key: number, processIndex: number): void;
  /** A runner timer (EV_RUNNER) fired. */
  onRunnerEvent(code: number, ref: unknown): void;
}

/** The client workload's side of the world. */
export interface WorldWorkload {
  /** Its timer (EV_WORKLOAD) fired: the next write. */
  onWorkloadEvent(): void;
  /** A client's WAIT after its write was satisfied on `processIndex`. */
  onWriteAcked(processIndex: number, key: number, seq: number): void;
}

class NoObserver implements WorldObserver {
  onEvent(): void {}
  onWriteAckedEvent(): void {}
  onRunnerEvent(): void {}
}

class NoWorkload implements WorldWorkload {
  onWorkloadEvent(): void {}
  onWriteAcked(): void {}
}

const NO_OBSERVER = new NoObserver();
const NO_WORKLOAD = new NoWorkload();

export interface WorldOptions {
  seed: number;
  cluster: ClusterConfig;
  /** Scenario shard of each process, in creation order (its length is the process count). */
  createdShards: ReadonlyArray<number | null>;
  /** Room for processes added later (add_node). @defaultValue 8 */
  spareProcesses?: number;
  traceTailRecords?: number;
}

export class World implements NetworkHost, TraceNames, valkey.ServerEnv {
  readonly scheduler = new Scheduler();
  readonly rng: Rng;
  /** Where each SIGSTOP lands (a stream of its own: other draws stay put). */
  private readonly stopRng: Rng;
  readonly network: Network;
  readonly identities = new Identities();
  readonly slotSets = new SlotSetTable();
  readonly trace: Trace;
  readonly processes: SimProcess[] = [];
  /** Each node's wall clock (clock faults move it; node-clock.ts), by process index. */
  readonly clocks: valkey.NodeClock[] = [];
  readonly cluster: ClusterConfig;
  /** How many processes the world can hold (created plus spares for add_node). */
  readonly capacity: number;
  steps = 0;
  /**
   * Who hears the world's observed events and runner timers (the runner), and who drives the
   * client workload. Objects with methods rather than callback fields: a closure made per run is a
   * new function to V8, optimised again in every run, and that recompiling was most of a fuzz
   * worker's background CPU (it starved the second worker).
   */
  observer: WorldObserver = NO_OBSERVER;
  workload: WorldWorkload = NO_WORKLOAD;
  /** The report's recorder (sim/recorder.ts): told when a server's turn ended. Null unless a report is asked for. */
  tap: { turnEnded(index: number): void } | null = null;
  private replIdCounter = 0;
  private readonly lastRole: Int8Array;
  private readonly lastPrimary: Int32Array;
  private readonly lastCurrentEpoch: Float64Array;
  private readonly lastConfigEpoch: Float64Array;
  private readonly lastSlotCount: Int32Array;
  /** Names plan steps in readable trace lines (the runner knows the scenario's steps). */
  planStepName: ((faultId: number, phase: number) => string) | null = null;

  constructor(options: WorldOptions) {
    this.cluster = options.cluster;
    this.rng = new Rng(String(options.seed));
    this.stopRng = this.rng.fork('stops');
    const capacity = options.createdShards.length + (options.spareProcesses ?? 8);
    this.capacity = capacity;
    this.trace = new Trace(this, options.traceTailRecords ?? 50);
    this.network = new Network(capacity, this.scheduler, EV_DELIVER, this.rng.fork('network'), this.trace, this);
    this.lastRole = new Int8Array(capacity).fill(-1);
    this.lastPrimary = new Int32Array(capacity).fill(-2);
    this.lastCurrentEpoch = new Float64Array(capacity).fill(-1);
    this.lastConfigEpoch = new Float64Array(capacity).fill(-1);
    this.lastSlotCount = new Int32Array(capacity).fill(-1);
    options.createdShards.forEach((shard, index) => {
      this.processes.push(new SimProcess(index, `node-${index}`, shard, this.rng.fork(`node-${index}`)));
    });
  }

  // --- TraceNames: how readable trace lines name processes and plan steps -------------------

  node(index: number): string {
    return index >= 0 && index < this.processes.length ? this.processes[index]!.name : `process-${index}`;
  }

  planStep(faultId: number, phase: number): string {
    return this.planStepName !== null
      ? this.planStepName(faultId, phase)
      : `step ${faultId} ${phase === 0 ? 'start' : 'end'}`;
  }

  processState(state: number): string {
    return ['down', 'starting', 'running', 'paused'][state] ?? String(state);
  }

  get nowMs(): number {
    return this.scheduler.nowMs;
  }

  /**
   * The clock in whole milliseconds, as the nodes read it (mstime()): the time observed events
   * carry. The simulated clock itself runs in fractions of a millisecond (network hops).
   */
  get clockMs(): number {
    return Math.floor(this.scheduler.nowMs);
  }

  server(index: number): ValkeyServer | null {
    return this.processes[index]!.server;
  }

  /** Takes one event from the queue and runs it. False when the queue is empty. */
  step(): boolean {
    const scheduler = this.scheduler;
    if (!scheduler.pop()) return false;
    this.steps++;
    switch (scheduler.kind) {
      case EV_DELIVER:
        this.network.deliverHead(scheduler.ref as Direction);
        break;
      case EV_CRON:
        this.cron(scheduler.arg);
        break;
      case EV_WORKLOAD:
        this.workload.onWorkloadEvent();
        break;
      case EV_RUNNER:
        this.observer.onRunnerEvent(scheduler.arg, scheduler.ref);
        break;
      case EV_START:
        this.boot(scheduler.arg);
        break;
      case EV_NOOP:
        this.trace.record(scheduler.nowMs, T_NOOP, 0, 0, 0);
        break;
      case EV_TASK:
        (scheduler.ref as () => void)();
        break;
      default:
        throw new Error(`World: unknown event kind ${scheduler.kind}`);
    }
    return true;
  }

  /** Runs up to `maxSteps` events; returns how many ran. */
  run(maxSteps: number): number {
    let ran = 0;
    while (ran < maxSteps && this.step()) ran++;
    return ran;
  }

  /** Runs `task` `delayMs` from now (after events already due at that instant). */
  after(delayMs: number, task: () => void): void {
    this.scheduler.schedule(this.nowMs + delayMs, EV_TASK, 0, task);
  }

  /**
   * add_node: a new process, `node-K` with K the next creation index, down until started. The
   * world has room for `spareProcesses` of them.
   */
  addProcess(createdShard: number | null): number {
    const index = this.processes.length;
    if (index >= this.capacity) throw new Error(`World: no room for another process (capacity ${this.capacity})`);
    this.processes.push(new SimProcess(index, `node-${index}`, createdShard, this.rng.fork(`node-${index}`)));
    return index;
  }

  /** Schedules a runner callback `delayMs` from now. */
  scheduleRunner(delayMs: number, code: number, ref: unknown = null): number {
    return this.scheduler.schedule(this.nowMs + delayMs, EV_RUNNER, code, ref);
  }

  emit(event: ObservedEvent): void {
    const node = 'node' in event ? this.indexOfName(event.node) : -1;
    const value =
      event.kind === 'node-state' ? event.currentEpoch * 1024 + event.configEpoch : 'epoch' in event ? event.epoch : 0;
    this.trace.recordEvent(event, EVENT_CODES[event.kind], node, value);
    this.observer.onEvent(event);
  }

  /**
   * emit() for the workload's acks, the most frequent event of a run: no lookups by name. The
   * event object is reused for the next ack: whoever keeps it must keep a copy.
   */
  emitWriteAcked(event: Extract<ObservedEvent, { kind: 'write-acked' }>, processIndex: number, key: number): void {
    this.trace.recordAck(event, EVENT_CODES['write-acked'], processIndex);
    this.observer.onWriteAckedEvent(event, key, processIndex);
  }

  /** The run is over and nothing will read this world again: its servers' tables go back for reuse. */
  retire(): void {
    for (const process of this.processes) {
      if (process.server !== null) valkey.retireServer(process.server);
      process.server = null;
    }
  }

  /** `node-K` of the process that owns a node id, or null (handshake names, unknown ids). */
  nameOfIdentity(identity: number): string | null {
    const index = this.identities.processOf(identity);
    return index < 0 ? null : this.processes[index]!.name;
  }

  // --- processes ---------------------------------------------------------------------------

  /** Starts a process that is down; it answers after its start-up delay. */
  start(index: number): void {
    const process = this.processes[index]!;
    if (process.state !== PROCESS_DOWN) return;
    process.state = PROCESS_STARTING;
    const delayMs = STARTUP_DELAY_MS + process.rng.int(STARTUP_JITTER_MS + 1);
    process.startHandle = this.scheduler.schedule(this.nowMs + delayMs, EV_START, index, null);
    this.trace.record(this.clockMs, T_PROCESS, index, PROCESS_STARTING, 0);
  }

  /** SIGKILL: unsaved state is lost; connections close. */
  crash(index: number): void {
    this.down(index, 'kill');
  }

  /** SIGTERM: a clean shutdown that saves nodes.conf first (8.0+). */
  terminate(index: number): void {
    const server = this.processes[index]!.server;
    if (server !== null && this.processes[index]!.state === PROCESS_RUNNING) valkey.saveConfig(server);
    this.down(index, 'terminate');
  }

  /** Kill and start again at once (turmoil's bounce). */
  bounce(index: number): void {
    this.crash(index);
    this.start(index);
  }

  /** ServerEnv: the node's wall clock (one per machine: it outlives restarts). */
  clockOf(index: number): valkey.NodeClock {
    let clock = this.clocks[index];
    if (clock === undefined) {
      clock = new valkey.NodeClock();
      this.clocks[index] = clock;
    }
    return clock;
  }

  /** SIGSTOP. `observed` false: a slow node's duty cycle (sim/slow.ts), no node-down event. */
  pause(index: number, observed = true): void {
    const process = this.processes[index]!;
    if (process.state !== PROCESS_RUNNING) return;
    if (observed) this.emit(this.nodeDownEvent(index, 'pause'));
    process.state = PROCESS_PAUSED;
    this.trace.record(this.clockMs, T_PROCESS, index, PROCESS_PAUSED, 0);
  }

  /**
   * SIGCONT. Stopped in epoll_wait, the process reads its registered sockets (socket by socket),
   * then runs an overdue cron tick, then reads the connections its kernel accepted meanwhile.
   * Stopped in a loop pass, it finishes that pass's timers first (the cron's PINGs go out), then
   * reads its registered sockets, and reads the accepted connections a pass later: replies to
   * those PINGs that arrive while that pass runs are read before them (resumeDrained).
   */
  resume(index: number, observed = true): void {
    const process = this.processes[index]!;
    if (process.state !== PROCESS_PAUSED) return;
    process.state = PROCESS_RUNNING;
    process.resumes++;
    process.stoppedMidPass = this.stopRng.float() < STOP_MID_PASS_PROBABILITY;
    this.trace.record(
      this.clockMs,
      T_PROCESS,
      index,
      PROCESS_RUNNING,
      process.stoppedMidPass ? RESUMED_MID_PASS : RESUMED_IDLE,
    );
    if (observed) this.emit({ kind: 'node-up', atMs: this.clockMs, node: process.name });
    if (process.stoppedMidPass) this.runDueCron(process);
    this.network.processResumed(index);
  }

  // --- network faults (turmoil-like) ---------------------------------------------------------

  /** Cuts the given directed pairs (bus and replication), as a firewall drop would. */
  partition(pairs: Pairs): void {
    this.network.addPartition(pairs);
  }

  /** Lifts one partition's pairs: what they held back is delivered if its connection survived. */
  repair(pairs: Pairs): void {
    this.network.removePartition(pairs);
  }

  hold(pairs: Pairs): void {
    this.network.addHold(pairs);
  }

  release(pairs: Pairs): void {
    this.network.release(pairs);
  }

  setLinkLatency(faultId: number, pairs: Pairs, delayMs: number, jitterMs: number): void {
    this.network.addLatency(faultId, pairs, delayMs, jitterMs);
  }

  /** Loses bus messages of the given types (empty: all) with the given probability. */
  setDropRate(faultId: number, pairs: Pairs, typeMask: number, probability: number): void {
    this.network.addDrop(faultId, pairs, typeMask, probability);
  }

  heal(): void {
    this.network.heal();
  }

  /** DEBUG CLUSTERLINK KILL on every peer of one node. */
  killLinks(index: number): void {
    const process = this.processes[index]!;
    if (process.state !== PROCESS_RUNNING || process.server === null) return;
    const mark = this.network.beginTurn();
    valkey.killLinks(process.server);
    this.endTurn(index, mark);
  }

  /** Runs an admin command on a running server, then its beforeSleep. */
  command<T>(index: number, run: (server: ValkeyServer) => T): T | null {
    const process = this.processes[index]!;
    if (process.state !== PROCESS_RUNNING || process.server === null) return null;
    const mark = this.network.beginTurn();
    const result = run(process.server);
    this.endTurn(index, mark);
    return result;
  }

  // --- NetworkHost -------------------------------------------------------------------------

  /**
   * The resumed process read its registered sockets: timers run now (file events before timers),
   * and the connections it accepted in this pass are read in the next one, at once after the
   * cron when it had stopped idle, after the pass's reads and accepts when it stopped mid-pass.
   */
  resumeDrained(index: number, messagesRead: number, acceptedWaiting: number): void {
    const process = this.processes[index]!;
    if (process.state !== PROCESS_RUNNING) return;
    this.runDueCron(process);
    if (acceptedWaiting === 0) return;
    if (!process.stoppedMidPass) {
      this.network.readAccepted(index);
      return;
    }
    const resumes = process.resumes;
    this.after((messagesRead + acceptedWaiting) * LOOP_READ_COST_MS, () => {
      if (process.state === PROCESS_RUNNING && process.resumes === resumes) this.network.readAccepted(index);
    });
  }

  /** A cron tick that fell due while the process was stopped runs now (after events already due). */
  private runDueCron(process: SimProcess): void {
    if (!process.cronDue) return;
    process.cronDue = false;
    process.cronHandle = this.scheduler.schedule(this.nowMs, EV_CRON, process.index, null);
  }

  isDown(index: number): boolean {
    const state = this.processes[index]!.state;
    return state === PROCESS_DOWN || state === PROCESS_STARTING;
  }

  isPaused(index: number): boolean {
    return this.processes[index]!.state === PROCESS_PAUSED;
  }

  deliver(connection: Connection, toInitiator: boolean, message: Message): void {
    const index = toInitiator ? connection.initiator : connection.acceptor;
    const server = this.runningServer(index);
    if (server.todoBeforeSleep === 0 && valkey.isStreamWrite(connection, toInitiator, message)) {
      // Nothing for beforeSleep or a node-state event to see, no fsync to hold its writes back.
      valkey.deliver(server, connection, toInitiator, message);
      return;
    }
    const mark = this.network.beginTurn();
    valkey.deliver(server, connection, toInitiator, message);
    this.endTurn(index, mark);
  }

  connected(connection: Connection): void {
    const mark = this.network.beginTurn();
    valkey.connected(this.runningServer(connection.initiator), connection);
    this.endTurn(connection.initiator, mark);
  }

  refused(connection: Connection): void {
    const mark = this.network.beginTurn();
    valkey.refused(this.runningServer(connection.initiator), connection);
    this.endTurn(connection.initiator, mark);
  }

  closedByPeer(connection: Connection, atInitiator: boolean): void {
    const index = atInitiator ? connection.initiator : connection.acceptor;
    const mark = this.network.beginTurn();
    valkey.closedByPeer(this.runningServer(index), connection, atInitiator);
    this.endTurn(index, mark);
  }

  // --- internals ---------------------------------------------------------------------------

  private runningServer(index: number): ValkeyServer {
    const server = this.processes[index]!.server;
    if (server === null || this.processes[index]!.state !== PROCESS_RUNNING) {
      throw new Error(`World: delivery to ${this.processes[index]!.name}, which is not running`);
    }
    return server;
  }

  private cron(index: number): void {
    const process = this.processes[index]!;
    process.cronHandle = -1;
    if (process.state === PROCESS_PAUSED) {
      process.cronDue = true;
      return;
    }
    if (process.state !== PROCESS_RUNNING) return;
    this.trace.record(this.clockMs, T_CRON, index, 0, 0);
    const mark = this.network.beginTurn();
    valkey.cronTick(process.server!);
    this.endTurn(index, mark);
    process.cronHandle = this.scheduler.schedule(this.nowMs + CRON_PERIOD_MS, EV_CRON, index, null);
  }

  /** The process answers: load nodes.conf (or start fresh) and begin its cron at a random phase. */
  private boot(index: number): void {
    const process = this.processes[index]!;
    process.startHandle = -1;
    if (process.state !== PROCESS_STARTING) return;
    process.state = PROCESS_RUNNING;
    process.incarnation++;
    process.server =
      process.persisted === null
        ? valkey.freshServer(this, index, process.rng)
        : valkey.loadServer(this, index, process.rng, process.persisted);
    this.trace.record(this.clockMs, T_PROCESS, index, PROCESS_RUNNING, process.incarnation);
    const phaseMs = process.rng.int(CRON_PERIOD_MS);
    process.cronHandle = this.scheduler.schedule(this.nowMs + phaseMs, EV_CRON, index, null);
    this.observeState(index);
    if (process.incarnation > 1) this.emit({ kind: 'node-up', atMs: this.clockMs, node: process.name });
  }

  private down(index: number, cause: 'kill' | 'terminate'): void {
    const process = this.processes[index]!;
    if (process.state === PROCESS_DOWN) return;
    if (process.state === PROCESS_RUNNING || process.state === PROCESS_PAUSED) {
      this.emit(this.nodeDownEvent(index, cause));
      const server = process.server!;
      if (server.replication.offset > 0)
        this.emit({ kind: 'data-lost', atMs: this.clockMs, node: process.name, cause });
    }
    this.scheduler.cancel(process.cronHandle);
    this.scheduler.cancel(process.startHandle);
    process.cronHandle = -1;
    process.startHandle = -1;
    process.cronDue = false;
    process.state = PROCESS_DOWN;
    if (process.server !== null) valkey.retireServer(process.server);
    process.server = null;
    this.network.processDown(index);
    this.trace.record(this.clockMs, T_PROCESS, index, PROCESS_DOWN, 0);
  }

  private nodeDownEvent(index: number, cause: 'kill' | 'terminate' | 'pause'): ObservedEvent {
    const process = this.processes[index]!;
    const server = process.server;
    // A paused primary that is then killed still owned its slots: judge by its own state, not the process's.
    const wasPrimary = server !== null && valkey.isPrimary(server.myself) && server.myself.numSlots > 0;
    const eligibleReplicas: string[] = [];
    if (server !== null) {
      for (const other of this.processes) {
        const replica = other.server;
        if (other === process || other.state !== PROCESS_RUNNING || replica === null) continue;
        if (replica.myself.replicaOf?.identity === server.myself.identity && valkey.replicationLinkUp(replica))
          eligibleReplicas.push(other.name);
      }
    }
    return { kind: 'node-down', atMs: this.clockMs, node: process.name, cause, wasPrimary, eligibleReplicas };
  }

  /**
   * The end of a process's event-loop turn that began at `mark`: beforeSleep, the turn's writes
   * (held back by the fsyncs beforeSleep did), then a node-state event if the node's own role,
   * primary, epochs or slots moved.
   */
  private endTurn(index: number, mark: number): void {
    const server = this.processes[index]!.server;
    if (server === null) {
      this.network.endTurn(mark, 0);
      return;
    }
    const fsyncs = valkey.beforeSleep(server);
    this.network.endTurn(mark, fsyncs * FSYNC_MS);
    this.observeState(index);
    if (this.tap !== null) this.tap.turnEnded(index);
  }

  private observeState(index: number): void {
    const server = this.processes[index]!.server!;
    const myself = server.myself;
    const role = valkey.isPrimary(myself) ? 1 : 0;
    const primary = myself.replicaOf !== null ? myself.replicaOf.identity : -1;
    const configEpoch = valkey.nodeEpoch(myself);
    if (
      this.lastRole[index] === role &&
      this.lastPrimary[index] === primary &&
      this.lastCurrentEpoch[index] === server.currentEpoch &&
      this.lastConfigEpoch[index] === configEpoch &&
      this.lastSlotCount[index] === myself.numSlots
    ) {
      return;
    }
    this.lastRole[index] = role;
    this.lastPrimary[index] = primary;
    this.lastCurrentEpoch[index] = server.currentEpoch;
    this.lastConfigEpoch[index] = configEpoch;
    this.lastSlotCount[index] = myself.numSlots;
    this.emit({
      kind: 'node-state',
      atMs: this.clockMs,
      node: this.processes[index]!.name,
      id: myself.name,
      role: role === 1 ? 'primary' : 'replica',
      primary: primary < 0 ? null : this.nameOfIdentity(primary),
      currentEpoch: server.currentEpoch,
      configEpoch,
      slotCount: myself.numSlots,
    });
  }

  private indexOfName(name: string): number {
    return Number(name.slice(5));
  }

  // --- ServerEnv: what a server asks of its world --------------------------------------------

  nextReplId(): number {
    return ++this.replIdCounter;
  }

  persist(index: number, conf: valkey.NodesConf): void {
    this.processes[index]!.persisted = conf;
  }

  voteGranted(voter: number, candidate: number, epoch: number): void {
    this.emit({
      kind: 'vote-granted',
      atMs: this.clockMs,
      voter: this.processes[voter]!.name,
      candidate: this.nameOfIdentity(candidate) ?? `id-${candidate}`,
      epoch,
    });
  }

  writeAcked(index: number, key: number, seq: number): void {
    this.workload.onWriteAcked(index, key, seq);
  }

  keysMigrated(from: number, to: number, keys: readonly number[]): void {
    this.emit({
      kind: 'keys-migrated',
      atMs: this.clockMs,
      keys: keys.map((key) => `key:${key}`),
      from: this.processes[from]!.name,
      to: this.processes[to]!.name,
    });
  }

  dataLost(index: number, cause: string): void {
    this.emit({ kind: 'data-lost', atMs: this.clockMs, node: this.processes[index]!.name, cause });
  }

  electionWon(index: number, epoch: number, consensus: boolean): void {
    this.emit({ kind: 'election-won', atMs: this.clockMs, node: this.processes[index]!.name, epoch, consensus });
  }
}
