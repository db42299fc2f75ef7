/** The real backend's key slot (real/key-owner.ts) is the simulator's and Valkey's. */
import { expect, it } from 'vitest';
import { keySlot } from '../../real/key-owner.ts';
import { keySlot as simKeySlot } from '../../sim/key-slot.ts';

it('keySlot matches CLUSTER KEYSLOT and the simulator, hash tags included', () => {
  // The value the CLUSTER KEYSLOT documentation gives.
  expect(keySlot('foo')).toBe(12182);
  expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
  for (let index = 0; index < 2000; index++) {
    for (const key of [`busfuzz:${index}`, `{a${index}}x`, `x{}${index}`, `a{b${index}`]) {
      expect(keySlot(key)).toBe(simKeySlot(key));
    }
  }
});
