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
 * - A paused receiver leaves data in its socket buffer, read when the process resumes
 *   (sim/resume-drain.ts: socket by socket, connections accepted meanwhile a loop pass later).
 * - Drop rules lose whole bus messages by type and probability at send time; latency rules add
 *   delay and jitter (sim/link-rules.ts, meaning from core/scenario/semantics/link-rules.ts).
 *   FIFO order per direction always holds.
 * - What a process sends during one turn of its event loop is written when the turn ends
 *   (sim/turn-writes.ts), later by the nodes.conf fsyncs of its beforeSleep.
 *
 * One scheduler event per direction (its head message), not one per message. Not here: what a
 * message means (the world hands it to the process).
 */
import { CONN_BUS, Connection, type Direction, type NetworkHost } from './connection.ts';
import { LinkRules, type Pairs } from './link-rules.ts';
import { type Message, MessagePool, MSG_CLOSE, MSG_SYN, MSG_SYNACK } from './message.ts';
import { assertIndex } from '../core/assert.ts';
import type { Rng } from '../core/rng.ts';
import { ResumeDrain } from './resume-drain.ts';
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
import { TurnWrites } from './turn-writes.ts';

export { CONN_BUS, CONN_REPL, Connection, Direction, type NetworkHost } from './connection.ts';

/**
 * One-way latency of an idle loopback path, plus a uniform 0..BASE_JITTER_MS: the hops in real
 * 8.0.1 logs (a PING logged sent and its PONG logged handled) take 0.25-0.6 ms, event loops
 * included. Simulated time is fractional; servers read it in whole milliseconds (mstime()).
 */
export const BASE_LATENCY_MS = 0.25;
export const BASE_JITTER_MS = 0.5;

