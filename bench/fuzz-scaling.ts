/**
 * How the fuzz loop scales with workers: the same seeds run with 1 worker and with 2 (or
 * --workers N), on the simulator, as `busfuzz fuzz` runs them (features on). Prints runs/s for
 * each and the ratio (2 workers on 2 cores should reach >= 1.9). Crash files go to a temporary
 * folder that is removed afterwards.
 *
 * Paired, interleaved batches: both pools are started and warmed up, then the seeds are cut into
 * --batches chunks and each chunk runs on one pool and at once on the other, the order alternating
 * chunk by chunk. A round's ratio is the N-worker rate over the 1-worker rate, each summed over its
 * chunks. Why: this VM's speed drifts by 15-25% over tens of seconds (the same 400 seeds on the
 * same pool took 16.9 s and 21.9 s a minute apart), so rounds timed one after the other compared
 * the machine's moods as much as the worker counts; chunks a few seconds apart see the same mood.
 * The idle pool's workers wait on their pipe and use no CPU. Chunks are large enough (default 200
 * seeds) that the N-worker pool's tail, one worker idle while the other ends the chunk's last run,
 * costs under 1%; a continuous campaign has no such tail.
 *
 * Each round also says where the CPU went (Linux /proc, bench/proc-cpu.ts): the parent process
 * (its share of the cores), the workers' JavaScript main threads, and their other threads (V8's
 * background compiler and GC helpers, busy only when a worker is not single-threaded, i.e. with
 * fewer workers than cores). From those, a CPU-model ratio: what the ratio is on otherwise idle
 * cores, which other load on a shared machine does not move the way it moves wall times.
 *
 *   npx tsx bench/fuzz-scaling.ts [--runs 800] [--batches 4] [--warmup 500] [--max-steps 100000] [--seed 1] [--workers 2] [--repeat 3] [--json]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FuzzLoop, type FuzzSummary } from '../core/fuzz/loop.ts';
import { WorkerPool } from '../core/fuzz/worker-pool.ts';
import { cpuBetween, sampleCpu, type CpuSplit } from './proc-cpu.ts';

const WORKER_MODULE_URL = new URL('../bin/fuzz-worker.ts', import.meta.url).href;

interface Measurement {
  workers: number;
  runs: number;
  steps: number;
  wallMs: number;
  runsPerSec: number;
  stepsPerSec: number;
  /** CPU of the timed part, by where it went (Linux /proc). */
  cpu: CpuSplit;
}

/**
 * Warm-up seeds per worker, outside the measured range: each worker is its own V8 and JIT-compiles
 * the simulator itself, and a single-threaded worker (every core busy) does it on its own thread,
 * while a lone worker does it on the idle core. So a measurement inside the compiling compares
 * start-up costs, not what a fuzz run of hours sees. With the protocol profiles, time faults and
 * more invariants the compiling settles later than it did: TurboFan compiles per 100 runs of
 * seeds 1..1000 in one process were 786, 122, 89, 32, 40, 20, 8, 12, 44, 19 (--trace-opt), and
 * the CPU per run fell from 91 to 49, 42, then 36-41 ms from the fourth hundred on. Hence 500.
 * `--warmup` changes it.
 */
const DEFAULT_WARMUP_RUNS_PER_WORKER = 500;

async function startPool(
  workers: number,
  maxSteps: number,
  warmupSeed: number,
  warmupRuns: number,
): Promise<WorkerPool> {
  const pool = await WorkerPool.start(workers, {
    moduleUrl: WORKER_MODULE_URL,
    backend: 'sim',
    backendOptions: {},
    maxSteps,
    // As `busfuzz fuzz` runs: every run reports its features (the stats file counts them).
    features: true,
  });
  await Promise.all(
    Array.from({ length: workers }, async (_, index) => {
      for (let run = 0; run < warmupRuns; run++) await pool.run(warmupSeed + index * warmupRuns + run);
    }),
  );
  return pool;
}

/** One chunk of seeds through the fuzz loop on a warm pool, which stays open for the next chunk. */
async function runChunk(pool: WorkerPool, firstSeed: number, runs: number, maxSteps: number, crashDir: string) {
  const cpuBefore = sampleCpu();
  let cpuAfter: ReturnType<typeof sampleCpu> = [];
  const executor = {
    capacity: pool.capacity,
    run: (seed: number) => pool.run(seed),
    abort: () => pool.abort(),
    close: async () => {
      cpuAfter = sampleCpu();
    },
  };
  const summary: FuzzSummary = await new FuzzLoop({
    executor,
    firstSeed,
    runs,
    timeLimitMs: null,
    maxSteps,
    crashDir,
    known: new Map(),
    recorded: new Map(),
  }).run();
  if (summary.fatal !== null) throw summary.fatal;
  const errors = summary.errors.reduce((sum, error) => sum + error.count, 0);
  if (summary.runs + errors !== runs) throw new Error(`expected ${runs} runs, got ${summary.runs} (+${errors} errors)`);
  return { summary, cpu: cpuBetween(cpuBefore, cpuAfter) };
}

function emptyCpu(): CpuSplit {
  return { parentMs: 0, workersMainMs: 0, workersOtherMs: 0, rows: [] };
}

function addCpu(total: CpuSplit, part: CpuSplit): void {
  total.parentMs += part.parentMs;
  total.workersMainMs += part.workersMainMs;
  total.workersOtherMs += part.workersOtherMs;
  for (const row of part.rows) {
    const same = total.rows.find((r) => r.process === row.process && r.thread === row.thread);
    if (same === undefined) total.rows.push({ ...row });
    else same.cpuMs += row.cpuMs;
  }
}

