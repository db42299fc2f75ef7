/**
 * Keeps a fuzz run's stats file (stats-file.ts) up to date: it follows the loop's settled seeds
 * (FuzzLoopOptions.onSettled, in schedule order) and rewrites the file every few seconds and at
 * the end.
 *
 * The file counts exactly the seeds below its checkpoint, nothing else. The loop settles seeds in
 * order, but once one is unfinished (cancelled, aborted, or stopped by an environment failure) the
 * checkpoint stays there, and the seeds after it that did finish are left out of the file: a
 * restarted shard runs them again, so counting them now would count them twice. A finding is kept
 * with every seed that found it (the loop keeps only the first few), so `busfuzz merge` can list them.
 *
 * A restarted shard starts from its old file (`resumeFrom`): its counts, findings and elapsed wall
 * time go on from there, and the loop starts at the checkpoint.
 */
import { isProcessAlive } from '../atomic-file.ts';
import { readdir, rm } from 'node:fs/promises';
import { relative } from 'node:path';
import type { BackendName } from '../backend.ts';
import { TOOL_VERSION } from '../crash/format.ts';
import type { KnownFingerprints } from './known.ts';
import type { FingerprintTally } from './loop.ts';
import type { FuzzShard } from './schedule.ts';
import type { SeedOutcome } from './seed-run.ts';
import { FeatureTally } from './guided/feature-tally.ts';
import {
  STATS_FILE_NAME,
  STATS_FORMAT,
  writeStatsFile,
  type StatsFile,
  type StatsFinding,
  type StatsPoint,
  type StatsState,
} from './stats-file.ts';

/** How often the file is rewritten while the run goes on. */
export const STATS_INTERVAL_MS = 5000;
/** Series points kept; past this every other point is dropped (the curve keeps its shape). */
const SERIES_CAP = 2000;

export interface CampaignInfo {
  dir: string;
  backend: BackendName;
  seedStart: number;
  runsLimit: number | null;
  maxSteps: number;
  shard: FuzzShard;
  workers: number;
  known: KnownFingerprints;
  /** The first seed this run takes (the shard's first, or the checkpoint it resumes from). */
  firstSeed: number;
}

export class CampaignStats {
  private readonly stats: StatsFile;
  private readonly findings = new Map<string, StatsFinding>();
  /** Wall ms of earlier lives of this shard (a restart goes on from there). */
  private readonly priorWallMs: number;
  private readonly startedAtMs: number;
  /** Set at the first unfinished seed: the file counts nothing after it. */
  private frozen = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private writeError: Error | null = null;
  /** Distinct features of the runs counted (guided and plain campaigns alike). */
  private readonly features = new FeatureTally();

  constructor(
    private readonly info: CampaignInfo,
    resumeFrom: StatsFile | null,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAtMs = now();
    const iso = new Date().toISOString();
    this.priorWallMs = resumeFrom?.wall_ms ?? 0;
    this.stats = {
      format: STATS_FORMAT,
      tool_version: TOOL_VERSION,
      backend: info.backend,
      protocol: resumeFrom?.protocol ?? 'valkey-8.0',
      started_at: resumeFrom?.started_at ?? iso,
      updated_at: iso,
      seed_start: info.seedStart,
      runs_limit: info.runsLimit,
      max_steps: info.maxSteps,
      shard: { index: info.shard.index, count: info.shard.count },
      workers: info.workers,
      runs: resumeFrom?.runs ?? 0,
      steps: resumeFrom?.steps ?? 0,
      wall_ms: this.priorWallMs,
      inconclusive: resumeFrom?.inconclusive ?? 0,
      errors: resumeFrom?.errors ?? 0,
      checkpoint: { next_seed: info.firstSeed },
      state: 'running',
      findings: [],
      series: resumeFrom?.series.map((point) => ({ ...point })) ?? [],
    };
    for (const finding of resumeFrom?.findings ?? [])
      this.findings.set(finding.fingerprint, { ...finding, seeds: [...finding.seeds] });
  }

  /** A guided campaign (fuzz --guided) says so in its file. */
  markGuided(): void {
    this.stats.guided = true;
  }

