/**
 * The kinds of event on the world's queue (sim/scheduler.ts), and the small codes observed events
 * carry in the trace hash.
 */
import type { ObservedEvent } from '../core/events.ts';

export const EV_CRON = 1;
export const EV_DELIVER = 2;
export const EV_START = 3;
export const EV_RUNNER = 4;
export const EV_WORKLOAD = 5;
export const EV_NOOP = 6;
/** A callback at a simulated time (`after`): the steps of a multi-step admin action. */
export const EV_TASK = 7;

/** Observed-event kinds as small codes for the trace hash. */
export const EVENT_CODES: Record<ObservedEvent['kind'], number> = {
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
