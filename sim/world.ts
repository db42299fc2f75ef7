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
import { NodeStateObserver } from './node-state-observer.ts';
import { ProcessLifecycle } from './process-lifecycle.ts';
import { PROCESS_DOWN, PROCESS_PAUSED, PROCESS_RUNNING, PROCESS_STARTING, SimProcess } from './process.ts';
import { Scheduler } from './scheduler.ts';
import { T_NOOP, Trace, type TraceNames } from './trace.ts';
import * as valkey from './valkey/index.ts';
import { Identities, SlotSetTable, type ValkeyServer } from './valkey/index.ts';
import { NO_OBSERVER, NO_WORKLOAD, type WorldObserver, type WorldWorkload } from './world-hooks.ts';
import { FSYNC_MS } from './world-timings.ts';
import {
  EV_CRON,
  EV_DELIVER,
  EV_NOOP,
  EV_RUNNER,
  EV_START,
  EV_TASK,
  EV_WORKLOAD,
  EVENT_CODES,
} from './world-events.ts';
import { VALKEY_8_0, type ProtocolProfile } from './valkey/profiles.ts';

export type { WorldObserver, WorldWorkload } from './world-hooks.ts';
export { FSYNC_MS, LOOP_READ_COST_MS, STOP_MID_PASS_PROBABILITY } from './world-timings.ts';
export { EV_CRON, EV_DELIVER, EV_NOOP, EV_RUNNER, EV_START, EV_TASK, EV_WORKLOAD } from './world-events.ts';

export type Pairs = ReadonlyArray<readonly [number, number]>;

export interface WorldOptions {
  seed: number | string;
  cluster: ClusterConfig;
  /** Scenario shard of each process, in creation order (its length is the process count). */
  createdShards: ReadonlyArray<number | null>;
  /** Room for processes added later (add_node). @defaultValue 8 */
  spareProcesses?: number;
  traceTailRecords?: number;
  /** The protocol's rules (sim/valkey/profiles.ts). @defaultValue valkey-8.0 */
  profile?: ProtocolProfile;
}

export class World implements NetworkHost, TraceNames, valkey.ServerEnv {
  readonly scheduler = new Scheduler();
  readonly rng: Rng;
  private readonly lifecycle: ProcessLifecycle;
  readonly network: Network;
  readonly identities = new Identities();
  readonly slotSets = new SlotSetTable();
  readonly trace: Trace;
  readonly processes: SimProcess[] = [];
  /** Each node's wall clock (clock faults move it; node-clock.ts), by process index. */
  readonly clocks: valkey.NodeClock[] = [];
  readonly cluster: ClusterConfig;
  readonly profile: ProtocolProfile;
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
  /** What the last node-state event of each process said. */
  private readonly nodeStates: NodeStateObserver;
  /** Names plan steps in readable trace lines (the runner knows the scenario's steps). */
  planStepName: ((faultId: number, phase: number) => string) | null = null;

  constructor(options: WorldOptions) {
    this.cluster = options.cluster;
    this.profile = options.profile ?? VALKEY_8_0;
    this.rng = new Rng(String(options.seed));
    this.lifecycle = new ProcessLifecycle(this, this.rng.fork('stops'));
    const capacity = options.createdShards.length + (options.spareProcesses ?? 8);
    this.capacity = capacity;
    this.trace = new Trace(this, options.traceTailRecords ?? 50);
    this.network = new Network(capacity, this.scheduler, EV_DELIVER, this.rng.fork('network'), this.trace, this);
    this.nodeStates = new NodeStateObserver(capacity);
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
        this.lifecycle.cron(scheduler.arg);
        break;
      case EV_WORKLOAD:
        this.workload.onWorkloadEvent();
        break;
      case EV_RUNNER:
        this.observer.onRunnerEvent(scheduler.arg, scheduler.ref);
        break;
      case EV_START:
        this.lifecycle.boot(scheduler.arg);
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

  // --- processes (sim/process-lifecycle.ts) -------------------------------------------------

  /** Starts a process that is down; it answers after its start-up delay. */
  start(index: number): void {
    this.lifecycle.start(index);
  }

  /** SIGKILL: unsaved state is lost; connections close. */
  crash(index: number): void {
    this.lifecycle.down(index, 'kill');
  }

  /** SIGTERM: a clean shutdown in the next cron, after lagging replicas catch up (process-lifecycle.ts). */
  terminate(index: number): void {
    this.lifecycle.terminate(index);
  }

  /** SIGSTOP. `observed` false: a slow node's duty cycle (sim/slow.ts), no node-down event. */
  pause(index: number, observed = true): void {
    this.lifecycle.pause(index, observed);
  }

  /** SIGCONT. `observed` false: a slow node's duty cycle, no node-up event. */
  resume(index: number, observed = true): void {
    this.lifecycle.resume(index, observed);
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

  /** DEBUG CLUSTERLINK KILL on every peer of one node (not one the plan counts as down: terminating). */
  killLinks(index: number): void {
    const process = this.processes[index]!;
    if (!process.runningForPlan || process.server === null) return;
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

  resumeDrained(index: number, messagesRead: number, acceptedWaiting: number): void {
    this.lifecycle.resumeDrained(index, messagesRead, acceptedWaiting);
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

  /**
   * The end of a process's event-loop turn that began at `mark`: beforeSleep, the turn's writes
   * (held back by the fsyncs beforeSleep did), then a node-state event if the node's own role,
   * primary, epochs or slots moved.
   */
  endTurn(index: number, mark: number): void {
    const server = this.processes[index]!.server;
    if (server === null) {
      this.network.endTurn(mark, 0);
      return;
    }
    const fsyncs = valkey.beforeSleep(server);
    this.network.endTurn(mark, fsyncs * FSYNC_MS);
    this.observeNodeState(index);
    if (this.tap !== null) this.tap.turnEnded(index);
  }

  /** A node-state event if the node's own role, primary, epochs or slots moved since the last one. */
  observeNodeState(index: number): void {
    const process = this.processes[index]!;
    const event = this.nodeStates.observe(index, process.server!, process.name, this.clockMs, this);
    if (event !== null) this.emit(event);
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
