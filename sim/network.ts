/**
 * The simulated network (turmoil's topology): TCP connections between processes, each with two
 * FIFO directions, latency and jitter, and the faults the DSL injects on directed pairs of
 * processes.
 *
 * Modelled on TCP as Valkey uses it (protocol reference §1.1, §6.3):
 * - A connection is opened by one process (SYN), accepted by the other's kernel even while that
 *   process is paused, and refused when nothing listens (a dead process): the RST comes back a
 *   round trip later, as a non-blocking connect() on loopback sees EINPROGRESS first. Data the
 *   opener writes before the handshake completes waits at the opener, so a one-way cut that
 *   drops the SYN-ACK keeps a new connection from ever carrying anything.
 * - A partition stalls a direction the way a firewall DROP does: data in flight and data sent
 *   meanwhile waits and is delivered after the heal if the connection survived, and is lost if
 *   either side closed it. A hold (the fault proxy keeping whole bus messages) stalls the same way
 *   but keeps what it holds when a side closes. Both are per direction, so one-way cuts are free.
 * - A paused receiver leaves data in its socket buffer: it arrives when the process resumes, a
 *   socket at a time in the order the sockets became readable, each read until it is empty (the
 *   event loop's file events, clusterReadHandler's read loop); then the host hears
 *   `resumeDrained` (its timers may run). Connections its kernel accepted while it was stopped
 *   are not registered with the event loop yet: the process accept()s them in that pass and reads
 *   them one loop pass later (`readAccepted`), so data sent on a peer's older, since replaced
 *   connection can be read after fresher data on another socket. Packets on two sockets of one
 *   peer can so be read out of the order they were sent.
 * - Drop rules lose whole bus messages by type and probability at send time; latency rules add
 *   delay and jitter. FIFO order per direction always holds.
 * - What a process sends during one turn of its event loop (beginTurn/endTurn, which the world puts
 *   around every event a server handles) is written when the turn ends, as Valkey writes its send
 *   queues after beforeSleep: later by the nodes.conf fsyncs of that beforeSleep, and not at all on
 *   a link the turn closed.
 *
 * One scheduler event per direction (its head message), not one per message. Not here: what a
 * message means (the world hands it to the process).
 */
import { Message, MessagePool, MSG_CLOSE, MSG_SYN, MSG_SYNACK } from './message.ts';
import type { Rng } from '../core/rng.ts';
import type { Scheduler } from './scheduler.ts';
import type { NetworkTap } from './recorder.ts';
import {
  T_CLOSED,
  T_CONNECTED,
  T_DELIVER,
  T_DROP,
  T_LOST,
  T_REFUSED,
  T_STALL,
  T_WAIT_RESUME,
  type Trace,
} from './trace.ts';

/** Connection kinds: the cluster bus and the replication link (replica to primary). */
export const CONN_BUS = 0;
export const CONN_REPL = 1;

/**
 * One-way latency of an idle loopback path, plus a uniform 0..BASE_JITTER_MS: the hops in real
 * 8.0.1 logs (a PING logged sent and its PONG logged handled) take 0.25-0.6 ms, event loops
 * included. Simulated time is fractional; servers read it in whole milliseconds (mstime()).
 */
export const BASE_LATENCY_MS = 0.25;
export const BASE_JITTER_MS = 0.5;

/** Messages a direction may queue before the model calls it a leak (a stalled bus link sees ~10/s). */
const MAX_QUEUED_PER_DIRECTION = 1_000_000;

/** What the network asks of the world. */
export interface NetworkHost {
  isDown(processIndex: number): boolean;
  isPaused(processIndex: number): boolean;
  /** A data message reached a running process. The host must not keep `message`. */
  deliver(connection: Connection, toInitiator: boolean, message: Message): void;
  /** The initiator learns its connect succeeded. */
  connected(connection: Connection): void;
  /** The initiator learns its connect was refused. */
  refused(connection: Connection): void;
  /** One side learns the other closed the connection. */
  closedByPeer(connection: Connection, atInitiator: boolean): void;
  /**
   * A resumed process has read what waited on the sockets it had registered (`messagesRead`
   * messages): its timers may run now. `acceptedWaiting` connections its kernel accepted while it
   * was stopped wait for `readAccepted`, the next pass of its event loop.
   */
  resumeDrained(processIndex: number, messagesRead: number, acceptedWaiting: number): void;
}

