/** Targets: syntax, and resolution against a topology as the backends see it when a step runs. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.ts';
import {
  firstPrimaryIndex,
  parseTarget,
  resolveGroups,
  resolvePairs,
  resolveTarget,
  type TopologyEntry,
} from '../../../core/scenario/targets.ts';

const FC_SEED = Number(process.env.FC_SEED ?? 42);
const FC_NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 100);

/** The topology right after formation: shard i's primary is node i*(1+R), its replicas follow. */
function formed(numShards: number, replicas: number): TopologyEntry[] {
  const out: TopologyEntry[] = [];
  for (let shard = 0; shard < numShards; shard++) {
    const first = firstPrimaryIndex(shard, replicas);
    out.push({ name: `node-${first}`, shard, role: 'primary', running: true, replicaIndex: null });
    for (let j = 0; j < replicas; j++) {
      out.push({ name: `node-${first + 1 + j}`, shard, role: 'replica', running: true, replicaIndex: j });
    }
  }
  return out;
}

describe('parseTarget', () => {
  it.each([
    ['node-0', { kind: 'node', nodeIndex: 0 }],
    ['node-12', { kind: 'node', nodeIndex: 12 }],
    ['shard-2-primary', { kind: 'primary', shard: 2 }],
    ['shard-1-replica-3', { kind: 'replica', shard: 1, replicaIndex: 3 }],
    ['random', { kind: 'random', role: 'any' }],
    ['random-primary', { kind: 'random', role: 'primary' }],
    ['random-replica', { kind: 'random', role: 'replica' }],
  ])('%s', (text, parsed) => {
    expect(parseTarget(text)).toEqual(parsed);
  });

  it.each([
    'node-',
    'node-01',
    'node--1',
    'Node-1',
    'shard-0',
    'shard-0-replica',
    'shard-x-primary',
    'rest',
    'all',
    ' node-1',
    'node-1234567',
    '',
  ])('rejects %j', (text) => {
    expect(parseTarget(text)).toBeNull();
  });
});

describe('resolveTarget', () => {
  const rng = () => new Rng('targets');

  it('node-K, shard-I-primary and shard-I-replica-J after formation (3x2)', () => {
    const topology = formed(3, 2);
    expect(resolveTarget('node-4', topology, rng())).toBe('node-4');
    expect(resolveTarget('shard-1-primary', topology, rng())).toBe('node-3');
    expect(resolveTarget('shard-2-replica-1', topology, rng())).toBe('node-8');
    expect(resolveTarget('node-9', topology, rng())).toBeNull();
    expect(resolveTarget('shard-0-replica-2', topology, rng())).toBeNull();
  });

  it('after a failover shard-0-primary is the promoted replica, and replicas renumber by node number', () => {
    const topology = formed(2, 2).map((entry): TopologyEntry => {
      if (entry.name === 'node-0') return { ...entry, role: 'replica', running: true, replicaIndex: 1 };
      if (entry.name === 'node-2') return { ...entry, role: 'primary', replicaIndex: null };
      return entry;
    });
    expect(resolveTarget('shard-0-primary', topology, rng())).toBe('node-2');
    expect(resolveTarget('shard-0-replica-0', topology, rng())).toBe('node-0');
    expect(resolveTarget('shard-0-replica-1', topology, rng())).toBe('node-1');
  });

  it('two claimants of a shard: the running one owns it now', () => {
    const topology = formed(1, 1).map(
      (entry): TopologyEntry =>
        entry.name === 'node-0' ? { ...entry, running: false } : { ...entry, role: 'primary', replicaIndex: null },
    );
    expect(resolveTarget('shard-0-primary', topology, rng())).toBe('node-1');
  });

  it('random-* picks only running nodes of the role, and null when there is none', () => {
    const topology = formed(3, 1).map((entry) => (entry.name === 'node-1' ? { ...entry, running: false } : entry));
    for (let i = 0; i < 50; i++) {
      const r = new Rng(`pick-${i}`);
      expect(['node-3', 'node-5']).toContain(resolveTarget('random-replica', topology, r));
      expect(['node-0', 'node-2', 'node-4']).toContain(resolveTarget('random-primary', topology, r));
      expect(resolveTarget('random', topology, r)).not.toBe('node-1');
    }
    expect(resolveTarget('random-replica', formed(2, 0), rng())).toBeNull();
  });

  it('the same seed gives the same pick, whatever order the topology comes in', () => {
    const topology = formed(4, 2);
    const reversed = [...topology].reverse();
    for (let i = 0; i < 20; i++) {
      expect(resolveTarget('random', reversed, new Rng(`s${i}`))).toBe(
        resolveTarget('random', topology, new Rng(`s${i}`)),
      );
    }
  });
});

