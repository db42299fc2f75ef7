/**
 * Memory over a long simulated run: the bench's fixed workload (6 nodes, 3 x 1, writes, random
 * faults all along, safety invariants on every event) for 10 million steps, printing the heap
 * after every million. The heap must stay under 300 MB and must not grow with the step count.
 *
 *   node --expose-gc --import tsx bench/memory.ts [steps]
 * (without --expose-gc the samples include garbage not yet collected).
 */
import { benchScenario } from '../sim/bench.ts';
import { SimRun } from '../sim/runner.ts';

const steps = Number(process.argv[2] ?? 10_000_000);
const every = 1_000_000;
const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed / (1024 * 1024);
};
const run = new SimRun(benchScenario(steps), { keepEvents: false });
const samples: number[] = [];
console.log(
  `bench workload for ${steps.toLocaleString('en-US')} steps${gc === undefined ? ' (no --expose-gc: samples include uncollected garbage)' : ''}`,
);
for (let target = every; target <= steps; target += every) {
  run.runSteps(target);
  const mb = heapMb();
  samples.push(mb);
  const world = run.world;
  console.log(
    `  ${(world.steps / 1e6).toFixed(0).padStart(3)}M steps  ${(world.nowMs / 3_600_000).toFixed(2)} h simulated  heap ${mb.toFixed(1)} MB  ` +
      `pending events ${world.scheduler.size}  live messages ${world.network.pool.live}  connections ${world.network.connectionCount()}`,
  );
  if (run.done) break;
}
const max = Math.max(...samples);
const firstHalf = samples.slice(0, Math.ceil(samples.length / 2));
const secondHalf = samples.slice(Math.ceil(samples.length / 2));
const growthMb = Math.max(...secondHalf) - Math.max(...firstHalf);
console.log(
  `max heap ${max.toFixed(1)} MB (limit 300 MB); second half vs first half: ${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(1)} MB`,
);
if (run.violation !== null) console.log(`violation: ${run.violation.fingerprint}`);
if (max >= 300) process.exitCode = 1;
