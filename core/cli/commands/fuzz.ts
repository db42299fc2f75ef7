/**
 * `busfuzz fuzz` (and `FUZZ_MODE=fuzz npm run fuzz`): the loop a person leaves running. Seeds
 * N, N+1, ... each generate a scenario that a worker thread runs for up to MAX_STEPS steps; each
 * new fingerprint gets a crash file and its replay command; a live status line shows progress.
 * Ctrl-C or SIGTERM stops cleanly (a second one exits at once; crash files are atomic either way).
 * Exit 1 if something new was found, 0 if not; 4 if only busfuzz errors were.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { readCampaign, STATS_FILE } from '../../report/campaign.ts';
import { CampaignSeries, campaignFromLoop } from '../../report/campaign-loop.ts';
import { writeCampaignReport } from '../../report/crash-report.ts';
import { InputError } from '../../backend.ts';
import { assertCrashDirUsable } from '../../crash/index.ts';
import { openCampaign, recordedForResume, type Campaign } from '../../fuzz/campaign.ts';
import { confirmQueue, FUZZ_CONFIRM_TRIES } from '../../confirm/queue.ts';
import type { ConfirmOutcome } from '../../confirm/confirm.ts';
import { loadCorpus } from '../../fuzz/corpus.ts';
import { knownFor, knownLine, loadKnown, type KnownFingerprints } from '../../fuzz/known.ts';
import { FuzzLoop, type FuzzEvent, type FuzzSummary, type StopReason } from '../../fuzz/loop.ts';
import { shardFrom } from '../../fuzz/schedule.ts';
import type { StatsState } from '../../fuzz/stats-file.ts';
import { StatusLine, formatSummary, ratesOf } from '../../fuzz/status.ts';
import { WorkerPool } from '../../fuzz/worker-pool.ts';
import { DEFAULT_MAX_STEPS, type Command, type Flags } from '../context.ts';
import { EXIT_INTERNAL } from '../main.ts';
import { logFuzzEvent, logFuzzSummary } from '../fuzz-log.ts';
import { EnvironmentError } from '../../backend.ts';
import { abortOnSignals } from '../report.ts';
import { openGuidedCampaign, type GuidedCampaign } from '../../fuzz/guided/campaign.ts';

/** Runs when neither --runs, --forever nor --time-limit says how long. */
export const DEFAULT_RUNS = 100;
/** The first seed when none is given: fixed, so a plain `busfuzz fuzz` is reproducible. */
export const DEFAULT_FIRST_SEED = 1;

export const replayCommand = (file: string) => `npx busfuzz reproduce ${file}`;

interface FuzzPlan {
  firstSeed: number;
  maxSteps: number;
  runs: number | null;
  workers: number;
  timeLimitMs: number | null;
}

function planFrom(flags: Flags): FuzzPlan {
  // --forever wins over --runs (or a FUZZ_RUNS left in the environment).
  const runs = flags.forever ? null : (flags.runs ?? (flags.timeLimitSec !== undefined ? null : DEFAULT_RUNS));
  const workers = flags.workers ?? availableParallelism();
  return {
    firstSeed: flags.seed ?? DEFAULT_FIRST_SEED,
    maxSteps: flags.maxSteps ?? DEFAULT_MAX_STEPS,
    runs,
    workers: runs === null ? workers : Math.min(workers, runs),
    timeLimitMs: flags.timeLimitSec === undefined ? null : flags.timeLimitSec * 1000,
  };
}

