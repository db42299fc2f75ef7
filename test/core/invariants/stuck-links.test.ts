import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../../core/events.ts';
import { linkCtimeAhead } from '../../../core/invariants/stuck-links.ts';
import { clockEvent } from './builders.ts';

const HOUR_MS = 3_600_000;

const clock = clockEvent;

function fault(action: string, atMs: number, nodes: string[]): ObservedEvent {
  return { kind: 'fault', atMs, action, nodes, detail: '' };
}

describe('linkCtimeAhead', () => {
  const back = clock('node-4', 25_860, -HOUR_MS, -HOUR_MS);

  it('holds while the clock reads earlier than at every moment between the last link reset and the jump back', () => {
    expect(linkCtimeAhead([back], 'node-4', 'node-6', 103_660)).toBe(true);
    // A network fault naming every node leaves the connections alone.
    expect(linkCtimeAhead([fault('drop', 1000, ['node-4', 'node-6']), back], 'node-4', 'node-6', 103_660)).toBe(true);
    // A later forward jump that does not catch up (seed 106990's node-6: -1 h, then +1300 ms).
    const node6 = [clock('node-6', 16_160, -HOUR_MS, -HOUR_MS), clock('node-6', 22_460, -HOUR_MS + 1300, 1300)];
    expect(linkCtimeAhead(node6, 'node-6', 'node-4', 103_660)).toBe(true);
  });

  it('does not hold once the clock has caught up, for a small jump, or without a jump back', () => {
    expect(linkCtimeAhead([back], 'node-4', 'node-6', HOUR_MS + 30_000)).toBe(false);
    // 3 s back at 25.86 s: 40 s later it reads past every link made before the jump.
    expect(linkCtimeAhead([clock('node-4', 25_860, -3000, -3000)], 'node-4', 'node-6', 65_860)).toBe(false);
    expect(linkCtimeAhead([clock('node-4', 25_860, 5000, 5000)], 'node-4', 'node-6', 30_000)).toBe(false);
    expect(linkCtimeAhead([], 'node-4', 'node-6', 30_000)).toBe(false);
    // Another node's clock.
    expect(linkCtimeAhead([back], 'node-6', 'node-4', 103_660)).toBe(false);
  });

  it('does not hold when the link may have been made after the jump', () => {
    // Links killed, the peer restarted, or the node itself restarted after the jump: a new link
    // takes its ctime from the set-back clock and the watchdog can free it.
    expect(linkCtimeAhead([back, fault('kill_links', 30_000, ['node-6'])], 'node-4', 'node-6', 103_660)).toBe(false);
    const restart: ObservedEvent[] = [
      { kind: 'node-down', atMs: 30_000, node: 'node-6', cause: 'kill', wasPrimary: false, eligibleReplicas: [] },
      { kind: 'node-up', atMs: 31_000, node: 'node-6' },
    ];
    expect(linkCtimeAhead([back, ...restart], 'node-4', 'node-6', 103_660)).toBe(false);
    // A pause keeps the connections.
    const pause: ObservedEvent[] = [
      { kind: 'node-down', atMs: 30_000, node: 'node-6', cause: 'pause', wasPrimary: false, eligibleReplicas: [] },
      { kind: 'node-up', atMs: 31_000, node: 'node-6' },
    ];
    expect(linkCtimeAhead([back, ...pause], 'node-4', 'node-6', 103_660)).toBe(true);
    // A reset before the jump is fine: the link it made is still older than the jump.
    expect(linkCtimeAhead([fault('kill_links', 20_000, ['node-6']), back], 'node-4', 'node-6', 103_660)).toBe(true);
  });

  it('holds after an earlier jump back of an hour that a later small jump back follows (seed 232319)', () => {
    // node-6: back 2.9 s, forward 2.6 s, back an hour at 20.36 s, back 600 ms more at 47.52 s. A
    // link made before 20.36 s has a ctime of 0 or later and every reading since lies an hour
    // earlier, so the watchdog never freed it; judging by the last jump alone cannot see that.
    const node6 = [
      clock('node-6', 7202, -2900, -2900),
      clock('node-6', 13_335, -300, 2600),
      clock('node-6', 20_359, -3_600_300, -HOUR_MS),
      clock('node-6', 47_520, -3_600_900, -600),
    ];
    expect(linkCtimeAhead(node6, 'node-6', 'node-4', 84_620)).toBe(true);
    // The same, but the clock caught up (forward an hour) between the two jumps back: the old link
    // could be freed and a new one made at a reading the last jump back has passed since.
    const caughtUp = [...node6.slice(0, 3), clock('node-6', 30_000, 0, 3_600_300), clock('node-6', 47_520, -600, -600)];
    expect(linkCtimeAhead(caughtUp, 'node-6', 'node-4', 84_620)).toBe(false);
  });

  it('does not judge a clock still drifting', () => {
    const drifting = clock('node-4', 25_860, -HOUR_MS, -HOUR_MS, 200_000);
    expect(linkCtimeAhead([drifting], 'node-4', 'node-6', 103_660)).toBe(false);
  });

  it('counts the lowest reading between the reset and the jump, not the reading at the reset', () => {
    // Links killed at 21 s (reading 21 s), back 10 s at 22 s (reading 12 s), forward 60 s at 23 s,
    // back 60 s at 30 s: at 30.5 s the clock reads 20.5 s, earlier than at the kill but later than
    // 12.5 s, where a link made just after the first jump back would have its ctime.
    const events = [
      fault('kill_links', 21_000, ['node-4']),
      clock('node-4', 22_000, -10_000, -10_000),
      clock('node-4', 23_000, 50_000, 60_000),
      clock('node-4', 30_000, -10_000, -60_000),
    ];
    expect(linkCtimeAhead(events, 'node-4', 'node-6', 30_500)).toBe(false);
    // Set back far enough to read earlier than 12 s: every link made since the kill is ahead.
    const further = [...events.slice(0, 3), clock('node-4', 30_000, -20_000, -70_000)];
    expect(linkCtimeAhead(further, 'node-4', 'node-6', 30_500)).toBe(true);
  });
});
