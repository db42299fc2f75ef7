/**
 * Interned slot sets: equal sets are one object, and the incremental range updates the model uses
 * when it rebinds slots agree with a rescan of the owner table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLUSTER_SLOTS, SlotSetTable } from '../../sim/valkey/slot-set.ts';
import { FC_SEED, fcParams } from '../fc-config.ts';

const range = fc
  .tuple(fc.integer({ min: 0, max: CLUSTER_SLOTS - 1 }), fc.integer({ min: 0, max: 300 }))
  .map(([start, length]) => [start, Math.min(CLUSTER_SLOTS - 1, start + length)] as const);

describe(`slot sets (FC_SEED=${FC_SEED})`, () => {
  it('rebinding ranges incrementally gives the same interned sets as scanning the owner table', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), range), { maxLength: 40 }), (operations) => {
        const table = new SlotSetTable();
        const owners = new Int32Array(CLUSTER_SLOTS).fill(-1);
        const sets = [0, 1, 2, 3].map(() => table.empty);
        for (const [owner, [start, end]] of operations) {
          for (let slot = start; slot <= end; slot++) {
            const previous = owners[slot];
            if (previous !== undefined && previous >= 0 && previous !== owner)
              sets[previous] = table.withoutRange(sets[previous]!, slot, slot);
            owners[slot] = owner;
          }
          sets[owner] = table.withRange(sets[owner]!, start, end);
        }
        for (let owner = 0; owner < 4; owner++) expect(sets[owner]).toBe(table.ofOwnerId(owners, owner));
      }),
      fcParams(50),
    );
  });

  it("has(slot) agrees with the set's bits for every slot", () => {
    fc.assert(
      fc.property(
        fc.array(range, { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: CLUSTER_SLOTS - 1 }), { minLength: 1, maxLength: 50 }),
        (ranges, probes) => {
          const table = new SlotSetTable();
          let set = table.empty;
          for (const [start, end] of ranges) set = table.withRange(set, start, end);
          for (const slot of [...probes, 0, CLUSTER_SLOTS - 1, ...set.ranges])
            expect(set.has(slot)).toBe(set.bits[slot] === 1);
        },
      ),
      fcParams(50),
    );
  });

  it('prints and counts ranges as CLUSTER NODES does', () => {
    const table = new SlotSetTable();
    const set = table.withRange(table.withRange(table.ofRange(0, 5460), 6000, 6000), 5461, 5999);
    expect(set.key).toBe('0-6000');
    expect(set.count).toBe(6001);
    expect(table.withoutRange(set, 100, 199).toRanges()).toEqual([
      [0, 99],
      [200, 6000],
    ]);
  });
});
