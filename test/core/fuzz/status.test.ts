/** The status line and summary: the figures a person watching a long run reads. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { FuzzSnapshot, FuzzSummary } from '../../../core/fuzz/loop.ts';
import { StatusLine, formatCount, formatElapsed, formatStatusLine, formatSummary } from '../../../core/fuzz/status.ts';

const snapshot: FuzzSnapshot = {
  firstSeed: 1,
  runs: 120,
  steps: 24_000_000,
  simTimeMs: 3_600_000,
  elapsedMs: 60_000,
  runWallMs: 110_000,
  inFlight: 2,
  resumeSeed: 121,
  tallies: [
    {
      fingerprint: 'views-agree/a',
      invariant: 'views-agree',
      status: 'new',
      count: 3,
      firstSeed: 4,
      seeds: [4, 9, 30],
      crashFile: 'crashes/crash-aaa-4.json',
      known: null,
    },
    {
      fingerprint: 'failover-bound/b',
      invariant: 'failover-bound',
      status: 'known',
      count: 7,
      firstSeed: 2,
      seeds: [2],
      crashFile: null,
      known: { reason: 'valkey 8.0.1 rule', upstream: 'valkey-io/valkey#9', fixedIn: '8.1.0' },
    },
  ],
  errors: [],
  inconclusive: 0,
};

function tally(fingerprint: string, count: number): FuzzSnapshot['tallies'][number] {
  return {
    fingerprint,
    invariant: 'views-agree',
    status: 'new',
    count,
    firstSeed: 1,
    seeds: [1],
    crashFile: null,
    known: null,
  };
}

describe('fuzz status', () => {
  it('formats counts and times', () => {
    expect(formatElapsed(65_000)).toBe('1:05');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
    expect(formatCount(950)).toBe('950');
    expect(formatCount(12_345)).toBe('12.3k');
    expect(formatCount(4_560_000)).toBe('4.56M');
  });

  it('shows runs, rates, compression, findings by fingerprint and elapsed time', () => {
    expect(formatStatusLine(snapshot)).toBe(
      '[1:00] runs 120 (2.0/s), 400k steps/s, sim time x60 | findings 1 new (3), 1 known (7): failover-bound/b x7, views-agree/a x3',
    );
  });

  it('names the 3 commonest fingerprints and counts the rest, so a plain log line stays short', () => {
    const many = {
      ...snapshot,
      tallies: [tally('a/x', 5), tally('b/x', 9), tally('c/x', 1), tally('d/x', 7), tally('e/x', 2)],
    };
    expect(formatStatusLine(many)).toMatch(/: b\/x x9, d\/x x7, a\/x x5, 2 more$/);
    const manyMore = {
      ...snapshot,
      tallies: Array.from({ length: 60 }, (_, index) =>
        tally(`views-agree/shape-${index}-${'z'.repeat(40)}`, index + 1),
      ),
    };
    expect(formatStatusLine(manyMore).length).toBeLessThan(400);
    expect(formatStatusLine(manyMore)).toMatch(/, 57 more$/);
  });

  it('counts inconclusive runs apart, in the status line and the summary', () => {
    const cut = { ...snapshot, inconclusive: 4 };
    expect(formatStatusLine(cut)).toContain('| inconclusive 4');
    expect(formatStatusLine(snapshot)).not.toContain('inconclusive');
    const text = formatSummary({ ...cut, stopReason: 'runs', fatal: null, newCount: 1 }, (file) => file).join('\n');
    expect(text).toContain(
      'INCONCLUSIVE 4 runs: MAX_STEPS ended them before they could pass or fail (raise --max-steps)',
    );
  });

  it('redraws in place on a terminal, prints a plain line per period otherwise', () => {
    const tty = Object.assign(new PassThrough(), { columns: 200 });
    const line = new StatusLine(tty, true);
    line.update(snapshot);
    line.print(['NEW x']);
    expect(tty.read().toString()).toBe(`\r\x1b[K${formatStatusLine(snapshot)}\r\x1b[KNEW x\n`);
    // A narrow terminal gets the line cut to its width, so it never wraps.
    const narrow = Object.assign(new PassThrough(), { columns: 40 });
    new StatusLine(narrow, true).update(snapshot);
    expect(narrow.read().toString()).toBe(`\r\x1b[K${formatStatusLine(snapshot).slice(0, 36)}...`);
    const plain = new PassThrough();
    const plainLine = new StatusLine(plain, false, 10_000);
    plainLine.update(snapshot);
    plainLine.update({ ...snapshot, elapsedMs: 65_000 });
    plainLine.update({ ...snapshot, elapsedMs: 70_000 });
    expect(
      plain
        .read()
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l: string) => l.slice(0, 6)),
    ).toEqual(['[1:00]', '[1:10]']);
  });

  it('the summary lists each fingerprint with its replay command or reason, and where to resume', () => {
    const summary: FuzzSummary = { ...snapshot, stopReason: 'signal', fatal: null, newCount: 1 };
    const text = formatSummary(summary, (file) => `npx busfuzz reproduce ${file}`).join('\n');
    expect(text).toContain('fuzz stopped (interrupted) after 1:00: 120 runs from seed 1');
    expect(text).toContain('NEW      views-agree/a x3 (seeds 4, 9, 30)');
    expect(text).toContain('npx busfuzz reproduce crashes/crash-aaa-4.json');
    expect(text).toContain('KNOWN failover-bound/b: valkey-io/valkey#9 (fixed in 8.1.0) x7 (seeds 2, ...)');
    expect(text).toContain('valkey 8.0.1 rule');
    expect(text).toContain('--seed 121');
  });
});
