/**
 * `busfuzz merge`: one campaign folder from the folders of its shards. Findings are united by
 * fingerprint: the first seed (lowest) is kept with its crash file, copied byte for byte; counts
 * are summed and every seed is listed. Runs, steps and the like are summed; the wall time is the
 * longest shard's (shards run side by side). Shards that did not finish (a stats file still
 * `running` because its pod was killed, or `interrupted`), and shards missing from a campaign of
 * N, are reported.
 */
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InputError } from '../backend.ts';
import {
  STATS_FILE_NAME,
  readStatsFile,
  writeStatsFile,
  type StatsFile,
  type StatsFinding,
  type StatsPoint,
  type StatsState,
} from './stats-file.ts';

const SERIES_CAP = 2000;

export interface ShardReport {
  dir: string;
  stats: StatsFile;
}

export interface MergeResult {
  merged: StatsFile;
  shards: ShardReport[];
  /** Shards whose stats file says they did not finish, with their state. */
  stoppedEarly: ShardReport[];
  /** Shard indexes of a campaign of N that no folder holds. */
  missing: number[];
  /** Crash files copied into the output folder. */
  copied: string[];
}

/**
 * The shard folders among `inputs`: a folder with a stats file is one shard; a folder without one
 * (a whole crash folder) stands for its `shard-*` subfolders.
 */
export async function findShardFolders(inputs: string[]): Promise<string[]> {
  const folders: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (info === null || !info.isDirectory()) throw new InputError(`${input}: merge: not a folder`);
    if ((await stat(join(input, STATS_FILE_NAME)).catch(() => null)) !== null) {
      folders.push(input);
      continue;
    }
    const shards = (await readdir(input, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && /^shard-\d+-of-\d+$/.test(entry.name))
      .map((entry) => join(input, entry.name))
      .sort((a, b) => shardNumber(a) - shardNumber(b));
    if (shards.length === 0)
      throw new InputError(
        `${input}: merge: no ${STATS_FILE_NAME} here and no shard-I-of-N folders (is this a fuzz crash folder?)`,
      );
    folders.push(...shards);
  }
  return folders;
}

function shardNumber(path: string): number {
  return Number(/shard-(\d+)-of-/.exec(basename(path))?.[1] ?? 0);
}

export async function mergeShards(inputs: string[], outDir: string): Promise<MergeResult> {
  const shards: ShardReport[] = [];
  for (const dir of await findShardFolders(inputs)) {
    const stats = await readStatsFile(join(dir, STATS_FILE_NAME));
    shards.push({ dir, stats: stats! });
  }
  const first = shards[0]!.stats;
  const seen = new Map<string, string>();
  for (const { dir, stats } of shards) {
    const path = join(dir, STATS_FILE_NAME);
    for (const field of ['seed_start', 'runs_limit', 'backend', 'max_steps'] as const) {
      if (stats[field] !== first[field]) {
        throw new InputError(
          `${path}: ${field}: ${JSON.stringify(stats[field])} differs from ${JSON.stringify(first[field])} in ${join(shards[0]!.dir, STATS_FILE_NAME)}: not shards of one campaign`,
        );
      }
    }
    if (stats.shard.count !== first.shard.count) {
      throw new InputError(
        `${path}: shard.count: ${stats.shard.count} differs from ${first.shard.count} in ${join(shards[0]!.dir, STATS_FILE_NAME)}: not shards of one campaign`,
      );
    }
    const other = seen.get(String(stats.shard.index));
    if (other !== undefined)
      throw new InputError(
        `${path}: shard.index: shard ${stats.shard.index} is also in ${other}; merging both would count its seeds twice`,
      );
    seen.set(String(stats.shard.index), dir);
  }
  const missing = Array.from({ length: first.shard.count }, (_, index) => index).filter(
    (index) => !seen.has(String(index)),
  );
  const stoppedEarly = shards.filter(({ stats }) => stats.state === 'running' || stats.state === 'interrupted');

  await mkdir(outDir, { recursive: true });
  const { findings, copied } = await mergeFindings(shards, outDir);
  const merged: StatsFile = {
    format: first.format,
    tool_version: first.tool_version,
    backend: first.backend,
    protocol: first.protocol,
    started_at: shards.map(({ stats }) => stats.started_at).sort()[0]!,
    updated_at: new Date().toISOString(),
    seed_start: first.seed_start,
    runs_limit: first.runs_limit,
    max_steps: first.max_steps,
    shard: { index: 0, count: 1 },
    workers: sum(shards, (stats) => stats.workers),
    runs: sum(shards, (stats) => stats.runs),
    steps: sum(shards, (stats) => stats.steps),
    wall_ms: Math.max(...shards.map(({ stats }) => stats.wall_ms)),
    inconclusive: sum(shards, (stats) => stats.inconclusive),
    errors: sum(shards, (stats) => stats.errors),
    // Every seed below each shard's checkpoint finished, so every seed below the lowest did; a
    // missing shard has finished none of its seeds.
    checkpoint: {
      next_seed: Math.min(
        ...shards.map(({ stats }) => stats.checkpoint.next_seed),
        ...missing.map((index) => first.seed_start + index),
      ),
    },
    state: mergedState(
      shards.map(({ stats }) => stats.state),
      missing.length > 0,
    ),
    findings,
    series: mergeSeries(
      shards.map(({ stats }) => stats.series),
      findings,
    ),
  };
  await writeStatsFile(outDir, merged);
  return { merged, shards, stoppedEarly, missing, copied };
}

