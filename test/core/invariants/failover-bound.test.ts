import { describe, expect, it } from 'vitest';
import { failoverBound, failoverBoundMs } from '../../../core/invariants/failover-bound.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import {
  atMs,
  context,
  downNode,
  editNode,
  expectCleanFingerprint,
  healthyCluster,
  idOf,
  scenarioWith,
} from './builders.ts';

/** 3 shards x 1 replica: node-0/1, node-2/3, node-4/5; nt 1000, ping 100 → bound 12798 ms. */
const formed: ObservedEvent[] = [0, 2, 4].flatMap(
  (primary) =>
    [
      {
        kind: 'node-state',
        atMs: 0,
        node: `node-${primary}`,
        role: 'primary',
        primary: null,
        currentEpoch: 3,
        configEpoch: 1,
        slotCount: 5461,
      },
      {
        kind: 'node-state',
        atMs: 0,
        node: `node-${primary + 1}`,
        role: 'replica',
        primary: `node-${primary}`,
        currentEpoch: 3,
        configEpoch: 1,
        slotCount: 0,
      },
    ] satisfies ObservedEvent[],
);
const killPrimary = (node: string, at: number, replica: string): ObservedEvent => ({
  kind: 'node-down',
  atMs: at,
  node,
  cause: 'kill',
  wasPrimary: true,
  eligibleReplicas: [replica],
});
const healed: ObservedEvent = { kind: 'healed', atMs: 1500 };
const won = (node: string, at: number): ObservedEvent => ({
  kind: 'election-won',
  atMs: at,
  node,
  epoch: 4,
  consensus: true,
});
const endView = (at: number, ...down: string[]) => atMs(down.reduce(downNode, healthyCluster(3, 1)), at);

