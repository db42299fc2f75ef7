/**
 * The wall clock, for measuring how long something took (benchmarks, progress lines), never for
 * steering a run: the simulator may time itself through this, but its model never reads it.
 */
export function wallClockMs(): number {
  return performance.now();
}