export class Direction {
  head: Message | null = null;
  tail: Message | null = null;
  length = 0;
  lastArriveAtMs = 0;
  /** A delivery event for the head is pending. */
  scheduled = false;
  /** The head waits for the receiving process to resume. */
  waiting = false;
  /** The receiver resumed and reads this socket until it is empty. */
  draining = false;

  readonly connection: Connection;
  readonly from: number = 0;
  readonly to: number = 0;
  readonly towardInitiator: boolean = false;

  constructor(connection: Connection, from: number, to: number, towardInitiator: boolean) {
    this.connection = connection;
    this.from = from;
    this.to = to;
    this.towardInitiator = towardInitiator;
  }
}

export class Connection {
  established = false;
  /** Data the initiator wrote before the handshake completed (a FIFO through `next`). */
  pendingHead: Message | null = null;
  pendingTail: Message | null = null;
  initiatorOpen = true;
  acceptorOpen = true;
  /**
   * The acceptor's process accept()ed it. A stopped process's kernel completes handshakes alone;
   * the process accepts those connections (and registers them for reading) after it resumes.
   */
  acceptedByProcess = false;
  /** The node-side link objects at each end (the acceptor's is set when it first reads). */
  initiatorEndpoint: unknown = null;
  acceptorEndpoint: unknown = null;
  readonly forward: Direction;
  readonly backward: Direction;
  readonly id: number = 0;
  readonly kind: number = 0;
  readonly initiator: number = 0;
  readonly acceptor: number = 0;

  constructor(id: number, kind: number, initiator: number, acceptor: number) {
    this.id = id;
    this.kind = kind;
    this.initiator = initiator;
    this.acceptor = acceptor;
    this.forward = new Direction(this, initiator, acceptor, false);
    this.backward = new Direction(this, acceptor, initiator, true);
  }

  isOpenAt(initiatorSide: boolean): boolean {
    return initiatorSide ? this.initiatorOpen : this.acceptorOpen;
  }
}

interface LatencyRule {
  faultId: number;
  delayMs: number;
  jitterMs: number;
}

interface DropRule {
  faultId: number;
  /** Bit per bus message type; 0 means every type. */
  typeMask: number;
  probability: number;
}

export class Network {
  private nextConnectionId = 1;
  private readonly connectionsOf: Connection[][];
  private readonly partitionCount: Uint16Array;
  private readonly holdCount: Uint16Array;
  private readonly latencyRules: Array<LatencyRule[] | null>;
  private readonly dropRules: Array<DropRule[] | null>;
  private readonly waitingFor: Direction[][];
  /** Per process, the sockets still to read after a resume, the one being read first (or null). */
  private readonly drainQueue: Array<Direction[] | null>;
  /** Per process, messages read so far by the resume under way (what that loop pass costs). */
  private readonly drainReads: Int32Array;
  /** Bus data messages delivered to a process. */
  delivered = 0;
  readonly pool = new MessagePool();
  /**
   * Turns of processes' event loops open (beginTurn): what they send is written only when the
   * turn ends, after beforeSleep, which may fsync nodes.conf first. Kept in reused arrays.
   */
  private turnDepth = 0;
  private turnCount = 0;
  private readonly turnConnections: Connection[] = [];
  private readonly turnFromInitiator: boolean[] = [];
  private readonly turnMessages: Message[] = [];

  private readonly capacity: number = 0;
  private readonly deliverEventKind: number = 0;
  private readonly scheduler: Scheduler;
  private readonly rng: Rng;
  private readonly trace: Trace;
  /** The report's recorder (sim/recorder.ts) when a report is asked for; null otherwise. */
  tap: NetworkTap | null = null;
  private host: NetworkHost;

