/**
 * What guided fuzzing's feedback costs a run: the same seeds run on the simulator with and without
 * feature collection (sim/coverage/), alternated seed by seed (and which goes first alternates too),
 * in this one process, timed in CPU time (process.cpuUsage) so other load on a shared machine moves
 * both sides alike. Checks on the way that both runs of a seed give the same trace hash. Prints the
 * CPU of each side, the overhead (the bound: 15%), and the median per-seed ratio.
 *
 *   npx tsx bench/guided-cost.ts [--seeds 200] [--first 1000] [--warmup 60] [--max-steps 1000000] [--json]
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { generateScenario } from '../core/generator.ts';
import { runSimScenario } from '../sim/index.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '200' },
    first: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '60' },
    'max-steps': { type: 'string', default: '1000000' },
    json: { type: 'boolean', default: false },
  },
});
const seeds = Number(values.seeds);
const first = Number(values.first);
const warmup = Number(values.warmup);
const maxSteps = Number(values['max-steps']);

function cpuMsOf(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

// Warm-up (JIT) on other seeds, both ways.
for (let seed = 1; seed <= warmup; seed++) {
  const scenario = generateScenario(seed);
  runSimScenario(scenario, { maxSteps, features: seed % 2 === 0 });
}

let plainMs = 0;
let guidedMs = 0;
let features = 0;
const ratios: number[] = [];
for (let seed = first; seed < first + seeds; seed++) {
  const scenario = generateScenario(seed);
  let plainHash = '';
  let guidedHash = '';
  const plain = () => {
    plainHash = runSimScenario(scenario, { maxSteps }).traceHash;
  };
  const guided = () => {
    const result = runSimScenario(scenario, { maxSteps, features: true });
    guidedHash = result.traceHash;
    features += result.features?.length ?? 0;
  };
  let a: number;
  let b: number;
  if (seed % 2 === 0) {
    a = cpuMsOf(plain);
    b = cpuMsOf(guided);
  } else {
    b = cpuMsOf(guided);
    a = cpuMsOf(plain);
  }
  if (plainHash !== guidedHash) throw new Error(`seed ${seed}: feature collection changed the trace hash`);
  plainMs += a;
  guidedMs += b;
  if (a > 0) ratios.push(b / a);
}
ratios.sort((x, y) => x - y);
const overhead = guidedMs / plainMs - 1;
const median = ratios[Math.floor(ratios.length / 2)] ?? Number.NaN;
const out = {
  seeds,
  first_seed: first,
  plain_cpu_ms: Math.round(plainMs),
  guided_cpu_ms: Math.round(guidedMs),
  overhead_pct: Math.round(overhead * 1000) / 10,
  median_seed_ratio: Math.round(median * 1000) / 1000,
  mean_features_per_run: Math.round(features / seeds),
  load: loadavg().map((load) => Math.round(load * 100) / 100),
};
if (values.json) console.log(JSON.stringify(out));
else {
  console.log(
    `guided-cost: ${seeds} seeds from ${first}: plain ${out.plain_cpu_ms} ms CPU, with features ${out.guided_cpu_ms} ms CPU: ` +
      `overhead ${out.overhead_pct}% (bound 15%), median per-seed ratio ${out.median_seed_ratio}, ` +
      `${out.mean_features_per_run} features per run, trace hashes equal; load ${out.load.join(' ')}`,
  );
}
