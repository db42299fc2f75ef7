/**
 * Setting up one fuzz run as part of a campaign: which folder it writes to (a shard's own
 * `<crash-dir>/shard-I-of-N/`), which seeds it takes, and where it resumes.
 *
 * A shard resumes by itself: a Kubernetes Indexed Job restarts a failed or evicted pod with the
 * same index, and that pod must go on after the last seed its stats file says finished, neither
 * running a seed twice nor skipping one. A stats file of a different campaign (other first seed,
 * runs, shard count, backend or step bound) is refused rather than overwritten. An unsharded run
 * starts afresh each time (as `busfuzz fuzz` always did) and rewrites the file.
 */
import { join } from 'node:path';
import { InputError, type BackendName } from '../backend.ts';
import { CampaignStats, removeStaleStatsTemps } from './campaign-stats.ts';
import type { KnownFingerprints } from './known.ts';
import { SeedSchedule, UNSHARDED, shardFolderName, type FuzzShard } from './schedule.ts';
import { STATS_FILE_NAME, readStatsFile, type StatsFile } from './stats-file.ts';

export interface CampaignPlan {
  crashDir: string;
  shard: FuzzShard | null;
  firstSeed: number;
  runs: number | null;
  maxSteps: number;
  backend: BackendName;
  workers: number;
  known: KnownFingerprints;
}

export interface Campaign {
  /** Where this run writes crash files and its stats file. */
  dir: string;
  schedule: SeedSchedule;
  stats: CampaignStats;
  /** The stats file this shard resumes from (null: a fresh start). */
  resumed: StatsFile | null;
}

export async function openCampaign(plan: CampaignPlan): Promise<Campaign> {
  const shard = plan.shard ?? UNSHARDED;
  const dir = plan.shard === null ? plan.crashDir : join(plan.crashDir, shardFolderName(shard));
  await removeStaleStatsTemps(dir);
  const previous = plan.shard === null ? null : await readStatsFile(join(dir, STATS_FILE_NAME));
  if (previous !== null) checkSameCampaign(previous, plan, shard, join(dir, STATS_FILE_NAME));
  const resumeSeed = previous?.checkpoint.next_seed;
  let schedule: SeedSchedule;
  try {
    schedule = new SeedSchedule(plan.firstSeed, shard, plan.runs, resumeSeed);
  } catch {
    throw new InputError(
      `${join(dir, STATS_FILE_NAME)}: checkpoint.next_seed: ${resumeSeed} is not a seed of shard ${shard.index}/${shard.count} from ${plan.firstSeed}`,
    );
  }
  const stats = new CampaignStats(
    {
      dir,
      backend: plan.backend,
      seedStart: plan.firstSeed,
      runsLimit: plan.runs,
      maxSteps: plan.maxSteps,
      shard,
      workers: plan.workers,
      known: plan.known,
      firstSeed: schedule.seedAt(0),
    },
    previous,
  );
  return { dir, schedule, stats, resumed: previous };
}

function checkSameCampaign(previous: StatsFile, plan: CampaignPlan, shard: FuzzShard, path: string): void {
  const mismatch = (field: string, found: unknown, wanted: unknown) =>
    new InputError(
      `${path}: ${field}: this shard's folder holds another campaign (${JSON.stringify(found)}, this run has ${JSON.stringify(wanted)}); ` +
        'resume with the same --seed, --runs, --max-steps and backend, or give another --crash-dir',
    );
  if (previous.seed_start !== plan.firstSeed) throw mismatch('seed_start', previous.seed_start, plan.firstSeed);
  if (previous.runs_limit !== plan.runs) throw mismatch('runs_limit', previous.runs_limit, plan.runs);
  if (previous.shard.index !== shard.index || previous.shard.count !== shard.count)
    throw mismatch('shard', previous.shard, shard);
  if (previous.backend !== plan.backend) throw mismatch('backend', previous.backend, plan.backend);
  if (previous.max_steps !== plan.maxSteps) throw mismatch('max_steps', previous.max_steps, plan.maxSteps);
}

/**
 * The crash files a resumed shard may count as already written: those its stats file names, and
 * others of seeds below its checkpoint. A file written for a later seed (one that finished after
 * an earlier seed was cut short) is not counted, so when the rerun finds that fingerprint at a
 * lower seed it writes that seed's file, as an uninterrupted run would have.
 */
export function recordedForResume(recorded: Map<string, string>, campaign: Campaign): Map<string, string> {
  if (campaign.resumed === null) return recorded;
  const checkpoint = campaign.resumed.checkpoint.next_seed;
  const kept = new Map<string, string>();
  for (const [fingerprint, path] of recorded) {
    const seed = Number(/crash-[0-9a-f]{12}-(\d+)[^/]*$/.exec(path)?.[1] ?? Number.NaN);
    if (seed < checkpoint) kept.set(fingerprint, path);
  }
  for (const finding of campaign.resumed.findings) {
    if (finding.crash_file !== null) kept.set(finding.fingerprint, join(campaign.dir, finding.crash_file));
  }
  return kept;
}
