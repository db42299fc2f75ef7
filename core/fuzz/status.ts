/**
 * The fuzz loop's progress on stderr: one live line redrawn in place on a terminal, plain lines at
 * a slower period otherwise (a log file or CI). It shows runs done, runs and steps per second,
 * simulated-time compression, findings by fingerprint and elapsed time; and the final summary.
 */
import { knownLine } from './known.ts';
import type { FingerprintTally, FuzzSnapshot, FuzzSummary } from './loop.ts';

/** `1:02:03`, `4:05` */
export function formatElapsed(ms: number): string {
  const totalSec = Math.floor(ms / 1000);
  const hours = Math.floor(totalSec / 3600);
  const minutes = Math.floor((totalSec % 3600) / 60);
  const seconds = totalSec % 60;
  const mmss = `${String(minutes).padStart(hours > 0 ? 2 : 1, '0')}:${String(seconds).padStart(2, '0')}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** 950, 12.3k, 400k, 4.56M: three significant digits at most. */
export function formatCount(value: number): string {
  const scaled = (divisor: number, unit: string) => {
    const x = value / divisor;
    return `${x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0)}${unit}`;
  };
  if (value < 1000) return String(Math.round(value));
  if (value < 1_000_000) return scaled(1000, 'k');
  if (value < 1_000_000_000) return scaled(1_000_000, 'M');
  return scaled(1_000_000_000, 'G');
}

export interface Rates {
  runsPerSec: number;
  stepsPerSec: number;
  /** Simulated ms per wall ms, over all workers together. */
  compression: number;
}

export function ratesOf(snapshot: FuzzSnapshot): Rates {
  const sec = Math.max(snapshot.elapsedMs, 1) / 1000;
  return {
    runsPerSec: snapshot.runs / sec,
    stepsPerSec: snapshot.steps / sec,
    compression: snapshot.simTimeMs / Math.max(snapshot.elapsedMs, 1),
  };
}

/** `3 new (5), 1 known (2)`: distinct fingerprints by status, with hits in brackets. */
function findingCounts(tallies: FingerprintTally[]): string {
  if (tallies.length === 0) return 'none';
  const parts: string[] = [];
  for (const status of ['new', 'recorded', 'known'] as const) {
    const group = tallies.filter((tally) => tally.status === status);
    if (group.length === 0) continue;
    const hits = group.reduce((sum, tally) => sum + tally.count, 0);
    parts.push(`${group.length} ${status} (${hits})`);
  }
  return parts.join(', ');
}

/** How many fingerprints the status line names. */
export const STATUS_FINGERPRINTS = 3;

/** The status line, e.g. `[2:05] runs 412 (3.3/s) 1.21M steps/s x380 sim | findings 2 new (5): ...`. */
export function formatStatusLine(snapshot: FuzzSnapshot): string {
  const rates = ratesOf(snapshot);
  const head =
    `[${formatElapsed(snapshot.elapsedMs)}] runs ${snapshot.runs} (${rates.runsPerSec.toFixed(1)}/s), ` +
    `${formatCount(rates.stepsPerSec)} steps/s, sim time x${formatCount(rates.compression)}`;
  const sorted = [...snapshot.tallies].sort((a, b) => b.count - a.count || (a.fingerprint < b.fingerprint ? -1 : 1));
  // The commonest few only: a long campaign's dozens of fingerprints made a line of kilobytes in
  // a log file (the summary lists them all).
  const rest = sorted.length - STATUS_FINGERPRINTS;
  const byFingerprint = [
    ...sorted.slice(0, STATUS_FINGERPRINTS).map((tally) => `${tally.fingerprint} x${tally.count}`),
    ...(rest > 0 ? [`${rest} more`] : []),
  ].join(', ');
  const errors =
    snapshot.errors.length === 0 ? '' : ` | errors ${snapshot.errors.reduce((sum, e) => sum + e.count, 0)}`;
  const inconclusive = snapshot.inconclusive === 0 ? '' : ` | inconclusive ${snapshot.inconclusive}`;
  return `${head} | findings ${findingCounts(snapshot.tallies)}${byFingerprint === '' ? '' : `: ${byFingerprint}`}${inconclusive}${errors}`;
}

/** Draws the status line: in place on a terminal, as periodic plain lines otherwise. */
export class StatusLine {
  private shown = false;
  private lastPlainAtMs = -Infinity;

  constructor(
    private readonly out: NodeJS.WritableStream & { columns?: number },
    private readonly isTty: boolean,
    /** Plain mode: at most one line per this period. @defaultValue 5000 */
    private readonly plainPeriodMs = 5_000,
  ) {}

  /** Called on every tick (about once a second). */
  update(snapshot: FuzzSnapshot): void {
    const line = formatStatusLine(snapshot);
    if (this.isTty) {
      // A terminal that reports no size (0) gets a common width.
      const width = Math.max((this.out.columns || 120) - 1, 20);
      this.out.write(`\r\x1b[K${line.length > width ? `${line.slice(0, width - 3)}...` : line}`);
      this.shown = true;
      return;
    }
    if (snapshot.elapsedMs - this.lastPlainAtMs < this.plainPeriodMs) return;
    this.lastPlainAtMs = snapshot.elapsedMs;
    this.out.write(`${line}\n`);
  }

  /** Writes whole lines (a finding, an error) without mangling the live line. */
  print(lines: string[]): void {
    this.clear();
    for (const line of lines) this.out.write(`${line}\n`);
  }

  /** Removes the live line (before the summary, or before exiting). */
  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}

/** The end-of-run summary: what ran, how fast, and every fingerprint with its file or reason. */
/** `protocol`: the profile the campaign ran under, shown per fingerprint ("seen under valkey-8.1"). */
export function formatSummary(
  summary: FuzzSummary,
  replayCommand: (file: string) => string,
  protocol?: string,
): string[] {
  const under = protocol === undefined ? '' : `, under ${protocol}`;
  const rates = ratesOf(summary);
  const lines = [
    `fuzz stopped (${describeStop(summary)}) after ${formatElapsed(summary.elapsedMs)}: ` +
      `${summary.runs} runs from seed ${summary.firstSeed}, ` +
      `${summary.steps.toLocaleString('en-US')} steps, ${rates.runsPerSec.toFixed(2)} runs/s, ` +
      `${formatCount(rates.stepsPerSec)} steps/s, sim time x${formatCount(rates.compression)}`,
  ];
  if (summary.stopReason !== 'runs') lines.push(`  to continue where this run stopped: --seed ${summary.resumeSeed}`);
  if (summary.inconclusive > 0) {
    lines.push(
      `  INCONCLUSIVE ${summary.inconclusive} run${summary.inconclusive === 1 ? '' : 's'}: MAX_STEPS ended them before they could pass or fail (raise --max-steps)`,
    );
  }
  if (summary.tallies.length === 0) lines.push('  no violations found');
  for (const tally of summary.tallies) {
    const seeds = `seed${tally.count > 1 ? 's' : ''} ${tally.seeds.join(', ')}${tally.count > tally.seeds.length ? ', ...' : ''}`;
    if (tally.known !== null) {
      lines.push(`  ${knownLine(tally.fingerprint, tally.known)} x${tally.count} (${seeds}${under})`);
      lines.push(`           ${tally.known.reason}`);
      continue;
    }
    lines.push(`  ${tally.status.toUpperCase().padEnd(8)} ${tally.fingerprint} x${tally.count} (${seeds}${under})`);
    if (tally.crashFile !== null) lines.push(`           ${replayCommand(tally.crashFile)}`);
  }
  for (const error of summary.errors) {
    lines.push(
      `  ERROR    ${error.error.kind} x${error.count} (first seed ${error.firstSeed}): ${error.error.message.split('\n')[0]}`,
    );
  }
  return lines;
}

function describeStop(summary: FuzzSummary): string {
  switch (summary.stopReason) {
    case 'runs':
      return 'all runs done';
    case 'time-limit':
      return 'time limit';
    case 'signal':
      return 'interrupted';
    case 'error':
      return `error: ${summary.fatal?.message.split('\n')[0] ?? 'unknown'}`;
  }
}
