/** The real side of confirm's steering that needs no server: the id-order check after formation. */
import { describe, expect, it } from 'vitest';
import { Steerer } from '../../real/steering.ts';

describe('Steerer.idOrderMismatch', () => {
  const steering = {
    rules: [{ kind: 'id-order' as const, lower: 'node-4', higher: 'node-5', why: 'collision' }],
    jitterMs: 0,
    seed: 1,
  };
  it('passes ids in the asked order and names the pair otherwise', () => {
    const ids: Record<string, string> = { 'node-4': '0a'.padEnd(40, '0'), 'node-5': 'f1'.padEnd(40, '0') };
    expect(Steerer.idOrderMismatch(steering, (name) => ids[name] ?? null)).toBeNull();
    expect(Steerer.idOrderMismatch(steering, (name) => ids[name === 'node-4' ? 'node-5' : 'node-4'] ?? null)).toMatch(
      /id of node-4 .* sorts after node-5/,
    );
    expect(Steerer.idOrderMismatch(undefined, () => null)).toBeNull();
  });
});