  /** The loop's onSettled: counts a seed that finished, or freezes at the first one that did not. */
  settled(seed: number, outcome: SeedOutcome | null): void {
    if (this.frozen) return;
    const result = outcome?.result ?? null;
    if (outcome === null || result?.verdict === 'aborted' || outcome.error?.kind === 'environment') {
      this.frozen = true;
      return;
    }
    this.stats.checkpoint.next_seed = seed + this.info.shard.count;
    if (result === null) {
      this.stats.errors++;
      return;
    }
    this.stats.runs++;
    this.stats.steps += result.steps;
    if (result.features !== undefined) this.stats.features = this.features.add(result.features);
    // The interface page's verdicts include `inconclusive` (MAX_STEPS before the checks ran); count it when a backend reports it.
    if ((result.verdict as string) === 'inconclusive') this.stats.inconclusive++;
    if (outcome.scenario !== null) this.stats.protocol = outcome.scenario.protocol;
    const violation = result.violation;
    if (violation === null) return;
    const existing = this.findings.get(violation.fingerprint);
    if (existing !== undefined) {
      existing.count++;
      existing.seeds.push(seed);
      return;
    }
    const known = this.info.known.get(violation.fingerprint) ?? null;
    this.findings.set(violation.fingerprint, {
      fingerprint: violation.fingerprint,
      status: known === null ? 'new' : 'known',
      count: 1,
      first_seed: seed,
      first_found_ms: Math.round(this.wallMs()),
      seeds: [seed],
      crash_file: null,
      known_reason: known?.reason ?? null,
      upstream: known?.upstream ?? null,
    });
  }

  /** Starts the periodic rewrite (and writes the first file at once). */
  start(tallies: () => FingerprintTally[]): void {
    this.timer = setInterval(() => this.flush('running', tallies()), STATS_INTERVAL_MS);
    this.timer.unref();
    this.flush('running', tallies());
  }

  /** Stops the rewrites and writes the final file. Throws if any write failed. */
  async finish(state: StatsState, tallies: FingerprintTally[]): Promise<StatsFile> {
    clearInterval(this.timer);
    this.flush(state, tallies);
    await this.writing;
    if (this.writeError !== null) throw this.writeError;
    return this.stats;
  }

  /** The file as it would be written now. */
  snapshot(state: StatsState, tallies: FingerprintTally[]): StatsFile {
    // A finding's crash file is the one the loop wrote (or found already there) for its fingerprint.
    for (const tally of tallies) {
      const finding = this.findings.get(tally.fingerprint);
      if (
        finding !== undefined &&
        finding.crash_file === null &&
        tally.crashFile !== null &&
        finding.status !== 'known'
      ) {
        finding.crash_file = relative(this.info.dir, tally.crashFile);
      }
    }
    const findings = [...this.findings.values()];
    this.stats.wall_ms = Math.round(this.wallMs());
    this.stats.updated_at = new Date().toISOString();
    this.stats.state = state;
    this.stats.findings = findings.map((finding) => ({ ...finding, seeds: [...finding.seeds] }));
    // A copy: the write is asynchronous, and the counts go on changing meanwhile.
    return {
      ...this.stats,
      shard: { ...this.stats.shard },
      checkpoint: { ...this.stats.checkpoint },
      series: [...this.stats.series],
    };
  }

  private flush(state: StatsState, tallies: FingerprintTally[]): void {
    const file = this.snapshot(state, tallies);
    const point: StatsPoint = {
      t_ms: file.wall_ms,
      runs: file.runs,
      steps: file.steps,
      findings: file.findings.length,
      new: file.findings.filter((finding) => finding.status === 'new').length,
      ...(file.features === undefined ? {} : { features: file.features }),
    };
    this.stats.series.push(point);
    if (this.stats.series.length > SERIES_CAP)
      this.stats.series = this.stats.series.filter((_, index) => index % 2 === 1);
    file.series = [...this.stats.series];
    // Writes go one after another, so an older file never lands over a newer one.
    this.writing = this.writing
      .then(() => writeStatsFile(this.info.dir, file))
      .catch((error: Error) => {
        this.writeError ??= error;
      });
  }

  private wallMs(): number {
    return this.priorWallMs + (this.now() - this.startedAtMs);
  }
}

/** Removes stats temp files left in `dir` by a writer killed mid-write. */
export async function removeStaleStatsTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const pattern = new RegExp(`^\\.${STATS_FILE_NAME.replace('.', '\\.')}\\.(\\d+)\\.\\d+\\.tmp$`);
  for (const name of names) {
    const match = pattern.exec(name);
    if (match !== null && !isProcessAlive(Number(match[1]))) await rm(`${dir}/${name}`, { force: true });
  }
}
