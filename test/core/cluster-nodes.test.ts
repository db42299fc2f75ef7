/**
 * CLUSTER NODES parsing: the columns of Valkey 8.0 / Redis 7.0 output into PeerViews, open slots
 * apart from owned ranges, and a round trip through a printer for random node tables.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countSlots, parseClusterNodes } from '../../core/cluster-nodes.ts';

const FC_SEED = Number(process.env.FC_SEED ?? 42);
const FC_NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 100);

const SAMPLE = [
  '07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,hostname4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected',
  '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002,hostname2 master - 0 1426238316232 2 connected 5461-10922',
  '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003,hostname3 master - 0 1426238318243 3 connected 10923-16383',
  '6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:30005@31005,hostname5 slave,fail? 67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 1426238316000 1426238316232 5 disconnected',
  'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001,hostname1 myself,master - 0 0 1 connected 0-5460 [5461-<-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1] [100->-292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f]',
  'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 :0@0 noaddr,master - 0 0 0 disconnected',
  '',
].join('\n');

describe('parseClusterNodes', () => {
  it('reads roles, primaries, epochs, links, slots and open slots of every line', () => {
    const nodes = parseClusterNodes(SAMPLE);
    expect(nodes.peers).toHaveLength(6);
    expect(nodes.myself.id).toBe('e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca');
    expect(nodes.myself.slots).toEqual([[0, 5460]]);
    expect(nodes.openSlots).toEqual([
      { slot: 5461, state: 'importing', nodeId: '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1' },
      { slot: 100, state: 'migrating', nodeId: '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f' },
    ]);
    const replica = nodes.peers[3]!;
    expect(replica).toMatchObject({
      role: 'replica',
      flags: ['slave', 'fail?'],
      replicaOf: '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1',
      configEpoch: 5,
      linkConnected: false,
      address: '127.0.0.1:30005@31005',
      slots: [],
    });
    expect(nodes.peers[5]).toMatchObject({ flags: ['noaddr', 'master'], role: 'primary', address: ':0@0' });
  });

  it('rejects output without exactly one myself line', () => {
    expect(() => parseClusterNodes(SAMPLE.replace('myself,', ''))).toThrow(/one myself line/);
  });

  it(`parses back what a printer wrote (FC_SEED=${FC_SEED})`, () => {
    const id = fc.stringMatching(/^[0-9a-f]{40}$/);
    const range = fc
      .tuple(fc.integer({ min: 0, max: 16383 }), fc.integer({ min: 0, max: 100 }))
      .map(([start, length]) => [start, Math.min(16383, start + length)] as [number, number]);
    const peer = fc.record({
      id,
      replica: fc.boolean(),
      primary: id,
      epoch: fc.nat(1000),
      connected: fc.boolean(),
      slots: fc.array(range, { maxLength: 3 }),
      port: fc.integer({ min: 1, max: 55535 }),
    });
    fc.assert(
      fc.property(fc.array(peer, { minLength: 1, maxLength: 8 }), (peers) => {
        const lines = peers.map((p, index) =>
          [
            p.id,
            `127.0.0.${index + 2}:${p.port}@${p.port + 10000}`,
            `${index === 0 ? 'myself,' : ''}${p.replica ? 'slave' : 'master'}`,
            p.replica ? p.primary : '-',
            '0',
            '0',
            String(p.epoch),
            p.connected ? 'connected' : 'disconnected',
            ...(p.replica ? [] : p.slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`))),
          ].join(' '),
        );
        const parsed = parseClusterNodes(lines.join('\n'));
        parsed.peers.forEach((view, index) => {
          const p = peers[index]!;
          expect(view.role).toBe(p.replica ? 'replica' : 'primary');
          expect(view.replicaOf).toBe(p.replica ? p.primary : null);
          expect(view.configEpoch).toBe(p.epoch);
          expect(view.linkConnected).toBe(p.connected);
          expect(view.slots).toEqual(p.replica ? [] : p.slots);
        });
      }),
      { seed: FC_SEED, numRuns: FC_NUM_RUNS },
    );
  });

  it('counts the slots of ranges, both ends included', () => {
    expect(
      countSlots([
        [0, 5460],
        [5461, 5461],
      ]),
    ).toBe(5462);
    expect(countSlots([])).toBe(0);
  });
});
