/**
 * `fuzz --report DIR`: the campaign page from what the fuzz loop itself saw (its snapshots every
 * second give the series, its tallies the findings), for a crash folder without a stats file. When
 * the folder has a fuzzer_stats.json, that file is the better source and wins.
 */
import { basename } from 'node:path';
import type { FuzzSnapshot, FuzzSummary } from '../fuzz/loop.ts';
import type { CampaignDoc, SeriesPoint } from './campaign.ts';

/** Points kept; past it every other one goes (as the stats file thins its series). */
const MAX_POINTS = 2000;

export class CampaignSeries {
  readonly points: SeriesPoint[] = [];
  /** When each fingerprint was first seen, ms into the campaign. */
  readonly firstFoundMs = new Map<string, number>();

  sample(snapshot: FuzzSnapshot): void {
    for (const tally of snapshot.tallies)
      if (!this.firstFoundMs.has(tally.fingerprint)) this.firstFoundMs.set(tally.fingerprint, snapshot.elapsedMs);
    this.points.push({
      t_ms: Math.round(snapshot.elapsedMs),
      runs: snapshot.runs,
      steps: snapshot.steps,
      findings: snapshot.tallies.length,
      new: snapshot.tallies.filter((tally) => tally.status === 'new').length,
    });
    if (this.points.length > MAX_POINTS) {
      const kept = this.points.filter((_, i) => i % 2 === 1 || i === this.points.length - 1);
      this.points.length = 0;
      this.points.push(...kept);
    }
  }
}

export function campaignFromLoop(
  summary: FuzzSummary,
  series: CampaignSeries,
  options: { crashDir: string; backend: string; workers: number; startedAt: Date },
): CampaignDoc {
  series.sample(summary);
  return {
    source: 'fuzz-loop',
    dir: options.crashDir,
    backend: options.backend,
    state:
      summary.stopReason === 'time-limit' ? 'time-limit' : summary.stopReason === 'signal' ? 'interrupted' : 'done',
    startedAt: options.startedAt.toISOString(),
    updatedAt: new Date().toISOString(),
    runs: summary.runs,
    steps: summary.steps,
    wallMs: Math.round(summary.elapsedMs),
    workers: options.workers,
    inconclusive: null,
    series: series.points,
    findings: summary.tallies.map((tally) => ({
      fingerprint: tally.fingerprint,
      // 'recorded' (a crash file an earlier campaign left in the folder) is not a known issue: NEW.
      status: tally.status === 'known' ? 'known' : 'new',
      count: tally.count,
      firstSeed: tally.firstSeed,
      firstFoundMs: series.firstFoundMs.get(tally.fingerprint) ?? null,
      seeds: [...tally.seeds],
      crashFile: tally.crashFile === null ? null : basename(tally.crashFile),
      knownReason: tally.known?.reason ?? null,
      upstream: tally.known?.upstream ?? null,
      page: null,
    })),
    notes: [
      `no fuzzer_stats.json in ${options.crashDir}: this page comes from the fuzz loop that wrote it (sampled every second)`,
    ],
  };
}
