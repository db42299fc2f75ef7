/**
 * A simulated TCP connection and its two FIFO directions (protocol reference §1.1, §6.3), and what
 * the network asks of the world that owns the processes. sim/network.ts moves messages along them.
 */
import type { Message, MessagePool } from './message.ts';

/** Connection kinds: the cluster bus and the replication link (replica to primary). */
export const CONN_BUS = 0;
export const CONN_REPL = 1;

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

  /**
   * Queues a message to arrive at `arriveAtMs`, or after the one before it (FIFO); true when the
   * queue was empty.
   */
  append(message: Message, arriveAtMs: number): boolean {
    if (this.length >= MAX_QUEUED_PER_DIRECTION) {
      throw new Error(
        `Network: more than ${MAX_QUEUED_PER_DIRECTION} messages queued from process ${this.from} to ${this.to}`,
      );
    }
    const atMs = Math.max(arriveAtMs, this.lastArriveAtMs);
    this.lastArriveAtMs = atMs;
    message.arriveAtMs = atMs;
    message.next = null;
    const wasEmpty = this.head === null;
    if (wasEmpty) this.head = message;
    else this.tail!.next = message;
    this.tail = message;
    this.length++;
    return wasEmpty;
  }

  /** Takes the head off the queue (the caller holds it). */
  pop(): void {
    const message = this.head!;
    this.head = message.next;
    if (this.head === null) this.tail = null;
    message.next = null;
    this.length--;
  }

  /** Loses everything queued (back to the pool). */
  clear(pool: MessagePool): void {
    releaseChain(this.head, pool);
    this.head = null;
    this.tail = null;
    this.length = 0;
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

  /** The initiator wrote before the handshake completed: the message waits at its end. */
  appendPending(message: Message): void {
    message.next = null;
    if (this.pendingTail === null) this.pendingHead = message;
    else this.pendingTail.next = message;
    this.pendingTail = message;
  }

  /** Takes what waited for the handshake, oldest first (a chain through `next`). */
  takePending(): Message | null {
    const head = this.pendingHead;
    this.pendingHead = null;
    this.pendingTail = null;
    return head;
  }

  /** Loses what waited for the handshake (back to the pool). */
  clearPending(pool: MessagePool): void {
    releaseChain(this.takePending(), pool);
  }
}

function releaseChain(head: Message | null, pool: MessagePool): void {
  let message = head;
  while (message !== null) {
    const next = message.next;
    pool.release(message);
    message = next;
  }
}

/**
 * The network as a server sees it (sim/network.ts implements it): open, write on and close
 * connections, and take messages from its pool. A narrow interface, so the model's state
 * (sim/valkey/server.ts) does not depend on the network's machinery.
 */
export interface Wire {
  readonly pool: MessagePool;
  connect(kind: number, from: number, to: number, endpoint: unknown): Connection | null;
  send(connection: Connection, fromInitiator: boolean, message: Message): void;
  close(connection: Connection, byInitiator: boolean): void;
  /** A partition cuts `from` -> `to` now. */
  partitioned(from: number, to: number): boolean;
}