describe('resolveGroups', () => {
  it('rest takes every node not named, in node order', () => {
    expect(resolveGroups([['shard-1-primary'], 'rest'], formed(3, 1), new Rng('g'))).toEqual([
      ['node-2'],
      ['node-0', 'node-1', 'node-3', 'node-4', 'node-5'],
    ]);
  });

  it('fixed targets are placed first, random ones among the nodes still free, a node only once', () => {
    const groups = resolveGroups(
      [['random', 'node-0'], ['shard-0-primary', 'node-1'], 'rest'],
      formed(1, 2),
      new Rng('g'),
    );
    expect(groups[0]).toEqual(['node-0', 'node-2']);
    expect(groups[1]).toEqual(['node-1']);
    expect(groups[2]).toEqual([]);
  });

  it('two rest groups are a bug in the caller', () => {
    expect(() => resolveGroups(['rest', 'rest'], formed(1, 1), new Rng('g'))).toThrow(/more than one rest/);
  });

  it(`groups are always disjoint (FC_SEED=${FC_SEED})`, () => {
    const target = fc.oneof(
      fc.integer({ min: 0, max: 8 }).map((k) => `node-${k}`),
      fc.constantFrom('random', 'random-primary', 'random-replica', 'shard-0-primary', 'shard-1-replica-0'),
    );
    const group = fc.oneof(fc.array(target, { minLength: 1, maxLength: 3 }), fc.constant<'rest'>('rest'));
    const groupsArbitrary = fc
      .array(group, { minLength: 2, maxLength: 4 })
      .filter((gs) => gs.filter((g) => g === 'rest').length <= 1);
    fc.assert(
      fc.property(groupsArbitrary, fc.string(), (groups, seed) => {
        const resolved = resolveGroups(groups, formed(3, 2), new Rng(seed)).flat();
        expect(new Set(resolved).size).toBe(resolved.length);
      }),
      { seed: FC_SEED, numRuns: FC_NUM_RUNS },
    );
  });
});

describe('resolvePairs', () => {
  const topology = formed(2, 1); // node-0..node-3

  it('a list to all: every directed pair from the list, never a node to itself', () => {
    expect(resolvePairs(['node-1'], ['all'], topology, new Rng('p'))).toEqual([
      ['node-1', 'node-0'],
      ['node-1', 'node-2'],
      ['node-1', 'node-3'],
    ]);
  });

  it('rest on one side is every node not on the other', () => {
    expect(resolvePairs('rest', ['node-0', 'node-2'], topology, new Rng('p'))).toEqual([
      ['node-1', 'node-0'],
      ['node-1', 'node-2'],
      ['node-3', 'node-0'],
      ['node-3', 'node-2'],
    ]);
    expect(resolvePairs(['shard-1-primary'], 'rest', topology, new Rng('p'))).toEqual([
      ['node-2', 'node-0'],
      ['node-2', 'node-1'],
      ['node-2', 'node-3'],
    ]);
  });

  it('all to all is the full mesh', () => {
    expect(resolvePairs(['all'], ['all'], topology, new Rng('p'))).toHaveLength(4 * 3);
  });
});
