/**
 * The feature map of guided fuzzing (AFL's coverage bitmap, for abstract protocol states): a run
 * reports the distinct features it reached as indices into a fixed-size map. The simulator
 * computes them (sim/coverage/); the guided loop (core/fuzz/guided/) keeps the scenarios that
 * reached new ones. Hashing and bucketing live here so both sides agree on the map.
 */

/**
 * log2 of the map size: 1,048,576 entries. AFL's default 65,536 is sized for a program's branch
 * edges; a campaign here reaches 20-60 thousand distinct features in minutes (one process, 300
 * CPU-seconds: 23.1k plain, 34.0k guided). In 65,536 entries a new feature then lands on an entry
 * already set 30-50% of the time: the guided loop misses that share of its novelty, and the
 * `features` count flattens for both modes. At this size the fold is under 4%.
 */
export const FEATURE_MAP_BITS = 20;
export const FEATURE_MAP_SIZE = 1 << FEATURE_MAP_BITS;
const FEATURE_MASK = FEATURE_MAP_SIZE - 1;

/**
 * AFL's hit-count buckets: 0, 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+ as 0..8, so a feature hit
 * 9 or 12 times is one feature and the map stays finite.
 */
export function bucketOf(count: number): number {
  if (count <= 3) return Math.max(count, 0);
  if (count < 8) return 4;
  if (count < 16) return 5;
  if (count < 32) return 6;
  if (count < 128) return 7;
  return 8;
}

/** One round of a 32-bit integer mix (murmur3's fmix32 over the running hash and one part). */
function mix(hash: number, part: number): number {
  let h = Math.imul(hash ^ (part | 0), 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The map index of a feature made of up to five small integers (the first names its kind). */
export function featureIndex(kind: number, a = 0, b = 0, c = 0, d = 0): number {
  return mix(mix(mix(mix(mix(0x5bd1e995, kind), a), b), c), d) & FEATURE_MASK;
}

/** The index a feature takes at a hit-count bucket (the run's own count of that feature). */
export function bucketedIndex(index: number, count: number): number {
  return mix(index + 1, bucketOf(count)) & FEATURE_MASK;
}
