/**
 * The campaign stats file, `fuzzer_stats.json` in a fuzz run's crash folder (a shard's own folder
 * with --shard): what the run has done so far, its findings with every seed, and the checkpoint a
 * restarted shard resumes from. Format `busfuzz-stats/1`; `busfuzz merge` sums these files and the
 * campaign page reads them. This file holds the format, reading (with one-line errors naming the
 * file and field) and the atomic write (temp file, fsync, rename, folder fsync).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from '../atomic-file.ts';
import { InputError, type BackendName } from '../backend.ts';

export const STATS_FILE_NAME = 'fuzzer_stats.json';
export const STATS_FORMAT = 'busfuzz-stats/1';

export type StatsState = 'running' | 'done' | 'time-limit' | 'interrupted';
export type StatsFindingStatus = 'new' | 'known' | 'confirmed';

export interface StatsFinding {
  fingerprint: string;
  status: StatsFindingStatus;
  count: number;
  first_seed: number;
  /** Campaign wall ms (over every restart of the shard) when the first seed was tallied. */
  first_found_ms: number;
  /** Every seed that found it, in seed order. */
  seeds: number[];
  /** Relative to the stats file's folder; null for a known finding. */
  crash_file: string | null;
  known_reason: string | null;
  upstream: string | null;
}

export interface StatsPoint {
  t_ms: number;
  runs: number;
  steps: number;
  /** Distinct fingerprints so far. */
  findings: number;
  /** Of those, status new. */
  new: number;
  /** Distinct features reached so far (core/features.ts); absent when runs reported none. */
  features?: number;
}

export interface StatsFile {
  format: typeof STATS_FORMAT;
  tool_version: string;
  backend: BackendName;
  protocol: string;
  started_at: string;
  updated_at: string;
  seed_start: number;
  /** Seeds in the whole campaign (every shard together); null with --forever or a time limit alone. */
  runs_limit: number | null;
  max_steps: number;
  shard: { index: number; count: number };
  workers: number;
  runs: number;
  steps: number;
  wall_ms: number;
  inconclusive: number;
  /** Seeds whose run threw (a busfuzz bug, or a scenario a backend refused). */
  errors: number;
  /** Every seed of this shard below next_seed has finished and is counted above. */
  checkpoint: { next_seed: number };
  state: StatsState;
  findings: StatsFinding[];
  series: StatsPoint[];
  /** `fuzz --guided`: the campaign drew mutants from a corpus (core/fuzz/guided/). Absent: plain swarm. */
  guided?: boolean;
  /**
   * Distinct features the campaign's runs reached (this life of the shard: the map is not kept
   * across restarts); absent when its runs reported none.
   */
  features?: number;
}

/** Reads a stats file; null when there is none. Anything else wrong is an InputError (exit 2). */
export async function readStatsFile(path: string): Promise<StatsFile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InputError(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseStatsFile(text, path);
}

export function parseStatsFile(text: string, path: string): StatsFile {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path}: (json): ${(error as Error).message}`);
  }
  const fail = (field: string, reason: string): never => {
    throw new InputError(`${path}: ${field}: ${reason}`);
  };
  if (typeof root !== 'object' || root === null || Array.isArray(root)) fail('(file)', 'expected a JSON object');
  const stats = root as Record<string, unknown>;
  if (stats.format !== STATS_FORMAT)
    fail('format', `expected '${STATS_FORMAT}', found ${JSON.stringify(stats.format)}`);
  const whole = (value: unknown, field: string) => {
    if (!Number.isSafeInteger(value) || (value as number) < 0)
      fail(field, `expected a whole number >= 0, found ${JSON.stringify(value)}`);
  };
  for (const field of ['seed_start', 'max_steps', 'workers', 'runs', 'steps', 'wall_ms', 'inconclusive'])
    whole(stats[field], field);
  if (stats.runs_limit !== null) whole(stats.runs_limit, 'runs_limit');
  const shard = stats.shard as Record<string, unknown> | undefined;
  if (typeof shard !== 'object' || shard === null) fail('shard', 'expected {index, count}');
  whole(shard!.index, 'shard.index');
  whole(shard!.count, 'shard.count');
  const checkpoint = stats.checkpoint as Record<string, unknown> | undefined;
  if (typeof checkpoint !== 'object' || checkpoint === null) fail('checkpoint', 'expected {next_seed}');
  whole(checkpoint!.next_seed, 'checkpoint.next_seed');
  if (!['running', 'done', 'time-limit', 'interrupted'].includes(stats.state as string))
    fail('state', `expected running, done, time-limit or interrupted, found ${JSON.stringify(stats.state)}`);
  if (!Array.isArray(stats.findings)) fail('findings', 'expected a list');
  (stats.findings as unknown[]).forEach((finding, index) => {
    const at = `findings[${index}]`;
    if (typeof finding !== 'object' || finding === null) fail(at, 'expected an object');
    const entry = finding as Record<string, unknown>;
    if (typeof entry.fingerprint !== 'string') fail(`${at}.fingerprint`, 'expected a string');
    if (!['new', 'known', 'confirmed'].includes(entry.status as string))
      fail(`${at}.status`, `expected new, known or confirmed, found ${JSON.stringify(entry.status)}`);
    whole(entry.count, `${at}.count`);
    whole(entry.first_seed, `${at}.first_seed`);
    if (!Array.isArray(entry.seeds) || !entry.seeds.every((seed) => Number.isSafeInteger(seed)))
      fail(`${at}.seeds`, 'expected a list of seeds');
    if (entry.crash_file !== null && typeof entry.crash_file !== 'string')
      fail(`${at}.crash_file`, 'expected a file name or null');
  });
  if (stats.errors === undefined) stats.errors = 0;
  if (!Array.isArray(stats.series)) stats.series = [];
  return stats as unknown as StatsFile;
}

/** Writes `stats` as `<dir>/fuzzer_stats.json` atomically: a reader never sees half a file. */
export async function writeStatsFile(dir: string, stats: StatsFile): Promise<void> {
  await writeFileAtomically(dir, STATS_FILE_NAME, `${JSON.stringify(stats, null, 2)}\n`);
}