/** One round: both pools warm, the seeds in `batches` chunks, each chunk on both pools in alternating order. */
async function measureRound(
  round: number,
  workers: number,
  firstSeed: number,
  runs: number,
  batches: number,
  maxSteps: number,
  warmupRuns: number,
): Promise<[Measurement, Measurement]> {
  const crashDir = await mkdtemp(join(tmpdir(), 'busfuzz-scaling-'));
  const warmupSeed = firstSeed + runs + 1_000_000;
  const pools: WorkerPool[] = [];
  try {
    pools.push(await startPool(1, maxSteps, warmupSeed, warmupRuns));
    pools.push(await startPool(workers, maxSteps, warmupSeed, warmupRuns));
    const totals = [1, workers].map((count) => ({ workers: count, runs: 0, steps: 0, wallMs: 0, cpu: emptyCpu() }));
    const chunk = Math.ceil(runs / batches);
    for (let batch = 0; batch < batches; batch++) {
      const from = firstSeed + batch * chunk;
      const count = Math.min(chunk, firstSeed + runs - from);
      if (count <= 0) break;
      const order = (batch + round) % 2 === 0 ? [0, 1] : [1, 0];
      for (const which of order) {
        const { summary, cpu } = await runChunk(pools[which]!, from, count, maxSteps, crashDir);
        const total = totals[which]!;
        total.runs += summary.runs;
        total.steps += summary.steps;
        total.wallMs += summary.elapsedMs;
        addCpu(total.cpu, cpu);
      }
    }
    const [one, many] = totals.map((total) => ({
      ...total,
      wallMs: Math.round(total.wallMs),
      runsPerSec: total.runs / (total.wallMs / 1000),
      stepsPerSec: total.steps / (total.wallMs / 1000),
    }));
    return [one!, many!];
  } finally {
    await Promise.all(pools.map((pool) => pool.close(1000)));
    await rm(crashDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '800' },
      batches: { type: 'string', default: '4' },
      warmup: { type: 'string', default: String(DEFAULT_WARMUP_RUNS_PER_WORKER) },
      'max-steps': { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string', default: '2' },
      repeat: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const [runs, batches, maxSteps, seed, workers, repeat, warmupRuns] = [
    values.runs,
    values.batches,
    values['max-steps'],
    values.seed,
    values.workers,
    values.repeat,
    values.warmup,
  ].map(Number) as [number, number, number, number, number, number, number];
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const loads = () =>
    loadavg()
      .map((load) => load.toFixed(2))
      .join(' ');
  say(
    `fuzz scaling: seeds ${seed}..${seed + runs - 1} in ${batches} chunks, each on 1 and on ${workers} workers in alternating order, ` +
      `max ${maxSteps} steps, ${availableParallelism()} cores, ${warmupRuns} warm-up runs per worker, ${repeat} rounds; load average before: ${loads()}`,
  );
  const describe = (m: Measurement) =>
    `${m.runsPerSec.toFixed(2)} runs/s (${m.runs} runs in ${(m.wallMs / 1000).toFixed(1)} s, ${Math.round(m.stepsPerSec)} steps/s); ` +
    `CPU: parent ${(m.cpu.parentMs / 1000).toFixed(2)} s (${((100 * m.cpu.parentMs) / (m.wallMs * availableParallelism())).toFixed(1)}% of the cores), ` +
    `workers' main threads ${(m.cpu.workersMainMs / 1000).toFixed(1)} s, their other threads ${(m.cpu.workersOtherMs / 1000).toFixed(2)} s`;
  const ones: Measurement[] = [];
  const manys: Measurement[] = [];
  const ratios: number[] = [];
  for (let round = 1; round <= repeat; round++) {
    const [one, many] = await measureRound(round, workers, seed, runs, batches, maxSteps, warmupRuns);
    ones.push(one);
    manys.push(many);
    ratios.push(many.runsPerSec / one.runsPerSec);
    say(`  round ${round}: 1 worker  ${describe(one)}`);
    say(`  round ${round}: ${workers} workers ${describe(many)}`);
    say(`  round ${round}: ratio ${ratios.at(-1)!.toFixed(2)}x (load ${loads()})`);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const ratio = median(ratios);
  say(
    `  ratio per round: ${ratios.map((r) => `${r.toFixed(2)}x`).join(', ')}; median ${ratio.toFixed(2)}x, lowest ${Math.min(...ratios).toFixed(2)}x`,
  );
  // What the CPU accounting says the ratio is on otherwise idle cores, robust to other load: one
  // worker is paced by its main thread (V8's helpers and the parent use the idle core), and N
  // workers on N cores by all the CPU they and the parent use per run. Medians of the rounds.
  const onePace = median(ones.map((m) => m.cpu.workersMainMs / m.runs));
  const manyCost = median(manys.map((m) => (m.cpu.workersMainMs + m.cpu.workersOtherMs + m.cpu.parentMs) / m.runs));
  const cpuRatio = Math.min(workers, availableParallelism()) * (onePace / manyCost);
  say(
    `  CPU-model ratio: ${cpuRatio.toFixed(2)}x (1 worker: ${onePace.toFixed(1)} ms of main thread per run, its helpers ` +
      `${median(ones.map((m) => m.cpu.workersOtherMs / m.runs)).toFixed(1)} ms; ${workers} workers: ${manyCost.toFixed(1)} ms of CPU per run, parent included)`,
  );
  if (values.json)
    process.stdout.write(
      `${JSON.stringify({ cores: availableParallelism(), runs, batches, max_steps: maxSteps, ratio, ratios, cpu_ratio: cpuRatio, rounds: { one: ones, many: manys } })}\n`,
    );
}

await main();