  constructor(
    capacity: number,
    scheduler: Scheduler,
    deliverEventKind: number,
    rng: Rng,
    trace: Trace,
    host: NetworkHost,
  ) {
    this.capacity = capacity;
    this.deliverEventKind = deliverEventKind;
    this.scheduler = scheduler;
    this.rng = rng;
    this.trace = trace;
    this.host = host;
    this.connectionsOf = Array.from({ length: capacity }, () => []);
    this.waitingFor = Array.from({ length: capacity }, () => []);
    this.drainQueue = new Array<Direction[] | null>(capacity).fill(null);
    this.drainReads = new Int32Array(capacity);
    this.partitionCount = new Uint16Array(capacity * capacity);
    this.holdCount = new Uint16Array(capacity * capacity);
    this.latencyRules = new Array<LatencyRule[] | null>(capacity * capacity).fill(null);
    this.dropRules = new Array<DropRule[] | null>(capacity * capacity).fill(null);
  }

  setHost(host: NetworkHost): void {
    this.host = host;
  }

  /**
   * Opens a connection from `from` to `to`. A connect never fails at once, even to a dead process:
   * on Linux a non-blocking connect() to a closed loopback port returns EINPROGRESS and the
   * refusal arrives as an event (the SYN meets no listener and the RST travels back), so Valkey's
   * synchronous-error path (clusterNodeCronHandleReconnect setting ping_sent) is not taken, and a
   * cron PING queued on the connecting link is what starts failure detection. The null return is
   * kept for callers that model a synchronous error.
   */
  connect(kind: number, from: number, to: number, endpoint: unknown): Connection | null {
    const connection = new Connection(this.nextConnectionId++, kind, from, to);
    connection.initiatorEndpoint = endpoint;
    this.connectionsOf[from]!.push(connection);
    this.connectionsOf[to]!.push(connection);
    this.enqueue(connection.forward, this.pool.acquire(MSG_SYN));
    return connection;
  }

  /**
   * A process's event-loop turn begins: Valkey queues what it sends (clusterSendMessage and the
   * replication buffer) and writes it in the same loop pass after beforeSleep, whose nodes.conf
   * fsync (a vote, an election, an epoch change) so holds back every message of the turn.
   */
  beginTurn(): number {
    this.turnDepth++;
    return this.turnCount;
  }

  /**
   * The turn that began at `mark` ends: its messages are written now, `holdMs` (the turn's fsyncs)
   * later than its events. A turn may run inside another (a command that a delivery triggers); each
   * writes its own messages.
   */
  endTurn(mark: number, holdMs: number): void {
    const count = this.turnCount;
    this.turnCount = mark;
    this.turnDepth--;
    for (let i = mark; i < count; i++)
      this.write(this.turnConnections[i]!, this.turnFromInitiator[i]!, this.turnMessages[i]!, holdMs);
  }

  /** Sends a message from one end; lost if that end is closed or a drop rule takes it. */
  send(connection: Connection, fromInitiator: boolean, message: Message): void {
    if (this.tap !== null) message.sentAtMs = this.scheduler.nowMs;
    if (this.turnDepth > 0) {
      const index = this.turnCount++;
      this.turnConnections[index] = connection;
      this.turnFromInitiator[index] = fromInitiator;
      this.turnMessages[index] = message;
      return;
    }
    this.write(connection, fromInitiator, message, 0);
  }

  /** The write reaches the kernel `holdMs` from now (a turn held back by fsyncs). */
  private write(connection: Connection, fromInitiator: boolean, message: Message, holdMs: number): void {
    if (!connection.isOpenAt(fromInitiator)) {
      this.pool.release(message);
      return;
    }
    if (fromInitiator && !connection.established) {
      message.next = null;
      if (connection.pendingTail === null) connection.pendingHead = message;
      else connection.pendingTail.next = message;
      connection.pendingTail = message;
      return;
    }
    const direction = fromInitiator ? connection.forward : connection.backward;
    if (connection.kind === CONN_BUS && this.dropped(direction, message.type)) {
      this.trace.record(Math.floor(this.scheduler.nowMs), T_DROP, direction.from, direction.to, message.type);
      this.pool.release(message);
      return;
    }
    this.enqueue(direction, message, holdMs);
  }

