/**
 * Agreement between the backends (interface page: the sim and real backends share one DSL and
 * invariants): N generated scenarios, each run once on the
 * simulator and once on live valkey-server processes, compared by outcome class:
 * - formation (the run got past forming the cluster),
 * - the final primary of each shard, by creation name (the last node-state events: who claims
 *   slots with the highest configEpoch for each shard's slot range),
 * - slots per shard (the slot count of that primary),
 * - failovers (election-won events, as a count),
 * - verdict and fingerprint.
 * Prints the agreement rate and, for every disagreement, both runs' key events (faults, elections,
 * role changes, the violation).
 *
 *   npx tsx bench/agreement.ts [--n 50] [--seed 1] [--max-nodes 12] [--draws 16] [--keep DIR]
 *   npx tsx bench/agreement.ts --reanalyse DIR [--draws 16] [--resim] [--expected]
 *   npx tsx bench/agreement.ts --reanalyse DIR --versus DIR2   (real run against real run)
 *
 * One run on each side compares one draw of each: Valkey draws its own election delays
 * (500 + random() % 500 ms), the proxies draw their own drops and jitter, the kernel its own
 * scheduling. Where a fault lands inside such a window the two runs part by chance, and a second
 * run of either side may go the other way. So for every disagreement the simulator runs the same
 * scenario again under --draws other draw seeds (SimRunOptions.drawSeed: hop times, election
 * delays, drop and jitter draws; the fault targets, the workload and the node ids stay), and the
 * bench says in how many of them the simulator reaches the real run's outcome. One that it reaches
 * is a race: both outcomes are 8.0.1's, and the disagreement is chance. One that it never reaches
 * is a gap to explain (a simulator rule, a harness defect, or a rarer race). The bench prints both
 * rates: one to one, and with the real outcome among the simulator's.
 *
 * The real run takes the simulator's settle time and, for each node's first start, the
 * simulator's node id (steering.nodeIds).
 *
 * Generated scenarios larger than --max-nodes are skipped (and counted): each real node is a
 * process, and the machine is shared. Real runs go one at a time. A run takes the scenario's own
 * length in wall time on the real backend (tens of seconds), so 50 scenarios take most of an hour.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, type RunResult } from '../core/backend.ts';
import { simulatorSettleMs } from '../core/confirm/confirm.ts';
import { firstNodeIds } from '../core/confirm/node-ids.ts';
import { generateScenario } from '../core/generator.ts';
import type { Scenario } from '../core/scenario/types.ts';
import { createRealBackend } from '../real/index.ts';
import { createSimBackend, SimRun, type SimRunOptions } from '../sim/index.ts';

const args = process.argv.slice(2);
const count = Number(flagValue('--n') ?? 50);
const firstSeed = Number(flagValue('--seed') ?? 1);
const maxNodes = Number(flagValue('--max-nodes') ?? 12);
/**
 * With --keep DIR, both runs' full traces go to DIR/seed-N.sim.txt and DIR/seed-N.real.txt, and
 * the real run's node folders (each server's log) under DIR/nodes-N/.
 */
const keepDir = flagValue('--keep');
/** Other draw seeds the simulator tries for each disagreement (0: none). */
const draws = Number(flagValue('--draws') ?? 16);
/** With --reanalyse: run the simulator's side again instead of reading its kept trace. */
const resim = args.includes('--resim');
/**
 * With --reanalyse: the simulator's other draws for every seed, not only the disagreements, and the
 * mean chance that one simulator run reaches the real outcome: a steadier figure than one run each
 * for telling whether a simulator change brought the backends closer.
 */
const expected = args.includes('--expected');
const MAX_STEPS = 1_000_000;

