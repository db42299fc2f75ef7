/**
 * slotOfKey caches the hash slot of workload key n in a typed array grown on demand: asked in any
 * order, for any key, it must give what keySlot gives for `key:<n>`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keySlot } from '../../sim/key-slot.ts';
import { slotOfKey } from '../../sim/valkey/data-keyspace.ts';
import { FC_SEED, fcParams } from '../fc-config.ts';

describe(`slotOfKey (FC_SEED=${FC_SEED})`, () => {
  it('agrees with keySlot of key:<n>, keys asked in any order, twice', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50_000 }), { maxLength: 200 }), (keys) => {
        for (const key of [...keys, ...keys]) expect(slotOfKey(key)).toBe(keySlot(`key:${key}`));
      }),
      fcParams(50),
    );
  });

  it('agrees for keys it does not cache (negative, fractional)', () => {
    for (const key of [-1, -7, 2.5]) expect(slotOfKey(key)).toBe(keySlot(`key:${key}`));
  });
});