  /**
   * Closes one end. Data this end sent that a partition stalls is lost with it; the other end
   * learns of the close in order after what it was already sent; nothing more is read here.
   */
  close(connection: Connection, byInitiator: boolean): void {
    if (!connection.isOpenAt(byInitiator)) return;
    if (byInitiator) {
      connection.initiatorOpen = false;
      connection.initiatorEndpoint = null;
      this.dropPending(connection);
    } else {
      connection.acceptorOpen = false;
      connection.acceptorEndpoint = null;
    }
    const outgoing = byInitiator ? connection.forward : connection.backward;
    const incoming = byInitiator ? connection.backward : connection.forward;
    if (this.partitioned(outgoing.from, outgoing.to)) this.dropQueue(outgoing);
    this.dropQueue(incoming);
    if (connection.isOpenAt(!byInitiator)) this.enqueue(outgoing, this.pool.acquire(MSG_CLOSE));
    else this.forget(connection);
  }

  /** Every connection with an end at a process that died: its ends close (the kernel sends RST). */
  processDown(processIndex: number): void {
    for (const connection of [...this.connectionsOf[processIndex]!]) {
      if (connection.initiator === processIndex) this.close(connection, true);
      if (connection.acceptor === processIndex) this.close(connection, false);
    }
    this.waitingFor[processIndex]!.length = 0;
    const draining = this.drainQueue[processIndex];
    if (draining !== null) for (const direction of draining) direction.draining = false;
    this.drainQueue[processIndex] = null;
  }

  /**
   * A resumed process reads what waited in the socket buffers it had registered with its event
   * loop: socket by socket in the order they became readable, each until empty; then the host
   * hears `resumeDrained`. Connections accepted by its kernel meanwhile keep waiting.
   */
  processResumed(processIndex: number): void {
    const registered: Direction[] = [];
    const accepted: Direction[] = [];
    for (const direction of this.waitingFor[processIndex]!) {
      (direction.towardInitiator || direction.connection.acceptedByProcess ? registered : accepted).push(direction);
    }
    for (const direction of registered) direction.waiting = false;
    this.waitingFor[processIndex] = accepted;
    this.startDrain(processIndex, registered);
  }

  /**
   * The resumed process's next loop pass: it has accept()ed the connections its kernel took while
   * it was stopped, and reads them now, in the order they became readable.
   */
  readAccepted(processIndex: number): void {
    const accepted = this.waitingFor[processIndex]!;
    this.waitingFor[processIndex] = [];
    for (const direction of accepted) {
      direction.waiting = false;
      direction.connection.acceptedByProcess = true;
    }
    this.startDrain(processIndex, accepted);
  }

  private startDrain(processIndex: number, sockets: Direction[]): void {
    this.drainReads[processIndex] = 0;
    this.drainQueue[processIndex] = sockets;
    this.drainNext(processIndex);
  }

  /** Starts reading the next socket of a resume, or tells the host the resume has read all. */
  private drainNext(processIndex: number): void {
    const queue = this.drainQueue[processIndex];
    if (queue === null) return;
    while (queue.length > 0) {
      const direction = queue[0]!;
      if (
        direction.head !== null &&
        !direction.scheduled &&
        !this.blocked(direction) &&
        direction.head.arriveAtMs <= this.scheduler.nowMs
      ) {
        direction.draining = true;
        this.scheduleHead(direction);
        return;
      }
      queue.shift();
      this.kick(direction);
    }
    this.drainQueue[processIndex] = null;
    this.host.resumeDrained(processIndex, this.drainReads[processIndex]!, this.waitingFor[processIndex]!.length);
  }

  /** Paused again before a resume read everything: what is left waits for the next resume. */
  private drainInterrupted(processIndex: number): void {
    const queue = this.drainQueue[processIndex] ?? [];
    this.drainQueue[processIndex] = null;
    for (const direction of queue) {
      direction.draining = false;
      if (direction.waiting || direction.head === null) continue;
      direction.waiting = true;
      this.waitingFor[processIndex]!.push(direction);
    }
  }

  /** The socket being read after a resume is empty (or cannot be read now): on to the next. */
  private drained(direction: Direction): void {
    direction.draining = false;
    this.kick(direction);
    const queue = this.drainQueue[direction.to];
    if (queue === null || queue[0] !== direction) return;
    queue.shift();
    this.drainNext(direction.to);
  }

