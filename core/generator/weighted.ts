/**
 * Weighted choices for the generator: the swarm mix is a table of values and integer weights,
 * so the distribution reads at a glance and draws stay integer.
 */
import type { Rng } from '../rng.ts';

export type Weighted<T> = readonly (readonly [value: T, weight: number])[];

export function pickWeighted<T>(rng: Rng, table: Weighted<T>): T {
  const total = table.reduce((sum, [, weight]) => sum + weight, 0);
  if (!(total > 0)) throw new Error('pickWeighted: weights must add up to more than 0');
  let ticket = rng.int(total);
  for (const [value, weight] of table) {
    if (ticket < weight) return value;
    ticket -= weight;
  }
  throw new Error('pickWeighted: unreachable');
}

/** A random subset of `items` in their given order, each kept with probability 1/2. */
export function subset<T>(rng: Rng, items: readonly T[]): T[] {
  return items.filter(() => rng.chance(1, 2));
}

/** Rounded down to a multiple of `stepMs` (generated times read as 1.5s, not 1517ms). */
export function roundMs(ms: number, stepMs = 100): number {
  return Math.floor(ms / stepMs) * stepMs;
}
