/** ddmin: finds the failure-inducing items, 1-minimal, and stops when the budget is spent. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ddmin } from '../../../core/shrink/ddmin.ts';

const FC_SEED = Number(process.env.FC_SEED ?? 42);
const FC_NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 200);

describe(`ddmin (fc seed ${FC_SEED})`, () => {
  it('finds exactly the needed items when the failure needs a set of them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.nat({ max: 200 }), { minLength: 0, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (items, picks) => {
          const needed = new Set(picks.filter(() => items.length > 0).map((pick) => items[pick % items.length]!));
          let calls = 0;
          const result = await ddmin(items, async (subset) => {
            calls++;
            return [...needed].every((item) => subset.includes(item));
          });
          expect(new Set(result)).toEqual(needed);
          // In order, a sublist of the input.
          expect(result).toEqual(items.filter((item) => needed.has(item)));
          // ddmin makes at most n^2 + 3n tests, plus the one of the empty list.
          expect(calls).toBeLessThanOrEqual(1 + items.length ** 2 + 3 * items.length);
        },
      ),
      { seed: FC_SEED, numRuns: FC_NUM_RUNS },
    );
  });

  it('gives a 1-minimal result for an order-dependent failure (a before b)', async () => {
    const items = ['x', 'b', 'y', 'a', 'z', 'b', 'q'];
    const failing = (subset: string[]) => subset.indexOf('a') >= 0 && subset.lastIndexOf('b') > subset.indexOf('a');
    const result = await ddmin(items, async (subset) => failing(subset));
    expect(result).toEqual(['a', 'b']);
    for (let index = 0; index < result.length; index++) {
      expect(failing(result.filter((_, other) => other !== index))).toBe(false);
    }
  });

  it('returns the best so far when the budget runs out', async () => {
    let budget = 3;
    const result = await ddmin([1, 2, 3, 4, 5, 6, 7, 8], async (subset) => {
      if (budget-- <= 0) return null;
      return subset.includes(8);
    });
    expect(result).toContain(8);
    expect(result.length).toBeLessThan(8);
  });
});
