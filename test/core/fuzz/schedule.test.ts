/**
 * The seed schedule of a shard: N shards of a campaign take every seed of it exactly once, a
 * checkpoint resumes at the right position, and the shard comes from --shard or the Indexed Job's
 * environment with one-line errors for bad values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/backend.ts';
import { SeedSchedule, shardFolderName, shardFrom } from '../../../core/fuzz/schedule.ts';

const seedsOf = (schedule: SeedSchedule) =>
  Array.from({ length: schedule.size! }, (_, position) => schedule.seedAt(position));

describe('seed schedule', () => {
  it('shard I of N takes start+I, start+I+N, ... within start..start+R-1', () => {
    expect(seedsOf(new SeedSchedule(10, { index: 1, count: 3 }, 8))).toEqual([11, 14, 17]);
    expect(seedsOf(new SeedSchedule(10, { index: 0, count: 3 }, 8))).toEqual([10, 13, 16]);
    expect(seedsOf(new SeedSchedule(10, { index: 2, count: 3 }, 8))).toEqual([12, 15]);
    expect(new SeedSchedule(1, { index: 4, count: 5 }, 3).size).toBe(0);
    expect(SeedSchedule.consecutive(5, null).size).toBeNull();
    expect(SeedSchedule.consecutive(5, null).seedAt(7)).toBe(12);
  });

  it('the shards of a campaign cover every seed once, also when each resumes from a checkpoint', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
        (start, runs, count, cuts) => {
          const all: number[] = [];
          for (let index = 0; index < count; index++) {
            const full = seedsOf(new SeedSchedule(start, { index, count }, runs));
            // A shard killed after `cut` seeds and restarted at its checkpoint runs the rest.
            const cut = full.length === 0 ? 0 : cuts[index]! % (full.length + 1);
            const resumed =
              cut === full.length ? [] : seedsOf(new SeedSchedule(start, { index, count }, runs, full[cut]));
            expect([...full.slice(0, cut), ...resumed]).toEqual(full);
            for (const seed of full)
              expect(new SeedSchedule(start, { index, count }, runs).positionOf(seed)).toBe(full.indexOf(seed));
            all.push(...full);
          }
          expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: runs }, (_, offset) => start + offset));
        },
      ),
    );
  });

  it('refuses a checkpoint that is not a seed of the shard', () => {
    expect(() => new SeedSchedule(1, { index: 1, count: 3 }, 30, 3)).toThrow(/not a seed of shard 1\/3/);
  });
});

describe('shardFrom', () => {
  it('reads --shard I/N, or JOB_COMPLETION_INDEX and JOB_COMPLETION_COUNT (the flag wins)', () => {
    expect(shardFrom('2/5', {})).toEqual({ index: 2, count: 5 });
    expect(shardFrom(undefined, { JOB_COMPLETION_INDEX: '3', JOB_COMPLETION_COUNT: '10' })).toEqual({
      index: 3,
      count: 10,
    });
    expect(shardFrom('0/2', { JOB_COMPLETION_INDEX: '3', JOB_COMPLETION_COUNT: '10' })).toEqual({ index: 0, count: 2 });
    expect(shardFrom(undefined, {})).toBeNull();
    expect(shardFolderName({ index: 3, count: 10 })).toBe('shard-3-of-10');
  });

  it('bad values are input errors naming the flag or variable', () => {
    const bad: [string | undefined, NodeJS.ProcessEnv, RegExp][] = [
      ['3', {}, /--shard: expected I\/N/],
      ['5/5', {}, /--shard: the shard index must be below the count 5/],
      ['0/0', {}, /--shard: the shard count must be at least 1/],
      [undefined, { JOB_COMPLETION_INDEX: '1' }, /JOB_COMPLETION_INDEX: set without JOB_COMPLETION_COUNT/],
      [undefined, { JOB_COMPLETION_COUNT: '4' }, /JOB_COMPLETION_COUNT: set without JOB_COMPLETION_INDEX/],
      [
        undefined,
        { JOB_COMPLETION_INDEX: 'x', JOB_COMPLETION_COUNT: '4' },
        /JOB_COMPLETION_INDEX: expected a whole number/,
      ],
      [
        undefined,
        { JOB_COMPLETION_INDEX: '4', JOB_COMPLETION_COUNT: '4' },
        /JOB_COMPLETION_INDEX\/JOB_COMPLETION_COUNT: the shard index must be below/,
      ],
    ];
    for (const [flag, env, message] of bad) {
      expect(() => shardFrom(flag, env)).toThrow(InputError);
      expect(() => shardFrom(flag, env)).toThrow(message);
    }
  });
});
