/**
 * How a process reads after SIGCONT (the resume/drain machine of sim/network.ts): data sent to a
 * stopped process waits in its socket buffers; when it resumes it reads them a socket at a time in
 * the order they became readable, each until empty (the event loop's file events,
 * clusterReadHandler's read loop), then the host hears `resumeDrained`. Connections its kernel
 * accepted while it was stopped are not registered with the event loop yet: they are read a loop
 * pass later (`readAccepted`). Paused again mid-way, what is left waits for the next resume.
 */
import type { Direction } from './connection.ts';

/** What the drain asks of the network that owns the directions. */
export interface DrainNetwork {
  /** The direction's head has arrived and nothing keeps it from being read now. */
  readableNow(direction: Direction): boolean;
  scheduleHead(direction: Direction): void;
  /** Reschedules a direction whose head was held back, if nothing holds it any more. */
  kick(direction: Direction): void;
  resumeDrained(processIndex: number, messagesRead: number, acceptedWaiting: number): void;
}

export class ResumeDrain {
  /** Per process, directions whose head waits for it to resume. */
  private readonly waitingFor: Direction[][];
  /** Per process, the sockets still to read after a resume, the one being read first (or null). */
  private readonly drainQueue: Array<Direction[] | null>;
  /** Per process, messages read so far by the resume under way (what that loop pass costs). */
  private readonly drainReads: Int32Array;

  constructor(
    capacity: number,
    private readonly network: DrainNetwork,
  ) {
    this.waitingFor = Array.from({ length: capacity }, () => []);
    this.drainQueue = new Array<Direction[] | null>(capacity).fill(null);
    this.drainReads = new Int32Array(capacity);
  }

  /** The direction's head reached a stopped receiver: it waits for the resume. */
  wait(direction: Direction): void {
    direction.waiting = true;
    this.waitingForProcess(direction.to).push(direction);
    if (direction.draining) this.interrupted(direction.to);
  }

  /** The direction was emptied (a side closed): it waits for nothing any more. */
  unwait(direction: Direction): void {
    if (!direction.waiting) return;
    direction.waiting = false;
    const waiting = this.waitingForProcess(direction.to);
    const index = waiting.indexOf(direction);
    if (index >= 0) waiting.splice(index, 1);
  }

  /** One message read by the resume under way at `processIndex`. */
  countRead(processIndex: number): void {
    this.drainReads[processIndex] = (this.drainReads[processIndex] ?? 0) + 1;
  }

  /** The process died: nothing waits for it and its resume (if any) stops. */
  processDown(processIndex: number): void {
    this.waitingForProcess(processIndex).length = 0;
    const draining = this.drainQueue[processIndex];
    if (draining !== null && draining !== undefined) for (const direction of draining) direction.draining = false;
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
    for (const direction of this.waitingForProcess(processIndex)) {
      (direction.towardInitiator || direction.connection.acceptedByProcess ? registered : accepted).push(direction);
    }
    for (const direction of registered) direction.waiting = false;
    this.waitingFor[processIndex] = accepted;
    this.start(processIndex, registered);
  }

  /**
   * The resumed process's next loop pass: it has accept()ed the connections its kernel took while
   * it was stopped, and reads them now, in the order they became readable.
   */
  readAccepted(processIndex: number): void {
    const accepted = this.waitingForProcess(processIndex);
    this.waitingFor[processIndex] = [];
    for (const direction of accepted) {
      direction.waiting = false;
      direction.connection.acceptedByProcess = true;
    }
    this.start(processIndex, accepted);
  }

  /** The socket being read after a resume is empty (or cannot be read now): on to the next. */
  drained(direction: Direction): void {
    direction.draining = false;
    this.network.kick(direction);
    const queue = this.drainQueue[direction.to];
    if (queue === null || queue === undefined || queue[0] !== direction) return;
    queue.shift();
    this.next(direction.to);
  }

  private waitingForProcess(processIndex: number): Direction[] {
    const waiting = this.waitingFor[processIndex];
    if (waiting === undefined) throw new RangeError(`ResumeDrain: no process ${processIndex}`);
    return waiting;
  }

  private start(processIndex: number, sockets: Direction[]): void {
    this.drainReads[processIndex] = 0;
    this.drainQueue[processIndex] = sockets;
    this.next(processIndex);
  }

  /** Starts reading the next socket of a resume, or tells the host the resume has read all. */
  private next(processIndex: number): void {
    const queue = this.drainQueue[processIndex];
    if (queue === null || queue === undefined) return;
    for (let direction = queue[0]; direction !== undefined; direction = queue[0]) {
      if (this.network.readableNow(direction)) {
        direction.draining = true;
        this.network.scheduleHead(direction);
        return;
      }
      queue.shift();
      this.network.kick(direction);
    }
    this.drainQueue[processIndex] = null;
    this.network.resumeDrained(
      processIndex,
      this.drainReads[processIndex] ?? 0,
      this.waitingForProcess(processIndex).length,
    );
  }

  /** Paused again before a resume read everything: what is left waits for the next resume. */
  private interrupted(processIndex: number): void {
    const queue = this.drainQueue[processIndex] ?? [];
    this.drainQueue[processIndex] = null;
    for (const direction of queue) {
      direction.draining = false;
      if (direction.waiting || direction.head === null) continue;
      direction.waiting = true;
      this.waitingForProcess(processIndex).push(direction);
    }
  }
}
