/**
 * The simulator's features for guided fuzzing (sim/coverage/, core/features.ts): the map's
 * hashing and buckets, and a run's features: sorted, distinct, inside the map, the same for the
 * same scenario, and without any effect on the run (trace hash, verdict, steps).
 */
import { describe, expect, it } from 'vitest';
import { bucketedIndex, bucketOf, FEATURE_MAP_SIZE, featureIndex } from '../../core/features.ts';
import { generateScenario } from '../../core/generator.ts';
import { runSimScenario } from '../../sim/index.ts';

describe('the feature map', () => {
  it('buckets hit counts as AFL does: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+', () => {
    expect([0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 127, 128, 10_000].map(bucketOf)).toEqual([
      0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
    ]);
  });

  it('hashes features into the map, each part counting, the same way every time', () => {
    const indices = new Set<number>();
    for (let kind = 1; kind <= 8; kind++)
      for (let a = 0; a < 20; a++) {
        const index = featureIndex(kind, a, 1, 2, 3);
        expect(index).toBe(featureIndex(kind, a, 1, 2, 3));
        expect(index >= 0 && index < FEATURE_MAP_SIZE).toBe(true);
        indices.add(index);
      }
    // 160 features in 1,048,576 entries: a collision at most.
    expect(indices.size).toBeGreaterThan(150);
    expect(featureIndex(1, 2, 3)).not.toBe(featureIndex(1, 3, 2));
    expect(bucketedIndex(77, 1)).not.toBe(bucketedIndex(77, 200));
    expect(bucketedIndex(77, 9)).toBe(bucketedIndex(77, 14));
  });
});

describe('features of a simulator run', () => {
  it('leave the run as it is, and are sorted, distinct, in the map and the same for the same scenario', () => {
    let total = 0;
    for (const seed of [1, 2, 6]) {
      const scenario = generateScenario(seed);
      const plain = runSimScenario(scenario, { maxSteps: 400_000 });
      const first = runSimScenario(scenario, { maxSteps: 400_000, features: true });
      const second = runSimScenario(scenario, { maxSteps: 400_000, features: true });
      expect(plain.features).toBeUndefined();
      expect(first.traceHash).toBe(plain.traceHash);
      expect(first.verdict).toBe(plain.verdict);
      expect(first.steps).toBe(plain.steps);
      expect(first.violation).toEqual(plain.violation);
      const features = first.features!;
      expect(second.features).toEqual(features);
      expect(
        features.every((index, i) => index >= 0 && index < FEATURE_MAP_SIZE && (i === 0 || index > features[i - 1]!)),
      ).toBe(true);
      total += features.length;
    }
    expect(total).toBeGreaterThan(100);
  });

  it('differ between runs that reach different states', () => {
    const a = new Set(runSimScenario(generateScenario(1), { maxSteps: 400_000, features: true }).features);
    const b = runSimScenario(generateScenario(3), { maxSteps: 400_000, features: true }).features!;
    expect(b.some((index) => !a.has(index))).toBe(true);
  });
});