  /** The scheduler event of a direction fired: deliver its head if the path and receiver allow. */
  deliverHead(direction: Direction): void {
    direction.scheduled = false;
    const message = direction.head;
    if (message === null) {
      // Emptied meanwhile (a side closed): a resume reading this socket goes on to the next.
      if (direction.draining) this.drained(direction);
      return;
    }
    const connection = direction.connection;
    const nowMs = this.scheduler.nowMs;
    const clockMs = Math.floor(nowMs); // whole ms, as the trace keeps them
    if (this.blocked(direction)) {
      this.trace.record(clockMs, T_STALL, direction.from, direction.to, message.type | (connection.kind << 8));
      if (direction.draining) this.drained(direction);
      return;
    }
    if (!connection.isOpenAt(direction.towardInitiator)) {
      this.trace.record(clockMs, T_LOST, direction.from, direction.to, message.type | (connection.kind << 8));
      this.dropQueue(direction);
      if (direction.draining) this.drained(direction);
      return;
    }
    if (message.type !== MSG_SYN && this.host.isPaused(direction.to)) {
      this.trace.record(clockMs, T_WAIT_RESUME, direction.from, direction.to, message.type | (connection.kind << 8));
      direction.waiting = true;
      this.waitingFor[direction.to]!.push(direction);
      if (direction.draining) this.drainInterrupted(direction.to);
      return;
    }
    this.pop(direction);
    // Reading a socket after a resume goes on while it holds data that has arrived.
    const readOn = direction.draining && direction.head !== null && direction.head.arriveAtMs <= nowMs;
    if (direction.head !== null && (readOn || !direction.draining)) this.scheduleHead(direction);
    if (direction.draining) this.drainReads[direction.to]!++;
    this.handle(direction, message);
    this.pool.release(message);
    if (direction.draining && !readOn) this.drained(direction);
  }

  // --- faults on directed pairs ------------------------------------------------------------

  addPartition(pairs: ReadonlyArray<readonly [number, number]>): void {
    for (const [from, to] of pairs) this.partitionCount[from * this.capacity + to]!++;
  }

  removePartition(pairs: ReadonlyArray<readonly [number, number]>): void {
    for (const [from, to] of pairs) {
      const index = from * this.capacity + to;
      if (this.partitionCount[index]! > 0 && --this.partitionCount[index]! === 0) this.kickPair(from, to);
    }
  }

  addHold(pairs: ReadonlyArray<readonly [number, number]>): void {
    for (const [from, to] of pairs) this.holdCount[from * this.capacity + to]!++;
  }

  /** Delivers everything held on these pairs (every hold on them ends). */
  release(pairs: ReadonlyArray<readonly [number, number]>): void {
    for (const [from, to] of pairs) {
      const index = from * this.capacity + to;
      if (this.holdCount[index]! > 0) {
        this.holdCount[index] = 0;
        this.kickPair(from, to);
      }
    }
  }

  addLatency(
    faultId: number,
    pairs: ReadonlyArray<readonly [number, number]>,
    delayMs: number,
    jitterMs: number,
  ): void {
    for (const [from, to] of pairs) {
      const index = from * this.capacity + to;
      (this.latencyRules[index] ??= []).push({ faultId, delayMs, jitterMs });
    }
  }

  removeLatency(faultId: number): void {
    removeRules(this.latencyRules, faultId);
  }

  addDrop(
    faultId: number,
    pairs: ReadonlyArray<readonly [number, number]>,
    typeMask: number,
    probability: number,
  ): void {
    for (const [from, to] of pairs) {
      const index = from * this.capacity + to;
      (this.dropRules[index] ??= []).push({ faultId, typeMask, probability });
    }
  }

  removeDrop(faultId: number): void {
    removeRules(this.dropRules, faultId);
  }

  /** Ends every partition, hold, latency and drop rule, and delivers what they kept back. */
  heal(): void {
    this.partitionCount.fill(0);
    this.holdCount.fill(0);
    this.latencyRules.fill(null);
    this.dropRules.fill(null);
    for (let from = 0; from < this.capacity; from++) {
      for (const connection of this.connectionsOf[from]!) {
        if (connection.initiator === from) {
          this.kick(connection.forward);
          this.kick(connection.backward);
        }
      }
    }
  }

