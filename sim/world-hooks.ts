/**
 * Who the world talks to: the runner hears its observed events and timers (WorldObserver), the
 * client workload its timer and acks (WorldWorkload). Objects with methods rather than callback
 * fields: a closure made per run is a new function to V8, optimised again in every run.
 */
import type { ObservedEvent } from '../core/events.ts';

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

export const NO_OBSERVER: WorldObserver = new NoObserver();
export const NO_WORKLOAD: WorldWorkload = new NoWorkload();
