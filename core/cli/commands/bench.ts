/**
 * `busfuzz bench [--json]`: the simulator's fixed, seeded benchmark (6 nodes, 3 shards x 1
 * replica, random faults, invariants on) next to a bare-scheduler baseline in the same process.
 * `--max-steps` changes the step count (default: the benchmark's own).
 */
import type { Command } from '../context.ts';

export const benchCommand: Command = async (args, context) => {
  const result = context.deps.runBench(args.flags.maxSteps !== undefined ? { steps: args.flags.maxSteps } : {});
  if (args.flags.json) {
    context.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const lines = [
    `steps            ${result.steps.toLocaleString('en-US')}`,
    `wall             ${result.wall_ms} ms`,
    `steps/s          ${Math.round(result.steps_per_sec).toLocaleString('en-US')}`,
    `simulated time   ${(result.sim_time_ms / 1000).toFixed(1)} s (x${Math.round(result.time_compression)} faster than real time)`,
    `messages         ${result.messages.toLocaleString('en-US')} (${Math.round(result.messages_per_sec).toLocaleString('en-US')}/s)`,
    `baseline         ${Math.round(result.baseline_events_per_sec).toLocaleString('en-US')} bare scheduler events/s`,
    `ratio            ${result.ratio_to_baseline.toFixed(3)} of the baseline`,
    `heap             ${result.heap_mb.toFixed(1)} MB`,
  ];
  context.stdout.write(`${lines.join('\n')}\n`);
  return 0;
};