  /** No partition, hold, latency or drop rule is active. */
  isHealthy(): boolean {
    // Loops rather than every() callbacks: a callback made per call is optimised again each run.
    for (let i = 0; i < this.partitionCount.length; i++) {
      if (this.partitionCount[i] !== 0 || this.holdCount[i] !== 0) return false;
      const latency = this.latencyRules[i];
      const drop = this.dropRules[i];
      if (
        (latency !== null && latency !== undefined && latency.length > 0) ||
        (drop !== null && drop !== undefined && drop.length > 0)
      )
        return false;
    }
    return true;
  }

  partitioned(from: number, to: number): boolean {
    return this.partitionCount[from * this.capacity + to]! > 0;
  }

  /** Open connections (for the memory bound in tests). */
  connectionCount(): number {
    let count = 0;
    for (let p = 0; p < this.capacity; p++) for (const c of this.connectionsOf[p]!) if (c.initiator === p) count++;
    return count;
  }

  // --- internals ---------------------------------------------------------------------------

  private handle(direction: Direction, message: Message): void {
    const connection = direction.connection;
    const nowMs = Math.floor(this.scheduler.nowMs); // whole ms, as the trace keeps them
    switch (message.type) {
      case MSG_SYN:
        this.accept(connection);
        return;
      case MSG_SYNACK:
        connection.established = true;
        this.flushPending(connection);
        this.trace.record(nowMs, T_CONNECTED, connection.initiator, connection.acceptor, connection.kind);
        this.host.connected(connection);
        return;
      case MSG_CLOSE:
        this.peerClosed(connection, direction.towardInitiator);
        return;
      default:
        if (connection.kind === CONN_BUS) this.delivered++;
        this.trace.record(nowMs, T_DELIVER, direction.from, direction.to, message.type | (connection.kind << 8));
        if (this.tap !== null)
          this.tap.delivered(direction.from, direction.to, message, connection.kind, this.scheduler.nowMs);
        this.host.deliver(connection, direction.towardInitiator, message);
    }
  }

  /** The SYN reached the acceptor's kernel: accepted unless the process is gone. */
  private accept(connection: Connection): void {
    if (this.host.isDown(connection.acceptor)) {
      this.close(connection, false);
      return;
    }
    if (!this.host.isPaused(connection.acceptor)) connection.acceptedByProcess = true;
    this.enqueue(connection.backward, this.pool.acquire(MSG_SYNACK));
  }

  private peerClosed(connection: Connection, atInitiator: boolean): void {
    const nowMs = Math.floor(this.scheduler.nowMs); // whole ms, as the trace keeps them
    const here = atInitiator ? connection.initiator : connection.acceptor;
    const there = atInitiator ? connection.acceptor : connection.initiator;
    const wasEstablished = connection.established;
    const hadEndpoint = atInitiator ? connection.initiatorEndpoint !== null : connection.acceptorEndpoint !== null;
    if (atInitiator && !wasEstablished) {
      this.trace.record(nowMs, T_REFUSED, here, there, connection.kind);
      this.host.refused(connection);
    } else if (hadEndpoint) {
      this.trace.record(nowMs, T_CLOSED, here, there, connection.kind);
      this.host.closedByPeer(connection, atInitiator);
    }
    // The host may already have closed this end while handling the notice.
    this.close(connection, atInitiator);
  }

  private enqueue(direction: Direction, message: Message, holdMs = 0): void {
    if (direction.length >= MAX_QUEUED_PER_DIRECTION) {
      throw new Error(
        `Network: more than ${MAX_QUEUED_PER_DIRECTION} messages queued from process ${direction.from} to ${direction.to}`,
      );
    }
    const arriveAtMs = Math.max(this.scheduler.nowMs + holdMs + this.delayMs(direction), direction.lastArriveAtMs);
    direction.lastArriveAtMs = arriveAtMs;
    message.arriveAtMs = arriveAtMs;
    message.next = null;
    const wasEmpty = direction.head === null;
    if (wasEmpty) direction.head = message;
    else direction.tail!.next = message;
    direction.tail = message;
    direction.length++;
    if (wasEmpty && !direction.waiting) this.scheduleHead(direction);
  }