export const fuzzCommand: Command = async (args, context) => {
  if (args.positionals.length > 0)
    throw new InputError(`fuzz: unexpected argument '${args.positionals[0]}'. Hint: busfuzz --help`);
  const { flags } = args;
  // Every seed would fail the same way (sim/valkey/profiles.ts refuses redis-7.0): say it once.
  if (flags.backend === 'sim' && flags.protocol === 'redis-7.0')
    throw new InputError(
      'fuzz: --protocol redis-7.0: the simulator does not model redis-7.0; use --backend real with a redis-server 7.0 binary, or valkey-8.0 / valkey-8.1',
    );
  if (flags.guided && flags.backend !== 'sim')
    throw new InputError('fuzz: --guided needs --backend sim: only the simulator reports the features it learns from');
  if (flags.corpusDir !== undefined && !flags.guided)
    throw new InputError('fuzz: --corpus DIR is the corpus of --guided; add --guided or leave --corpus out');
  const plan = planFrom(flags);
  const loadedKnown = await loadKnown(flags);
  // Under --protocol only the known-issues entries of that profile apply (known.ts, knownFor).
  const known = knownFor(loadedKnown.known, flags.protocol ?? 'valkey-8.0');
  const knownSource = loadedKnown.source;
  await assertCrashDirUsable(flags.crashDir);
  const campaign = await openCampaign({
    crashDir: flags.crashDir,
    shard: shardFrom(flags.shard, context.env),
    firstSeed: plan.firstSeed,
    runs: plan.runs,
    maxSteps: plan.maxSteps,
    backend: flags.backend,
    workers: plan.workers,
    known,
  });
  // A shard (or a resumed one) may have fewer seeds left than workers; a pool needs one at least.
  if (campaign.schedule.size !== null) plan.workers = Math.max(1, Math.min(plan.workers, campaign.schedule.size));
  const corpus = await loadCorpus(campaign.dir);
  const say = (line: string) => context.stderr.write(`${line}\n`);
  for (const problem of corpus.unreadable) say(`busfuzz: skipping an unreadable crash file: ${problem}`);
  if (flags.workers !== undefined && flags.workers > availableParallelism()) {
    say(
      `busfuzz: warning: ${flags.workers} workers on ${availableParallelism()} cores: the simulator is CPU-bound, so extra workers only share the cores (runs are slower, not more)`,
    );
  }
  say(startLine(flags, plan, known, knownSource, corpus.recorded.size, campaign));
  const guided = flags.guided ? await openGuided(flags, campaign, say) : null;

  const stop = abortOnSignals();
  const status = new StatusLine(context.stderr, context.isTty);
  const series = new CampaignSeries();
  const startedAt = new Date();
  let ticker: NodeJS.Timeout | undefined;
  let summary: FuzzSummary;
  try {
    const pool = await WorkerPool.start(plan.workers, {
      moduleUrl: context.deps.workerModuleUrl.href,
      backend: flags.backend,
      backendOptions: flags.valkeyServer === undefined ? {} : { valkeyServer: flags.valkeyServer },
      maxSteps: plan.maxSteps,
      ...(flags.protocol === undefined ? {} : { protocol: flags.protocol }),
      // Every run reports its features (the stats file counts them, guided or not).
      features: true,
    });
    const loop = new FuzzLoop({
      executor: pool,
      firstSeed: plan.firstSeed,
      runs: plan.runs,
      timeLimitMs: plan.timeLimitMs,
      maxSteps: plan.maxSteps,
      crashDir: campaign.dir,
      known,
      recorded: recordedForResume(corpus.recorded, campaign),
      schedule: campaign.schedule,
      onSettled: (seed, outcome) => campaign.stats.settled(seed, outcome),
      ...(guided === null ? {} : { source: guided.source }),
      signal: stop.signal,
      // The real backend tears processes down when aborted; give it time before ending threads.
      graceMs: flags.backend === 'real' ? 30_000 : 2_000,
      onEvent: (event) => {
        logFuzzEvent(context.log, event);
        status.print(describeEvent(event));
      },
    });
    ticker = setInterval(
      () => {
        const snapshot = loop.snapshot();
        status.update(snapshot);
        series.sample(snapshot);
      },
      context.isTty ? 500 : 1000,
    );
    campaign.stats.start(() => loop.snapshot().tallies);
    summary = await loop.run();
  } finally {
    clearInterval(ticker);
    status.clear();
    stop.dispose();
  }
  logFuzzSummary(context.log, summary);
  if (guided !== null) await finishGuided(guided, say);
  const confirmed = flags.confirm ? await confirmNew(summary, args.flags, context) : new Map<string, ConfirmOutcome>();
  for (const line of formatSummary(summary, replayCommand, flags.protocol ?? 'valkey-8.0'))
    say(confirmedLine(line, confirmed));
  try {
    const stats = await campaign.stats.finish(statsStateOf(summary.stopReason), summary.tallies);
    if (stats.features !== undefined)
      say(
        `features: ${stats.features.toLocaleString('en-US')} distinct (${campaign.dir}/fuzzer_stats.json has them over time)`,
      );
  } catch (error) {
    throw new EnvironmentError(
      `cannot write the stats file in ${campaign.dir}: ${(error as Error).message}`,
      'check that the folder is writable and the disk is not full',
    );
  }
  if (flags.report !== undefined)
    await writeFuzzReport(
      flags.report,
      summary,
      series,
      { crashDir: flags.crashDir, backend: flags.backend, workers: plan.workers, startedAt },
      context,
      say,
    );
  if (flags.json) context.stdout.write(`${JSON.stringify(summaryJson(summary, flags, confirmed))}\n`);
  if (summary.fatal !== null) throw summary.fatal;
  if (summary.newCount > 0) return 1;
  return summary.errors.some((error) => error.error.kind === 'internal') ? EXIT_INTERNAL : 0;
};

/**
 * `--report DIR`: the campaign page at the end, from the folder's fuzzer_stats.json when there is
 * one, else from what this loop saw; a page per finding with a crash file.
 */