function sum(shards: ShardReport[], field: (stats: StatsFile) => number): number {
  return shards.reduce((total, { stats }) => total + (field(stats) ?? 0), 0);
}

function mergedState(states: StatsState[], missing: boolean): StatsState {
  if (missing || states.includes('running') || states.includes('interrupted'))
    return states.includes('running') ? 'running' : 'interrupted';
  return states.includes('time-limit') ? 'time-limit' : 'done';
}

const STATUS_RANK: Record<StatsFinding['status'], number> = { known: 0, new: 1, confirmed: 2 };

async function mergeFindings(
  shards: ShardReport[],
  outDir: string,
): Promise<{ findings: StatsFinding[]; copied: string[] }> {
  const byFingerprint = new Map<string, { finding: StatsFinding; dir: string }>();
  for (const { dir, stats } of shards) {
    for (const finding of stats.findings) {
      const existing = byFingerprint.get(finding.fingerprint);
      if (existing === undefined) {
        byFingerprint.set(finding.fingerprint, { finding: { ...finding, seeds: [...finding.seeds] }, dir });
        continue;
      }
      const kept = existing.finding;
      const earlier = finding.first_seed < kept.first_seed;
      kept.count += finding.count;
      kept.seeds.push(...finding.seeds);
      kept.first_found_ms = Math.min(kept.first_found_ms, finding.first_found_ms);
      if (STATUS_RANK[finding.status] > STATUS_RANK[kept.status]) kept.status = finding.status;
      kept.known_reason ??= finding.known_reason;
      kept.upstream ??= finding.upstream;
      if (earlier) {
        kept.first_seed = finding.first_seed;
        kept.crash_file = finding.crash_file;
        existing.dir = dir;
      }
    }
  }
  const copied: string[] = [];
  const findings: StatsFinding[] = [];
  for (const { finding, dir } of [...byFingerprint.values()].sort(
    (a, b) => a.finding.first_seed - b.finding.first_seed,
  )) {
    finding.seeds.sort((a, b) => a - b);
    if (finding.crash_file !== null) {
      const name = basename(finding.crash_file);
      try {
        await copyFile(join(dir, finding.crash_file), join(outDir, name));
      } catch (error) {
        throw new InputError(
          `${join(dir, STATS_FILE_NAME)}: findings (${finding.fingerprint}).crash_file: cannot copy ${join(dir, finding.crash_file)} (${(error as NodeJS.ErrnoException).code})`,
        );
      }
      finding.crash_file = name;
      copied.push(join(outDir, name));
    }
    findings.push(finding);
  }
  return { findings, copied };
}

/**
 * The shards' curves added up: at each point in time, the sum of every shard's latest runs and
 * steps; the findings curve is recounted from the merged findings' first-found times (distinct
 * fingerprints cannot be added across shards).
 */
function mergeSeries(series: StatsPoint[][], findings: StatsFinding[]): StatsPoint[] {
  const times = [...new Set(series.flatMap((points) => points.map((point) => point.t_ms)))].sort((a, b) => a - b);
  const cursors = series.map(() => -1);
  let merged: StatsPoint[] = times.map((t) => {
    const point: StatsPoint = { t_ms: t, runs: 0, steps: 0, findings: 0, new: 0 };
    series.forEach((points, index) => {
      while (cursors[index]! + 1 < points.length && points[cursors[index]! + 1]!.t_ms <= t) cursors[index]!++;
      const latest = points[cursors[index]!];
      if (latest === undefined) return;
      point.runs += latest.runs;
      point.steps += latest.steps;
    });
    const found = findings.filter((finding) => finding.first_found_ms <= t);
    point.findings = found.length;
    point.new = found.filter((finding) => finding.status !== 'known').length;
    return point;
  });
  while (merged.length > SERIES_CAP) merged = merged.filter((_, index) => index % 2 === 1);
  return merged;
}

/** The human summary: totals, findings, and shards that stopped early or are missing. */
export function describeMerge(result: MergeResult, outDir: string): string[] {
  const { merged } = result;
  const lines = [
    `merged ${result.shards.length} shard${result.shards.length === 1 ? '' : 's'} into ${outDir}: ${merged.runs} runs, ` +
      `${merged.steps.toLocaleString('en-US')} steps, ${merged.errors} errors, ${merged.inconclusive} inconclusive, ` +
      `longest shard ${(merged.wall_ms / 1000).toFixed(1)} s; state ${merged.state}; every seed below ${merged.checkpoint.next_seed} finished`,
  ];
  if (merged.findings.length === 0) lines.push('  no violations found');
  for (const finding of merged.findings) {
    const seeds =
      finding.seeds.length <= 12
        ? finding.seeds.join(', ')
        : `${finding.seeds.slice(0, 12).join(', ')}, ... (${finding.seeds.length} in all)`;
    lines.push(`  ${finding.status.toUpperCase().padEnd(9)} ${finding.fingerprint} x${finding.count} (seeds ${seeds})`);
    if (finding.status === 'known') lines.push(`            known: ${finding.known_reason ?? ''}`);
    else if (finding.crash_file !== null)
      lines.push(`            npx busfuzz reproduce ${join(outDir, finding.crash_file)}`);
  }
  for (const { dir, stats } of result.stoppedEarly) {
    lines.push(
      `  STOPPED EARLY shard ${stats.shard.index}/${stats.shard.count} (${dir}): ${stats.state} at seed ${stats.checkpoint.next_seed} after ${stats.runs} runs`,
    );
  }
  const count = result.shards[0]!.stats.shard.count;
  for (const index of result.missing) lines.push(`  MISSING shard ${index}/${count}: no folder given holds it`);
  return lines;
}