  /** The handshake completed: what the initiator wrote meanwhile goes out, in order. */
  private flushPending(connection: Connection): void {
    let message = connection.pendingHead;
    connection.pendingHead = null;
    connection.pendingTail = null;
    while (message !== null) {
      const next = message.next;
      this.write(connection, true, message, 0);
      message = next;
    }
  }

  private dropPending(connection: Connection): void {
    let message = connection.pendingHead;
    while (message !== null) {
      const next = message.next;
      this.pool.release(message);
      message = next;
    }
    connection.pendingHead = null;
    connection.pendingTail = null;
  }

  private pop(direction: Direction): void {
    const message = direction.head!;
    direction.head = message.next;
    if (direction.head === null) direction.tail = null;
    message.next = null;
    direction.length--;
  }

  private dropQueue(direction: Direction): void {
    let message = direction.head;
    while (message !== null) {
      const next = message.next;
      this.pool.release(message);
      message = next;
    }
    direction.head = null;
    direction.tail = null;
    direction.length = 0;
    if (direction.waiting) {
      direction.waiting = false;
      const waiting = this.waitingFor[direction.to]!;
      const index = waiting.indexOf(direction);
      if (index >= 0) waiting.splice(index, 1);
    }
  }

  private scheduleHead(direction: Direction): void {
    direction.scheduled = true;
    const atMs = Math.max(this.scheduler.nowMs, direction.head!.arriveAtMs);
    this.scheduler.schedule(atMs, this.deliverEventKind, 0, direction);
  }

  /** Reschedules a direction whose head was held back, if nothing holds it any more. */
  private kick(direction: Direction): void {
    if (direction.head === null || direction.scheduled || direction.waiting || this.blocked(direction)) return;
    this.scheduleHead(direction);
  }

  private kickPair(from: number, to: number): void {
    for (const connection of this.connectionsOf[from]!) {
      if (connection.initiator === from && connection.acceptor === to) this.kick(connection.forward);
      else if (connection.acceptor === from && connection.initiator === to) this.kick(connection.backward);
    }
  }

  private blocked(direction: Direction): boolean {
    const index = direction.from * this.capacity + direction.to;
    return this.partitionCount[index]! > 0 || (direction.connection.kind === CONN_BUS && this.holdCount[index]! > 0);
  }

  private delayMs(direction: Direction): number {
    let delayMs = BASE_LATENCY_MS + this.rng.float() * BASE_JITTER_MS;
    if (direction.connection.kind !== CONN_BUS) return delayMs;
    const rules = this.latencyRules[direction.from * this.capacity + direction.to];
    if (rules !== null && rules !== undefined && rules.length > 0) {
      const rule = rules[rules.length - 1]!;
      delayMs += rule.delayMs + (rule.jitterMs > 0 ? this.rng.int(rule.jitterMs + 1) : 0);
    }
    return delayMs;
  }

  private dropped(direction: Direction, type: number): boolean {
    if (type >= 16) return false;
    const rules = this.dropRules[direction.from * this.capacity + direction.to];
    if (rules === null || rules === undefined) return false;
    for (const rule of rules) {
      if (rule.typeMask !== 0 && (rule.typeMask & (1 << type)) === 0) continue;
      if (this.rng.float() < rule.probability) return true;
    }
    return false;
  }

  private forget(connection: Connection): void {
    for (const processIndex of [connection.initiator, connection.acceptor]) {
      const list = this.connectionsOf[processIndex]!;
      const index = list.indexOf(connection);
      if (index >= 0) list.splice(index, 1);
    }
    this.dropQueue(connection.forward);
    this.dropQueue(connection.backward);
    this.dropPending(connection);
  }
}

function removeRules<T extends { faultId: number }>(table: Array<T[] | null>, faultId: number): void {
  for (let i = 0; i < table.length; i++) {
    const rules = table[i];
    if (rules === null || rules === undefined) continue;
    const kept = rules.filter((rule) => rule.faultId !== faultId);
    table[i] = kept.length === 0 ? null : kept;
  }
}