async function writeFuzzReport(
  dir: string,
  summary: FuzzSummary,
  series: CampaignSeries,
  options: Parameters<typeof campaignFromLoop>[2],
  context: Parameters<Command>[1],
  say: (line: string) => void,
): Promise<void> {
  const fromStats = existsSync(join(options.crashDir, STATS_FILE));
  const campaign = fromStats ? await readCampaign(options.crashDir) : campaignFromLoop(summary, series, options);
  const written = await writeCampaignReport(dir, campaign, context.deps.createBackend('sim', {}));
  for (const note of written.notes) say(`note: ${note}`);
  say(
    `campaign page: ${written.page} (${campaign.findings.length} fingerprints, ${written.findingPages} finding pages)`,
  );
}

/** --guided: the corpus folder made ready, and the campaign's stats file marked guided. */
async function openGuided(flags: Flags, campaign: Campaign, say: (line: string) => void): Promise<GuidedCampaign> {
  const corpusDir = flags.corpusDir ?? join(campaign.dir, 'corpus');
  let guided: GuidedCampaign;
  try {
    guided = await openGuidedCampaign({
      corpusDir,
      schedule: campaign.schedule,
      ...(flags.protocol === undefined ? {} : { protocol: flags.protocol }),
    });
  } catch (error) {
    throw new EnvironmentError(
      `cannot use the corpus folder ${corpusDir}: ${(error as Error).message}`,
      'pick another with --corpus DIR',
    );
  }
  campaign.stats.markGuided();
  say(
    `guided: corpus in ${corpusDir}/${guided.removed > 0 ? ` (${guided.removed} entries of an earlier campaign removed)` : ''}; the first ${guided.source.lag} seeds are fresh, then mutants and a share of fresh seeds`,
  );
  return guided;
}

async function finishGuided(guided: GuidedCampaign, say: (line: string) => void): Promise<void> {
  try {
    await guided.finish();
  } catch (error) {
    throw new EnvironmentError(
      `cannot write a corpus entry in ${guided.corpusDir}: ${(error as Error).message}`,
      'check that the folder is writable and the disk is not full, or pick another with --corpus',
    );
  }
  say(guided.summaryLine());
}

/** The stats file's state for how the loop stopped. */
function statsStateOf(reason: StopReason): StatsState {
  if (reason === 'runs') return 'done';
  return reason === 'time-limit' ? 'time-limit' : 'interrupted';
}

function startLine(
  flags: Flags,
  plan: FuzzPlan,
  known: KnownFingerprints,
  knownSource: string | null,
  recordedCount: number,
  campaign: Campaign,
): string {
  const { shard } = campaign.schedule;
  const first = plan.firstSeed + shard.index;
  const sharding =
    shard.count === 1
      ? ''
      : `shard ${shard.index}/${shard.count} (seeds ${first}, ${first + shard.count}, ${first + 2 * shard.count}, ...${
          campaign.resumed === null
            ? ''
            : `, resuming at seed ${campaign.schedule.seedAt(0)} after ${campaign.resumed.runs} runs`
        }), `;
  const howLong = [
    plan.runs === null ? 'until stopped' : `${plan.runs} runs`,
    ...(plan.timeLimitMs === null ? [] : [`at most ${plan.timeLimitMs / 1000} s`]),
  ].join(', ');
  return (
    `busfuzz fuzz: ${flags.backend} backend, ${sharding}seeds from ${plan.firstSeed} (${howLong}), ` +
    `max ${plan.maxSteps.toLocaleString('en-US')} steps, ${plan.workers} worker${plan.workers === 1 ? '' : 's'}, ` +
    `crash files in ${campaign.dir}/ (${recordedCount} fingerprints already there)` +
    (knownSource !== null ? `, ${known.size} known fingerprints from ${knownSource}` : ', no known-issues list') +
    '. Ctrl-C stops cleanly.'
  );
}

