/**
 * Seeded randomness for everything that must replay: the generator, the simulator's streams.
 * One stream per purpose, split from the run seed by name (`rng.fork('network')`), so an extra
 * draw in one stream leaves the others untouched (TigerBeetle seeds cluster, network and storage
 * separately; this keeps shrinking stable).
 *
 * Backed by seedrandom's Alea (fast, 32-bit state words). Integer helpers only draw integers;
 * probabilities are integer ratios where the caller can say so.
 */
import seedrandom from 'seedrandom';

/**
 * Every stream a run forks, by purpose: the one list, checked by the compiler at each fork. A
 * stream's name is part of its seed, so renaming one changes every run that draws from it (the
 * behaviour hashes and the committed crash files say so).
 * - generate: the scenario generator (core/generator.ts); interrupted: its crash-interrupted
 *   admin steps (core/generator/admin-steps.ts); generate-time: its clock and slow faults, drawn
 *   apart so that adding them left the other draws of existing seeds as they were; chaos: a chaos block's expansion
 *   (core/scenario/chaos.ts);
 * - targets: random targets resolved when a step runs; workload: the client's keys and pacing;
 *   network: the simulated network's latency and drops, or the fault proxy's;
 * - stops: where a SIGSTOP lands in the event loop (sim/world.ts); node-K: process K's own draws
 *   (its node id, cron phase, start-up delay);
 * - confirm-jitter: confirm's steered timings (real/steering.ts);
 * - fake-generator: the fake backend of the CLI tests;
 * - guided: guided fuzzing's choices for one campaign seed (fresh or mutant, parent, mutations;
 *   core/fuzz/guided/source.ts).
 */
export const RNG_STREAMS = [
  'generate',
  'interrupted',
  'generate-time',
  'chaos',
  'targets',
  'workload',
  'network',
  'stops',
  'confirm-jitter',
  'fake-generator',
  'guided',
] as const;
export type RngStream = (typeof RNG_STREAMS)[number] | `node-${number}`;

export class Rng {
  private readonly next: () => number;

  constructor(readonly seed: string) {
    this.next = seedrandom.alea(seed);
  }

  /** A child stream for one purpose; the same (seed, purpose) always gives the same stream. */
  fork(purpose: RngStream): Rng {
    return new Rng(`${this.seed}/${purpose}`);
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform integer in [0, n). n must be a positive integer. */
  int(n: number): number {
    if (!(n > 0)) throw new Error(`Rng.int: n must be positive, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max], both inclusive. */
  range(min: number, max: number): number {
    if (max < min) throw new Error(`Rng.range: max ${max} < min ${min}`);
    return min + this.int(max - min + 1);
  }

  /** True with probability numerator/denominator. */
  chance(numerator: number, denominator: number): boolean {
    return this.int(denominator) < numerator;
  }

  /** True with probability p (0..1). */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(items.length)]!;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** `count` lowercase hex characters (node ids, shard ids). */
  hex(count: number): string {
    let s = '';
    for (let i = 0; i < count; i++) s += '0123456789abcdef'[this.int(16)];
    return s;
  }
}

/** The root stream of a run. */
export function rngFor(seed: number | string): Rng {
  return new Rng(String(seed));
}
