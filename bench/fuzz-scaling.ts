/**
 * How the fuzz loop scales with workers: the same seeds run with 1 worker and with 2 (or
 * --workers N), on the simulator, timed from the moment the workers are ready. Prints runs/s for
 * each and the ratio (2 workers on 2 cores should reach >= 1.9), best of alternating
 * rounds because a shared machine's other load only ever slows a round down. Crash files go to a
 * temporary folder that is removed afterwards.
 *
 * Each round also says where the CPU went (Linux /proc, bench/proc-cpu.ts): the parent process
 * (its share of the cores), the workers' JavaScript main threads, and their other threads (V8's
 * background compiler and GC helpers, busy only when a worker is not single-threaded, i.e. with
 * fewer workers than cores). From those, a CPU-model ratio: what the ratio is on otherwise idle
 * cores, which other load on a shared machine does not move the way it moves wall times.
 *
 *   npx tsx bench/fuzz-scaling.ts [--runs 400] [--warmup 500] [--max-steps 100000] [--seed 1] [--workers 2] [--repeat 3] [--json]
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

async function warmUp(pool: WorkerPool, workers: number, firstSeed: number, runsPerWorker: number): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async (_, index) => {
      for (let run = 0; run < runsPerWorker; run++) await pool.run(firstSeed + index * runsPerWorker + run);
    }),
  );
}

async function measure(
  workers: number,
  firstSeed: number,
  runs: number,
  maxSteps: number,
  warmupRuns: number,
): Promise<Measurement> {
  const crashDir = await mkdtemp(join(tmpdir(), 'busfuzz-scaling-'));
  try {
    const pool = await WorkerPool.start(workers, {
      moduleUrl: WORKER_MODULE_URL,
      backend: 'sim',
      backendOptions: {},
      maxSteps,
    });
    await warmUp(pool, workers, firstSeed + runs + 1_000_000, warmupRuns);
    const cpuBefore = sampleCpu();
    // The loop closes the pool when done: the workers' CPU is read just before that.
    let cpuAfter: ReturnType<typeof sampleCpu> = [];
    const executor = {
      capacity: pool.capacity,
      run: (seed: number) => pool.run(seed),
      abort: () => pool.abort(),
      close: (graceMs: number) => {
        cpuAfter = sampleCpu();
        return pool.close(graceMs);
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
    const cpu = cpuBetween(cpuBefore, cpuAfter);
    if (summary.fatal !== null) throw summary.fatal;
    const errors = summary.errors.reduce((sum, error) => sum + error.count, 0);
    if (summary.runs + errors !== runs)
      throw new Error(`expected ${runs} runs, got ${summary.runs} (+${errors} errors)`);
    return {
      workers,
      runs: summary.runs,
      steps: summary.steps,
      wallMs: Math.round(summary.elapsedMs),
      runsPerSec: summary.runs / (summary.elapsedMs / 1000),
      stepsPerSec: summary.steps / (summary.elapsedMs / 1000),
      cpu,
    };
  } finally {
    await rm(crashDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '400' },
      warmup: { type: 'string', default: String(DEFAULT_WARMUP_RUNS_PER_WORKER) },
      'max-steps': { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string', default: '2' },
      repeat: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const [runs, maxSteps, seed, workers, repeat, warmupRuns] = [
    values.runs,
    values['max-steps'],
    values.seed,
    values.workers,
    values.repeat,
    values.warmup,
  ].map(Number) as [number, number, number, number, number, number];
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(
    `fuzz scaling: seeds ${seed}..${seed + runs - 1}, max ${maxSteps} steps, 1 vs ${workers} workers, ${availableParallelism()} cores, ` +
      `${warmupRuns} warm-up runs per worker, best of ${repeat} alternating rounds; load average before: ${loadavg()
        .map((load) => load.toFixed(2))
        .join(' ')}`,
  );
  const describe = (m: Measurement) =>
    `${m.runsPerSec.toFixed(2)} runs/s (${m.runs} runs in ${(m.wallMs / 1000).toFixed(1)} s, ${Math.round(m.stepsPerSec)} steps/s); ` +
    `CPU: parent ${(m.cpu.parentMs / 1000).toFixed(2)} s (${((100 * m.cpu.parentMs) / (m.wallMs * availableParallelism())).toFixed(1)}% of the cores), ` +
    `workers' main threads ${(m.cpu.workersMainMs / 1000).toFixed(1)} s, their other threads ${(m.cpu.workersOtherMs / 1000).toFixed(2)} s; load ${loadavg()[0]!.toFixed(2)}`;
  // Alternating rounds, best of each: other processes on a shared machine only ever slow a round down.
  const ones: Measurement[] = [];
  const manys: Measurement[] = [];
  for (let round = 1; round <= repeat; round++) {
    ones.push(await measure(1, seed, runs, maxSteps, warmupRuns));
    say(`  round ${round}: 1 worker  ${describe(ones.at(-1)!)}`);
    manys.push(await measure(workers, seed, runs, maxSteps, warmupRuns));
    say(`  round ${round}: ${workers} workers ${describe(manys.at(-1)!)}`);
  }
  const best = (list: Measurement[]) => list.reduce((a, b) => (b.runsPerSec > a.runsPerSec ? b : a));
  const [one, many] = [best(ones), best(manys)];
  const ratio = many.runsPerSec / one.runsPerSec;
  say(`  best 1 worker : ${describe(one)}`);
  say(`  best ${workers} workers: ${describe(many)}`);
  say(
    `  ratio         : ${ratio.toFixed(2)}x (load average after: ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')})`,
  );
  // What the CPU accounting says the ratio is on otherwise idle cores, robust to other load: one
  // worker is paced by its main thread (V8's helpers and the parent use the idle core), and N
  // workers on N cores by all the CPU they and the parent use per run. Medians of the rounds.
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const onePace = median(ones.map((m) => m.cpu.workersMainMs / m.runs));
  const manyCost = median(manys.map((m) => (m.cpu.workersMainMs + m.cpu.workersOtherMs + m.cpu.parentMs) / m.runs));
  const cpuRatio = Math.min(workers, availableParallelism()) * (onePace / manyCost);
  say(
    `  CPU-model ratio: ${cpuRatio.toFixed(2)}x (1 worker: ${onePace.toFixed(1)} ms of main thread per run, its helpers ` +
      `${median(ones.map((m) => m.cpu.workersOtherMs / m.runs)).toFixed(1)} ms; ${workers} workers: ${manyCost.toFixed(1)} ms of CPU per run, parent included)`,
  );
  if (values.json)
    process.stdout.write(
      `${JSON.stringify({ cores: availableParallelism(), runs, max_steps: maxSteps, one, many, ratio, cpu_ratio: cpuRatio, rounds: { one: ones, many: manys } })}\n`,
    );
}

await main();