function describeEvent(event: FuzzEvent): string[] {
  switch (event.type) {
    case 'new-finding': {
      const result = event.outcome.result!;
      const violation = result.violation!;
      return [
        `NEW ${violation.fingerprint} at seed ${event.outcome.seed}, step ${violation.step} (${(violation.timeMs / 1000).toFixed(3)} s ${result.backend === 'sim' ? 'simulated' : 'wall'})`,
        `  ${violation.message}`,
        `  crash file: ${event.crashFile}`,
        `  replay:     ${replayCommand(event.crashFile)}`,
        event.outcome.scenario?.scenarioId.startsWith('guided-') === true
          ? `  seed:       ${event.outcome.seed} (a guided mutant: the crash file holds its scenario)`
          : `  seed:       ${event.outcome.seed} (npx busfuzz export --seed ${event.outcome.seed} prints its scenario)`,
      ];
    }
    case 'known-finding': {
      const violation = event.outcome.result!.violation!;
      return [
        `${knownLine(violation.fingerprint, event.tally.known!)} at seed ${event.outcome.seed}, step ${violation.step} (counted; no crash file)`,
      ];
    }
    case 'run-error': {
      const { error, firstSeed } = event.tally;
      const lines = [
        `ERROR (${error.kind === 'internal' ? 'a bug in busfuzz' : 'scenario refused'}) at seed ${firstSeed}: ${error.message.split('\n')[0]}`,
        `  replay: npx busfuzz export --seed ${firstSeed} > seed-${firstSeed}.yaml && npx busfuzz run seed-${firstSeed}.yaml`,
      ];
      if (error.stack !== undefined)
        lines.push(
          ...error.stack
            .split('\n')
            .slice(1, 8)
            .map((line) => `  ${line.trim()}`),
        );
      return lines;
    }
    case 'stopping':
      return event.reason === 'signal'
        ? ['stopping: finishing the runs in flight and the crash files being written...']
        : [];
  }
}

/** --confirm: the new findings' crash files, confirmed on live servers one after the other. */
async function confirmNew(
  summary: FuzzSummary,
  flags: Flags,
  context: Parameters<Command>[1],
): Promise<Map<string, ConfirmOutcome>> {
  const findings = summary.tallies
    .filter((tally) => tally.status === 'new' && tally.crashFile !== null)
    .map((tally) => ({ fingerprint: tally.fingerprint, crashFile: tally.crashFile! }));
  if (findings.length === 0) return new Map();
  const real = context.deps.createBackend(
    'real',
    flags.valkeyServer === undefined ? {} : { valkeyServer: flags.valkeyServer },
  );
  const stop = abortOnSignals();
  try {
    return await confirmQueue({
      findings,
      sim: context.deps.createBackend('sim', {}),
      real,
      tries: flags.tries ?? FUZZ_CONFIRM_TRIES,
      signal: stop.signal,
      say: (line) => context.stderr.write(`${line}\n`),
    });
  } finally {
    stop.dispose();
    await real.close?.();
  }
}

/** A summary line of a confirmed fingerprint says so (`NEW` becomes `CONFIRMED`, with the rate). */
function confirmedLine(line: string, confirmed: Map<string, ConfirmOutcome>): string {
  for (const [fingerprint, outcome] of confirmed) {
    if (!line.startsWith('  NEW ') || !line.includes(` ${fingerprint} `)) continue;
    const mark = outcome.hits > 0 ? 'CONFIRMED' : 'NEW';
    return `${line.replace('  NEW      ', `  ${mark.padEnd(8)} `)} [${outcome.hits > 0 ? 'confirmed' : 'not confirmed'} on ${outcome.server?.version ?? 'real'}: ${outcome.hits}/${outcome.tries}]`;
  }
  return line;
}

function summaryJson(summary: FuzzSummary, flags: Flags, confirmed: Map<string, ConfirmOutcome> = new Map()) {
  const rates = ratesOf(summary);
  return {
    backend: flags.backend,
    first_seed: summary.firstSeed,
    resume_seed: summary.resumeSeed,
    runs: summary.runs,
    steps: summary.steps,
    sim_time_ms: summary.simTimeMs,
    wall_ms: Math.round(summary.elapsedMs),
    runs_per_sec: rates.runsPerSec,
    steps_per_sec: rates.stepsPerSec,
    time_compression: rates.compression,
    stop_reason: summary.stopReason,
    new_findings: summary.newCount,
    inconclusive: summary.inconclusive,
    findings: summary.tallies.map((tally) => ({
      fingerprint: tally.fingerprint,
      invariant: tally.invariant,
      // The interface's statuses are new, known and confirmed: a fingerprint whose crash file an
      // earlier run left in the folder is still one known-issues does not explain.
      status:
        tally.status === 'known' ? 'known' : (confirmed.get(tally.fingerprint)?.hits ?? 0) > 0 ? 'confirmed' : 'new',
      already_recorded: tally.status === 'recorded',
      count: tally.count,
      ...(confirmed.has(tally.fingerprint)
        ? {
            confirmation: {
              tries: confirmed.get(tally.fingerprint)!.tries,
              hits: confirmed.get(tally.fingerprint)!.hits,
              logs: confirmed.get(tally.fingerprint)!.logs,
            },
          }
        : {}),
      first_seed: tally.firstSeed,
      seeds: tally.seeds,
      crash_file: tally.crashFile,
      reason: tally.known?.reason ?? null,
      upstream: tally.known?.upstream ?? null,
      fixed_in: tally.known?.fixedIn ?? null,
    })),
    errors: summary.errors.map((error) => ({
      kind: error.error.kind,
      message: error.error.message,
      count: error.count,
      first_seed: error.firstSeed,
    })),
  };
}
