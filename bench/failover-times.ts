/**
 * Kill-to-promotion times of scenarios/kill-primary.yaml on the simulator over 50 seeds, next to
 * what real valkey-server 8.0.1 takes (shared/spec/real-timings.md: 2.00-2.32 s, 3 x 1,
 * node_timeout 1000 ms, ping interval 100 ms).
 *
 *   npx tsx bench/failover-times.ts [seeds]
 */
import { loadScenarioFile } from '../core/dsl/index.ts';
import { measureFailover, summarize } from '../sim/failover-timing.ts';

const seeds = Number(process.argv[2] ?? 50);
const scenario = loadScenarioFile(new URL('../scenarios/kill-primary.yaml', import.meta.url).pathname);
const timings = Array.from({ length: seeds }, (_, i) => measureFailover(scenario, i + 1));
const times = timings.flatMap((timing) => (timing.failoverMs === null ? [] : [timing.failoverMs]));
const stats = summarize(times);
const seconds = (ms: number): string => (ms / 1000).toFixed(2);
console.log(`kill-primary (3 x 1, node_timeout 1000 ms, ping interval 100 ms), ${seeds} seeds on the simulator:`);
console.log(
  `  kill -> replica promoted: min ${seconds(stats.min)} s  p50 ${seconds(stats.p50)} s  p90 ${seconds(stats.p90)} s  max ${seconds(stats.max)} s`,
);
console.log('  real valkey-server 8.0.1:  2.00 - 2.32 s (trials 2.30, 2.00, 2.24, 2.32, 2.28 s)');
console.log(
  `  acceptance window: 1.6 - 3.2 s; promoted in ${times.length}/${seeds} runs, converged in ${timings.filter((t) => t.converged).length}/${seeds}`,
);
const histogram = new Map<number, number>();
for (const ms of times) histogram.set(Math.floor(ms / 100) * 100, (histogram.get(Math.floor(ms / 100) * 100) ?? 0) + 1);
for (const [bucket, count] of [...histogram.entries()].sort((a, b) => a[0] - b[0]))
  console.log(`  ${seconds(bucket)}-${seconds(bucket + 99)} s ${'#'.repeat(count)} ${count}`);
const bad = timings.filter((t) => t.violation !== null || !t.converged || t.failoverMs === null);
if (bad.length > 0) {
  console.log(
    `  runs that did not end well: ${bad.map((t) => `seed ${t.seed}: ${t.violation ?? (t.converged ? 'no failover' : 'not converged')}`).join(', ')}`,
  );
  process.exitCode = 1;
}
