/**
 * The event queue: ordered by time, ties in scheduling order, cancellation by handle (a stale
 * handle never cancels a reused slot), and growth past its first capacity.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../sim/scheduler.ts';
import { FC_SEED, fcParams } from '../fc-config.ts';

function drain(scheduler: Scheduler): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  while (scheduler.pop()) out.push([scheduler.nowMs, scheduler.arg]);
  return out;
}

describe(`scheduler (FC_SEED=${FC_SEED})`, () => {
  it('pops events by time, and events at the same time in the order they were scheduled', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (times) => {
        const scheduler = new Scheduler(4);
        times.forEach((atMs, index) => {
          scheduler.schedule(atMs, 1, index, null);
        });
        const expected = times
          .map((atMs, index) => [atMs, index] as [number, number])
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(drain(scheduler)).toEqual(expected);
      }),
      fcParams(50),
    );
  });

  it('a cancelled event never runs; cancelling an event that already ran, or whose slot was reused, does nothing', () => {
    const scheduler = new Scheduler(2);
    const a = scheduler.schedule(10, 1, 1, null);
    scheduler.schedule(20, 1, 2, null);
    scheduler.cancel(a);
    expect(scheduler.pop()).toBe(true);
    expect(scheduler.arg).toBe(2);
    const b = scheduler.schedule(30, 1, 3, null);
    expect(scheduler.pop()).toBe(true);
    scheduler.schedule(40, 1, 4, null); // reuses b's slot
    scheduler.cancel(b);
    scheduler.cancel(a);
    expect(drain(scheduler)).toEqual([[40, 4]]);
  });

  it('refuses an event in the past', () => {
    const scheduler = new Scheduler();
    scheduler.schedule(5, 1, 0, null);
    scheduler.pop();
    expect(() => scheduler.schedule(4, 1, 0, null)).toThrow(/before now/);
  });
});