export class Network {
  private nextConnectionId = 1;
  private readonly connectionsOf: Connection[][];
  /** The faults in force on each directed pair. */
  readonly rules: LinkRules;
  private readonly drain: ResumeDrain;
  /** Bus data messages delivered to a process. */
  delivered = 0;
  readonly pool = new MessagePool();
  /**
   * Turns of processes' event loops open (beginTurn): what they send is written only when the
   * turn ends, after beforeSleep, which may fsync nodes.conf first. Kept in reused arrays.
   */
  private readonly turns = new TurnWrites();

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
    this.rules = new LinkRules(capacity);
    this.drain = new ResumeDrain(capacity, this);
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
    assertIndex(from, this.capacity, 'connect from');
    assertIndex(to, this.capacity, 'connect to');
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
    return this.turns.begin();
  }

  /**
   * The turn that began at `mark` ends: its messages are written now, `holdMs` (the turn's fsyncs)
   * later than its events. A turn may run inside another (a command that a delivery triggers); each
   * writes its own messages.
   */
  endTurn(mark: number, holdMs: number): void {
    const turns = this.turns;
    const count = turns.end(mark);
    for (let i = mark; i < count; i++)
      this.write(turns.connections[i]!, turns.fromInitiator[i]!, turns.messages[i]!, holdMs);
  }

  /** Sends a message from one end; lost if that end is closed or a drop rule takes it. */
  send(connection: Connection, fromInitiator: boolean, message: Message): void {
    if (this.tap !== null) message.sentAtMs = this.scheduler.nowMs;
    if (this.turns.depth > 0) {
      this.turns.push(connection, fromInitiator, message);
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
      connection.appendPending(message);
      return;
    }
    const direction = fromInitiator ? connection.forward : connection.backward;
    if (connection.kind === CONN_BUS && this.rules.drawDrop(direction.from, direction.to, message.type, this.rng)) {
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
      connection.clearPending(this.pool);
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
    this.drain.processDown(processIndex);
  }

  /** SIGCONT: the process reads what waited for it (sim/resume-drain.ts). */
  processResumed(processIndex: number): void {
    this.drain.processResumed(processIndex);
  }

  /** The resumed process's next loop pass reads the connections it accepted (sim/resume-drain.ts). */
  readAccepted(processIndex: number): void {
    this.drain.readAccepted(processIndex);
  }

  /** The scheduler event of a direction fired: deliver its head if the path and receiver allow. */
  deliverHead(direction: Direction): void {
    direction.scheduled = false;
    const message = direction.head;
    if (message === null) {
      // Emptied meanwhile (a side closed): a resume reading this socket goes on to the next.
      if (direction.draining) this.drain.drained(direction);
      return;
    }
    const connection = direction.connection;
    const nowMs = this.scheduler.nowMs;
    const clockMs = Math.floor(nowMs); // whole ms, as the trace keeps them
    if (this.blocked(direction)) {
      this.trace.record(clockMs, T_STALL, direction.from, direction.to, message.type | (connection.kind << 8));
      if (direction.draining) this.drain.drained(direction);
      return;
    }
    if (!connection.isOpenAt(direction.towardInitiator)) {
      this.trace.record(clockMs, T_LOST, direction.from, direction.to, message.type | (connection.kind << 8));
      this.dropQueue(direction);
      if (direction.draining) this.drain.drained(direction);
      return;
    }
    if (message.type !== MSG_SYN && this.host.isPaused(direction.to)) {
      this.trace.record(clockMs, T_WAIT_RESUME, direction.from, direction.to, message.type | (connection.kind << 8));
      this.drain.wait(direction);
      return;
    }
    direction.pop();
    // Reading a socket after a resume goes on while it holds data that has arrived.
    const readOn = direction.draining && direction.head !== null && direction.head.arriveAtMs <= nowMs;
    if (direction.head !== null && (readOn || !direction.draining)) this.scheduleHead(direction);
    if (direction.draining) this.drain.countRead(direction.to);
    this.handle(direction, message);
    this.pool.release(message);
    if (direction.draining && !readOn) this.drain.drained(direction);
  }

  // --- faults on directed pairs ------------------------------------------------------------

  addPartition(pairs: Pairs): void {
    for (const [from, to] of pairs) this.rules.addPartition(from, to);
  }

  removePartition(pairs: Pairs): void {
    for (const [from, to] of pairs) if (this.rules.liftPartition(from, to)) this.kickPair(from, to);
  }

  addHold(pairs: Pairs): void {
    for (const [from, to] of pairs) this.rules.addHold(from, to);
  }

  /** Delivers everything held on these pairs (every hold on them ends). */
  release(pairs: Pairs): void {
    for (const [from, to] of pairs) if (this.rules.release(from, to)) this.kickPair(from, to);
  }

  addLatency(faultId: number, pairs: Pairs, delayMs: number, jitterMs: number): void {
    for (const [from, to] of pairs) this.rules.addLatency(faultId, from, to, delayMs, jitterMs);
  }

  removeLatency(faultId: number): void {
    this.rules.removeLatency(faultId);
  }

  addDrop(faultId: number, pairs: Pairs, typeMask: number, probability: number): void {
    for (const [from, to] of pairs) this.rules.addDrop(faultId, from, to, typeMask, probability);
  }

  removeDrop(faultId: number): void {
    this.rules.removeDrop(faultId);
  }

  /** Ends every partition, hold, latency and drop rule, and delivers what they kept back. */
  heal(): void {
    this.rules.clear();
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
    return this.rules.isHealthy();
  }

  partitioned(from: number, to: number): boolean {
    return this.rules.partitioned(from, to);
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
    // Base latency first, then the link's latency rule: each a draw of the network's stream.
    let delayMs = BASE_LATENCY_MS + this.rng.float() * BASE_JITTER_MS;
    if (direction.connection.kind === CONN_BUS)
      delayMs += this.rules.drawDelayMs(direction.from, direction.to, this.rng);
    const wasEmpty = direction.append(message, this.scheduler.nowMs + holdMs + delayMs);
    if (wasEmpty && !direction.waiting) this.scheduleHead(direction);
  }

  /** The handshake completed: what the initiator wrote meanwhile goes out, in order. */
  private flushPending(connection: Connection): void {
    let message = connection.takePending();
    while (message !== null) {
      const next = message.next;
      this.write(connection, true, message, 0);
      message = next;
    }
  }

  private dropQueue(direction: Direction): void {
    direction.clear(this.pool);
    this.drain.unwait(direction);
  }

  /** DrainNetwork: the head has arrived and nothing keeps it from being read now. */
  readableNow(direction: Direction): boolean {
    return (
      direction.head !== null &&
      !direction.scheduled &&
      !this.blocked(direction) &&
      direction.head.arriveAtMs <= this.scheduler.nowMs
    );
  }

  /** DrainNetwork: the host hears that a resume has read everything. */
  resumeDrained(processIndex: number, messagesRead: number, acceptedWaiting: number): void {
    this.host.resumeDrained(processIndex, messagesRead, acceptedWaiting);
  }

  scheduleHead(direction: Direction): void {
    direction.scheduled = true;
    const atMs = Math.max(this.scheduler.nowMs, direction.head!.arriveAtMs);
    this.scheduler.schedule(atMs, this.deliverEventKind, 0, direction);
  }

  /** Reschedules a direction whose head was held back, if nothing holds it any more. */
  kick(direction: Direction): void {
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
    return this.rules.blocked(direction.from, direction.to, direction.connection.kind === CONN_BUS);
  }

  private forget(connection: Connection): void {
    for (const processIndex of [connection.initiator, connection.acceptor]) {
      const list = this.connectionsOf[processIndex]!;
      const index = list.indexOf(connection);
      if (index >= 0) list.splice(index, 1);
    }
    this.dropQueue(connection.forward);
    this.dropQueue(connection.backward);
    connection.clearPending(this.pool);
  }
}