function flagValue(flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

interface Outcome {
  formed: boolean;
  /** The live slot-owning primaries at the end, by creation name, and their slot counts. */
  primaries: string[];
  slots: number[];
  failovers: number;
  verdict: string;
  fingerprint: string | null;
  keyEvents: string[];
  /** Faults (action and nodes) and election wins, in order, without times: where the runs part. */
  story: Array<{ step: string; line: string }>;
}

const STATE =
  /^(\d+(?:\.\d+)?)ms node-state node=(node-\d+) (?:id=\S+ )?role=(\S+) primary=\S+ currentEpoch=\d+ configEpoch=(\d+) slotCount=(\d+)/;
const LIVENESS = /^\S+ node-(down|up) node=(node-\d+)/;
const KEY = /(fault action=|election-won|violation|node-state .*role=primary .*slotCount=[1-9]|ready:|converged)/;

function outcomeOf(scenario: Scenario, result: RunResult, lines: string[]): Outcome {
  const last = new Map<string, { role: string; configEpoch: number; slots: number }>();
  const down = new Set<string>();
  let failovers = 0;
  for (const line of lines) {
    const match = STATE.exec(line);
    if (match) last.set(match[2]!, { role: match[3]!, configEpoch: Number(match[4]), slots: Number(match[5]) });
    if (line.includes(' election-won ')) failovers++;
    const liveness = LIVENESS.exec(line);
    if (liveness?.[1] === 'down') down.add(liveness[2]!);
    else if (liveness?.[1] === 'up') down.delete(liveness[2]!);
  }
  // A trace format this reader does not know would make every run agree on nothing: stop instead.
  if (last.size === 0) throw new Error(`${scenario.scenarioId}: no node-state line matched in the trace`);
  // The slot owners at the end: every node still up whose last state is a primary with slots,
  // in creation order (a replica may have migrated to another shard before it was promoted, so
  // the shard a node was created in does not say which slots it ends up with).
  const owners = [...last.entries()]
    .filter(([name, state]) => state.role === 'primary' && state.slots > 0 && !down.has(name))
    .sort((a, b) => Number(a[0].slice(5)) - Number(b[0].slice(5)));
  const primaries = owners.map(([name]) => name);
  const slots = owners.map(([, state]) => state.slots);
  return {
    formed:
      lines.some((line) => / ready: |formation step|process running/.test(line)) &&
      (result.stats.formation_ms ?? 0) >= 0,
    primaries,
    slots,
    failovers,
    verdict: result.verdict,
    fingerprint: result.violation?.fingerprint ?? null,
    keyEvents: lines.filter((line) => KEY.test(line) && !line.includes('formation step')).slice(-40),
    story: storyOf(lines),
  };
}

const STORY = /^\S+ (?:fault action=(\S+) nodes=(\S+)|election-won node=(\S+))/;

function storyOf(lines: readonly string[]): Array<{ step: string; line: string }> {
  const story: Array<{ step: string; line: string }> = [];
  for (const line of lines) {
    const match = STORY.exec(line);
    if (match === null) continue;
    const nodes = match[2]?.replace(/[[\]]/g, '').split(',').sort().join(',');
    story.push({ step: match[3] === undefined ? `${match[1]} ${nodes}` : `won ${match[3]}`, line: line.slice(0, 160) });
  }
  return story;
}

/** The first fault or election where the two runs differ (its line on each side), or null. */
function firstParting(sim: Outcome, real: Outcome): string | null {
  const length = Math.max(sim.story.length, real.story.length);
  for (let i = 0; i < length; i++) {
    if (sim.story[i]?.step === real.story[i]?.step) continue;
    return `event ${i + 1}: sim ${sim.story[i]?.line ?? '(none)'} | real ${real.story[i]?.line ?? '(none)'}`;
  }
  return null;
}

/** What differs between two outcomes, each line naming the sides (`names`: the simulator's first). */
function differences(a: Outcome, b: Outcome, names: readonly [string, string] = ['sim', 'real']): string[] {
  const [x, y] = names;
  const out: string[] = [];
  const differ = (what: string, left: string, right: string) => {
    if (left !== right) out.push(`${what}: ${x} ${left}, ${y} ${right}`);
  };
  differ('formation', String(a.formed), String(b.formed));
  differ('final primaries', `[${a.primaries.join(', ')}]`, `[${b.primaries.join(', ')}]`);
  differ('slots per shard', `[${a.slots.join(', ')}]`, `[${b.slots.join(', ')}]`);
  differ('failovers', String(a.failovers), String(b.failovers));
  differ('verdict', a.verdict, b.verdict);
  differ('fingerprint', a.fingerprint ?? '-', b.fingerprint ?? '-');
  return out;
}

/** Stands for a real run that never ended. */
function hungResult(like: RunResult): RunResult {
  return { ...like, verdict: 'hung' as RunResult['verdict'], violation: null };
}

/** What --reanalyse needs of a result besides the trace. */
function brief(result: RunResult): Pick<RunResult, 'verdict' | 'violation' | 'stats'> {
  return { verdict: result.verdict, violation: result.violation, stats: result.stats };
}

/**
 * --reanalyse DIR: the comparison again, over the traces a --keep run left (no real run), for when
 * the comparison changed; with --resim the simulator's side is run again too, for when the
 * simulator changed (the real side is the expensive one).
 */
function reanalyse(dir: string): void {
  const tally: Record<Comparison, number> = { agree: 0, race: 0, gap: 0 };
  let expectedSum = 0;
  const seedsKept = keptSeeds(dir);
  for (const seed of seedsKept) {
    const scenario = generateScenario(seed);
    const kept = keptRun(dir, seed);
    const keptLines = kept.simLines;
    // --resim: the simulator's side again with today's simulator (same node ids as the real run).
    const simLines = resim ? [] : keptLines;
    const simResult = resim ? simRun(scenario, { nodeIds: firstNodeIds(keptLines) }, simLines) : kept.sim;
    const simOutcome = outcomeOf(scenario, simResult, simLines);
    const realOutcome = outcomeOf(scenario, kept.real, kept.realLines);
    const drawn = once(() => otherDraws(scenario, firstNodeIds(keptLines), draws));
    tally[report(seed, simOutcome, realOutcome, '', drawn)]++;
    if (expected) {
      // The chance that one simulator run lands on the real run's outcome, over this run and its draws.
      const reached = [simOutcome, ...drawn()].filter((outcome) => differences(outcome, realOutcome).length === 0);
      const chance = reached.length / (draws + 1);
      console.log(`  expected: ${reached.length} of ${draws + 1} simulator runs reach the real outcome`);
      expectedSum += chance;
    }
  }
  console.log(summary(tally));
  if (expected)
    console.log(
      `expected one-to-one agreement: ${((100 * expectedSum) / seedsKept.length).toFixed(1)}% (the mean over seeds of the share of ${draws + 1} simulator runs that reach the real outcome)`,
    );
}

/**
 * --reanalyse DIR --versus DIR2: the real runs of two kept measurements compared with each other,
 * seed by seed, by the same outcome classes. How often real Valkey agrees with itself bounds how
 * often the simulator can agree with one real run.
 */
function realVersusReal(dir: string, otherDir: string): void {
  let compared = 0;
  let agreed = 0;
  for (const seed of keptSeeds(dir)) {
    const other = join(otherDir, `seed-${seed}.json`);
    if (!existsSync(other)) continue;
    const scenario = generateScenario(seed);
    const outcome = (from: string) => {
      const kept = keptRun(from, seed);
      return outcomeOf(scenario, kept.real, kept.realLines);
    };
    const diff = differences(outcome(dir), outcome(otherDir), ['first', 'second']);
    compared++;
    if (diff.length === 0) agreed++;
    else console.log(`seed ${seed}: the real runs differ: ${diff.join('; ')}`);
  }
  console.log(`real against real: ${agreed}/${compared} (${percent(agreed, compared)}%) agree`);
}

/** What a --keep run left for one seed: both sides' results and trace lines. */
function keptRun(
  dir: string,
  seed: number,
): { sim: RunResult; real: RunResult; simLines: string[]; realLines: string[] } {
  const verdicts = JSON.parse(readFileSync(join(dir, `seed-${seed}.json`), 'utf8'));
  const lines = (side: string) => readFileSync(join(dir, `seed-${seed}.${side}.txt`), 'utf8').split('\n');
  return { sim: verdicts.sim, real: verdicts.real, simLines: lines('sim'), realLines: lines('real') };
}

/** `n` of `of` as a whole percentage ('0' of nothing). */
function percent(n: number, of: number): string {
  return of === 0 ? '0' : ((100 * n) / of).toFixed(0);
}

/** The seeds a --keep run left in `dir`, ascending. */
function keptSeeds(dir: string): number[] {
  return readdirSync(dir)
    .map((name) => /^seed-(\d+)\.json$/.exec(name)?.[1])
    .filter((seed) => seed !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** `make()` once, on first call. */
function once<T>(make: () => T): () => T {
  let value: { made: T } | null = null;
  return () => {
    value ??= { made: make() };
    return value.made;
  };
}

/**
 * The simulator's outcomes for `scenario` under draw seeds 1..count, with the node ids of the run
 * compared (the real run started its nodes with them too).
 */
function otherDraws(scenario: Scenario, nodeIds: Record<string, string>, count: number): Outcome[] {
  const outcomes: Outcome[] = [];
  for (let drawSeed = 1; drawSeed <= count; drawSeed++) {
    const lines: string[] = [];
    outcomes.push(outcomeOf(scenario, simRun(scenario, { drawSeed, nodeIds }, lines), lines));
  }
  return outcomes;
}

/** One simulator run of `scenario`, its trace lines pushed onto `lines`. */
function simRun(scenario: Scenario, options: SimRunOptions, lines: string[]): RunResult {
  const run = new SimRun(scenario, { ...options, onTraceLine: (line) => lines.push(line), keepAckEvents: false });
  run.runSteps(MAX_STEPS);
  const result = run.result(false);
  run.world.retire();
  return result;
}

/** How one seed compared: the same outcome, a race (the simulator reaches the real outcome under other draws), or a gap. */
type Comparison = 'agree' | 'race' | 'gap';

/** Prints one comparison, with the simulator's other draws when the runs disagree. */
function report(
  seed: number,
  simOutcome: Outcome,
  realOutcome: Outcome,
  note: string,
  drawsOf: () => Outcome[],
): Comparison {
  const diff = differences(simOutcome, realOutcome);
  console.log(
    `seed ${seed}${note}: ${diff.length === 0 ? 'agree' : 'DISAGREE'}` +
      ` (sim ${simOutcome.verdict}${simOutcome.fingerprint ? ` ${simOutcome.fingerprint}` : ''}, real ${realOutcome.verdict}${realOutcome.fingerprint ? ` ${realOutcome.fingerprint}` : ''};` +
      ` primaries sim [${simOutcome.primaries.join(',')}] real [${realOutcome.primaries.join(',')}], failovers ${simOutcome.failovers}/${realOutcome.failovers})`,
  );
  if (diff.length === 0) return 'agree';
  const others = drawsOf();
  const reached = others.filter((other) => differences(other, realOutcome).length === 0).length;
  const simAgain = others.filter((other) => differences(other, simOutcome).length === 0).length;
  console.log(
    reached > 0
      ? `  race: the simulator reaches the real outcome in ${reached} of ${others.length} other draws (its own outcome in ${simAgain})`
      : `  GAP: the simulator does not reach the real outcome in ${others.length} other draws (its own outcome in ${simAgain}); closest differs in: ${closest(others, realOutcome)}`,
  );
  for (const line of diff) console.log(`  ${line}`);
  console.log(`  first parting: ${firstParting(simOutcome, realOutcome) ?? 'none (same faults and wins)'}`);
  console.log('  sim key events:');
  for (const line of simOutcome.keyEvents) console.log(`    ${line}`);
  console.log('  real key events:');
  for (const line of realOutcome.keyEvents) console.log(`    ${line}`);
  return reached > 0 ? 'race' : 'gap';
}

/** What the simulator draw nearest the real outcome still differs in (fewest differences). */
function closest(others: readonly Outcome[], real: Outcome): string {
  let best: string[] | null = null;
  for (const other of others) {
    const diff = differences(other, real);
    if (best === null || diff.length < best.length) best = diff;
  }
  return best === null ? 'no draws' : best.map((line) => line.split(':')[0]).join(', ');
}

/** The closing line: both rates. */
function summary(tally: Record<Comparison, number>): string {
  const compared = tally.agree + tally.race + tally.gap;
  return (
    `agreement: ${tally.agree}/${compared} (${percent(tally.agree, compared)}%) one to one; ` +
    `${tally.agree + tally.race}/${compared} (${percent(tally.agree + tally.race, compared)}%) with the real outcome among the simulator's over ${draws} other draws ` +
    `(${tally.race} races, ${tally.gap} gaps)`
  );
}

async function main(): Promise<void> {
  const reanalyseDir = flagValue('--reanalyse');
  const versusDir = flagValue('--versus');
  if (reanalyseDir !== undefined && versusDir !== undefined) return realVersusReal(reanalyseDir, versusDir);
  if (reanalyseDir !== undefined) return reanalyse(reanalyseDir);
  const sim = createSimBackend();
  const real = createRealBackend({ spares: 'never' });
  // Node logs of real violations land here and go with the process: the key events are printed.
  const artifactsDir = mkdtempSync(join(tmpdir(), 'busfuzz-agreement-'));
  const tally: Record<Comparison, number> = { agree: 0, race: 0, gap: 0 };
  let compared = 0;
  let skipped = 0;
  let hung = 0;
  try {
    for (let seed = firstSeed; compared < count; seed++) {
      const scenario = generateScenario(seed);
      const nodes = scenario.cluster.numShards * (1 + scenario.cluster.replicasPerShard);
      if (nodes > maxNodes || scenario.timeline.some((step) => step.action === 'add_node')) {
        skipped++;
        continue;
      }
      const simLines: string[] = [];
      const simResult = await sim.run(scenario, { maxSteps: MAX_STEPS, onTraceLine: (line) => simLines.push(line) });
      const realLines: string[] = [];
      const startedMs = Date.now();
      // Fair comparison: the simulator's first convergence check comes a settle time (two node
      // timeouts) after the final heal; the real backend checks at once unless told to wait as long.
      // A real run that outlives its plan, settle and convergence budget by a minute and a half
      // (formation included) is stuck: abort it (verdict aborted), and say so.
      const lastStepMs = Math.max(
        0,
        ...scenario.timeline.map((step) => step.atMs + ('durationMs' in step ? (step.durationMs ?? 0) : 0)),
      );
      const budgetMs = lastStepMs + scenario.validation.convergenceTimeoutMs + 90_000;
      const running = real.run(scenario, {
        signal: AbortSignal.timeout(budgetMs),
        maxSteps: MAX_STEPS,
        onTraceLine: (line) => realLines.push(line),
        // With --keep, every real run's node folders (logs, nodes.conf) stay beside its traces,
        // for reading why a disagreement parted.
        artifactsDir: keepDir === undefined ? artifactsDir : join(keepDir, `nodes-${seed}`),
        keepFiles: keepDir !== undefined,
        // Shared draws: each real node starts with the simulator's id for it, so replicas with equal
        // offsets rank alike on both backends (class R1, the node-id tie).
        steering: {
          rules: [],
          jitterMs: 0,
          seed,
          settleMs: simulatorSettleMs(scenario),
          nodeIds: firstNodeIds(simLines),
        },
      });
      // A run that ignores the abort too (seed 15 did) is left behind: verdict 'hung', and the
      // process exits at the end without waiting for its servers (the exit handler stops them).
      let timer: NodeJS.Timeout | undefined;
      const realResult = await Promise.race([
        running,
        new Promise<RunResult>((resolveHung) => {
          timer = setTimeout(() => resolveHung(hungResult(simResult)), budgetMs + 30_000);
        }),
      ]);
      clearTimeout(timer);
      if (realResult.verdict === ('hung' as RunResult['verdict'])) hung++;
      if (keepDir !== undefined) {
        mkdirSync(keepDir, { recursive: true });
        writeFileSync(join(keepDir, `seed-${seed}.sim.txt`), `${simLines.join('\n')}\n`);
        writeFileSync(join(keepDir, `seed-${seed}.real.txt`), `${realLines.join('\n')}\n`);
        const verdicts = { sim: brief(simResult), real: brief(realResult) };
        writeFileSync(join(keepDir, `seed-${seed}.json`), `${JSON.stringify(verdicts)}\n`);
      }
      const simOutcome = outcomeOf(scenario, simResult, simLines);
      const realOutcome = outcomeOf(scenario, realResult, realLines);
      compared++;
      const note = ` (${nodes} nodes, real ${((Date.now() - startedMs) / 1000).toFixed(0)} s)`;
      tally[report(seed, simOutcome, realOutcome, note, () => otherDraws(scenario, firstNodeIds(simLines), draws))]++;
    }
  } finally {
    if (hung === 0) await real.close();
    rmSync(artifactsDir, { recursive: true, force: true });
  }
  console.log(
    `${summary(tally)}, ${skipped} generated scenarios skipped (over ${maxNodes} nodes or adding nodes), ${hung} real runs hung`,
  );
  if (hung > 0) process.exit(0);
}

try {
  await main();
} catch (error) {
  // A refused input (the simulator's node ids, say) is one line, not a stack.
  if (!(error instanceof InputError)) throw error;
  console.error(`agreement: ${error.message}`);
  process.exit(2);
}