describe('failover-bound', () => {
  it('computes the §9.2 bound', () => {
    const cluster = scenarioWith().cluster;
    expect(failoverBoundMs(cluster)).toBe(2 * (1000 + 100 + 100 + 100 + 999 + 100) + 4 * 2000);
    expect(failoverBoundMs({ ...cluster, pingIntervalMs: 0, nodeTimeoutMs: 5000 }, 3)).toBe(
      2 * (5000 + 2500 + 2500 + 100 + 2999 + 100) + 4 * 10000,
    );
  });

  it('passes when a replica of the shard won in time', () => {
    const events = [...formed, killPrimary('node-2', 1000, 'node-3'), healed, won('node-3', 3500)];
    expect(failoverBound.check(context([endView(20000, 'node-2')], events))).toBeNull();
  });

  it('does not judge before the deadline', () => {
    const events = [...formed, killPrimary('node-2', 1000, 'node-3'), healed];
    expect(failoverBound.check(context([endView(10000, 'node-2')], events))).toBeNull();
  });

  it('flags a shard with an eligible replica that was never failed over', () => {
    const events = [...formed, killPrimary('node-2', 1000, 'node-3'), healed];
    const found = expectCleanFingerprint(
      failoverBound.check(context([endView(20000, 'node-2')], events)),
      'failover-bound',
    );
    expect(found.fingerprint).toBe('failover-bound/no-election,down-by=kill');
    expect(found.nodes).toEqual(['node-2', 'node-3']);
    expect(found.message).toContain('by 14298 ms');
  });

  it('flags a late election', () => {
    const events = [...formed, killPrimary('node-2', 1000, 'node-3'), healed, won('node-3', 16000)];
    const found = expectCleanFingerprint(
      failoverBound.check(context([endView(20000, 'node-2')], events)),
      'failover-bound',
    );
    expect(found.fingerprint).toBe('failover-bound/late-election,down-by=kill');
  });

  it('excuses a shard when a majority of voting primaries is down', () => {
    const events = [...formed, killPrimary('node-2', 1000, 'node-3'), killPrimary('node-0', 1000, 'node-1'), healed];
    expect(failoverBound.check(context([endView(20000, 'node-2', 'node-0')], events))).toBeNull();
  });

  it('excuses a replica the data-age gate refuses by the deadline', () => {
    const events = [...formed, killPrimary('node-2', 1000, 'node-3'), healed];
    const strict = scenarioWith({ replicaValidityFactor: 1 });
    expect(failoverBound.check(context([endView(20000, 'node-2')], events, strict))).toBeNull();
  });

  it('excuses a replica that too few voting primaries know (they drop its auth requests), and flags it when enough know it', () => {
    const events = [...formed, killPrimary('node-2', 1000, 'node-3'), healed];
    const forget = (view: ReturnType<typeof endView>, observer: string) =>
      editNode(view, observer, (node) => {
        node.report!.peers = node.report!.peers.filter((peer) => peer.id !== idOf('node-3'));
      });
    // Two voting primaries are left of three: a quorum needs both to know node-3.
    const bothForgot = forget(forget(endView(20000, 'node-2'), 'node-0'), 'node-4');
    expect(failoverBound.check(context([bothForgot], events))).toBeNull();
    const oneForgot = forget(endView(20000, 'node-2'), 'node-0');
    expect(failoverBound.check(context([oneForgot], events))).toBeNull();
    const noneForgot = endView(20000, 'node-2');
    expect(failoverBound.check(context([noneForgot], events))?.fingerprint).toBe(
      'failover-bound/no-election,down-by=kill',
    );
  });

  it("starts the clock when the replica's FORGET ban on a voter it needs for a quorum ends", () => {
    // Seed 656140056: node-0 ran CLUSTER FORGET of voter node-4 at 14.1 s; its primary died at
    // 18.8 s, the heal came at 50.1 s, and with node-2 its only other voter it could not send node-4
    // an auth request (clusterRequestFailoverAuth: its own table) until the 60 s ban ended.
    const forgetOn = (outcomes: string): ObservedEvent => ({
      kind: 'fault',
      atMs: 500,
      action: 'forget',
      nodes: ['node-4'],
      detail: `CLUSTER FORGET node-4 on ${outcomes}`,
    });
    const late = [killPrimary('node-2', 1000, 'node-3'), healed, won('node-3', 65000)];
    const check = (...extra: ObservedEvent[]) =>
      failoverBound.check(context([endView(70000, 'node-2')], [...formed, extra[0]!, ...late, ...extra.slice(1)]));
    // Banned until 61.5 s: due by 61500 + 12798 ms, and node-3 won at 65 s.
    expect(check(forgetOn('node-0: OK; node-3: OK; node-1: OK'))).toBeNull();
    // The FORGET failed on node-3 itself: it always knew node-4. Due by 14298 ms, as before.
    const failed = check(forgetOn('node-0: OK; node-3: ERR Unknown node; node-1: OK'));
    expect(failed?.fingerprint).toBe('failover-bound/late-election,down-by=kill');
    expect(failed?.message).toContain('by 14298 ms');
    // node-3 MEETs node-4 again at 5 s: the ban on it is over then. Due by 5000 + 12798 ms.
    const met: ObservedEvent = {
      kind: 'fault',
      atMs: 5000,
      action: 'meet',
      nodes: ['node-3', 'node-4'],
      detail: 'node-3 CLUSTER MEET node-4: OK',
    };
    expect(check(forgetOn('node-3: OK'), met)?.message).toContain('by 17798 ms');
    // The forgotten node is not a voter (node-5, a replica): a quorum stays in reach. Flagged.
    const replica: ObservedEvent = {
      kind: 'fault',
      atMs: 500,
      action: 'forget',
      nodes: ['node-5'],
      detail: 'CLUSTER FORGET node-5 on node-3: OK',
    };
    expect(check(replica)?.fingerprint).toBe('failover-bound/late-election,down-by=kill');
  });

  it("starts the clock when the voters' FORGET ban on the dead primary ends for a quorum", () => {
    // Seed 993323141: CLUSTER FORGET node-0 on every node but its replica node-1 at 63.8 s (ban to
    // about 124.8 s; a second FORGET at 76.8 s answered OK on the banned nodes without re-arming);
    // node-0 died for good at 84.8 s, the heal came at 97.2 s. A voter that does not know the dead
    // primary neither reports it failing nor votes for its replica ("I don't know its primary"), so
    // node-1 won only at 124.96 s, once the voters had learned node-0 again.
    const forgetPrimary = (at: number, outcomes: string): ObservedEvent => ({
      kind: 'fault',
      atMs: at,
      action: 'forget',
      nodes: ['node-2'],
      detail: `CLUSTER FORGET node-2 on ${outcomes}`,
    });
    const check = (win: number, ...extra: ObservedEvent[]) =>
      failoverBound.check(
        context(
          [endView(90000, 'node-2')],
          [...formed, ...extra, killPrimary('node-2', 1000, 'node-3'), healed, won('node-3', win)].sort(
            (a, b) => a.atMs - b.atMs,
          ),
          // The seed's replicas have no data-age gate (cluster-replica-validity-factor 0).
          scenarioWith({ replicaValidityFactor: 0 }),
        ),
      );
    const both = "node-0: OK; node-1: OK; node-3: ERR Can't forget my master!; node-4: OK";
    // Banned on both voters until 61.5 s: due by 61500 + 12798 ms.
    expect(check(65000, forgetPrimary(500, both))).toBeNull();
    // One of the two voters left is enough to block a quorum of 2.
    expect(check(65000, forgetPrimary(500, 'node-0: OK'))).toBeNull();
    // The FORGET failed on the voters: due by 14298 ms, as before.
    const failed = check(65000, forgetPrimary(500, 'node-0: ERR Unknown node node-2; node-1: OK'));
    expect(failed?.fingerprint).toBe('failover-bound/late-election,down-by=kill');
    expect(failed?.message).toContain('by 14298 ms');
    // A second FORGET while the first ban runs does not re-arm it: still due by 74298 ms.
    const again = check(80000, forgetPrimary(500, both), forgetPrimary(30000, both));
    expect(again?.message).toContain('by 74298 ms');
    expect(again?.message).toContain('CLUSTER FORGET bans');
    // A voter restart drops its ban (in memory only): node-4 still bans, node-0 restarted at 5 s.
    const restart: ObservedEvent = {
      kind: 'fault',
      atMs: 5000,
      action: 'restart',
      nodes: ['node-0'],
      detail: 'end of kill',
    };
    expect(check(65000, forgetPrimary(500, 'node-0: OK'), restart)?.message).toContain('by 17798 ms');
  });

  it('excuses a replica that was restarted after its primary died', () => {
    const events: ObservedEvent[] = [
      ...formed,
      killPrimary('node-2', 1000, 'node-3'),
      { kind: 'node-down', atMs: 1100, node: 'node-3', cause: 'kill', wasPrimary: false, eligibleReplicas: [] },
      { kind: 'node-up', atMs: 1200, node: 'node-3' },
      healed,
    ];
    expect(failoverBound.check(context([endView(20000, 'node-2')], events))).toBeNull();
  });
});
