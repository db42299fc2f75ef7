/**
 * Cluster members and dead owners (#13): a node outside the cluster is one membership finding, not
 * a slot or view finding; slots whose only claimed owner is a dead primary Valkey may not replace
 * are excused in every view; every id a node ever had has its name (node-state events carry ids).
 */
import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../../core/events.ts';
import { membershipSymmetric } from '../../../core/invariants/membership-symmetric.ts';
import { slotCoverage } from '../../../core/invariants/slot-coverage.ts';
import { NodeDirectory } from '../../../core/invariants/view-facts.ts';
import { viewsAgree } from '../../../core/invariants/views-agree.ts';
import {
  context,
  downNode,
  editNode,
  editPeer,
  editPeerEverywhere,
  expectCleanFingerprint,
  healthyCluster,
  idOf,
  scenarioWith,
} from './builders.ts';

/** node-3 hard-reset (new id, knows nobody) and known by nobody under its new id. */
function isolatedNode3() {
  return editNode(healthyCluster(2, 1), 'node-3', (node) => {
    const report = node.report!;
    report.id = 'f'.repeat(40);
    report.role = 'primary';
    report.replicaOf = null;
    report.slots = [];
    report.clusterState = 'fail';
    report.peers = [
      {
        ...report.peers.find((peer) => peer.flags.includes('myself'))!,
        id: report.id,
        role: 'primary',
        replicaOf: null,
        slots: [],
      },
    ];
  });
}

describe('cluster members', () => {
  it('a node no live peer knows and that knows none is one isolated finding, and slots and views judge members only', () => {
    const view = isolatedNode3();
    expect(slotCoverage.check(context([view]))).toBeNull();
    expect(viewsAgree.check(context([view]))).toBeNull();
    const found = expectCleanFingerprint(membershipSymmetric.check(context([view])), 'membership-symmetric');
    expect(found.fingerprint).toBe('membership-symmetric/isolated');
    expect(found.nodes).toEqual(['node-3']);
  });

  it('the last live node that knows no node at all is isolated (its shard-mates are down); a one-node cluster is not', () => {
    const alone = downNode(downNode(isolatedNode3(), 'node-0'), 'node-1');
    const lone = downNode(alone, 'node-2');
    expect(membershipSymmetric.check(context([lone]))?.fingerprint).toBe('membership-symmetric/isolated');
    expect(slotCoverage.check(context([lone]))).toBeNull();
    const single = healthyCluster(1, 0);
    expect(membershipSymmetric.check(context([single]))).toBeNull();
    expect(slotCoverage.check(context([single]))).toBeNull();
  });

  it('two nodes that know only one another (an island) are outside the cluster: one isolated finding naming both', () => {
    // node-4 and node-5 (3 shards x 1 replica) forget everyone else, and everyone forgets them.
    let view = healthyCluster(3, 1);
    const island = [idOf('node-4'), idOf('node-5')];
    for (const name of ['node-0', 'node-1', 'node-2', 'node-3']) {
      view = editNode(view, name, (node) => {
        node.report!.peers = node.report!.peers.filter((peer) => !island.includes(peer.id));
      });
    }
    for (const name of ['node-4', 'node-5']) {
      view = editNode(view, name, (node) => {
        node.report!.peers = node.report!.peers.filter((peer) => island.includes(peer.id));
      });
    }
    const found = expectCleanFingerprint(membershipSymmetric.check(context([view])), 'membership-symmetric');
    expect(found.fingerprint).toBe('membership-symmetric/isolated');
    expect(found.nodes).toEqual(['node-4', 'node-5']);
    expect(viewsAgree.check(context([view]))).toBeNull();
  });

  it('a node that still knows a live peer is a member, and its gaps are findings', () => {
    const view = editNode(isolatedNode3(), 'node-3', (node) => {
      node.report!.peers.push(
        healthyCluster(2, 1).nodes[0]!.report!.peers.find(
          (peer) => peer.flags.includes('myself') === false && peer.role === 'primary',
        )!,
      );
    });
    expect(slotCoverage.check(context([view]))?.fingerprint).toMatch(/^slot-coverage\//);
    expect(membershipSymmetric.check(context([view]))?.fingerprint).not.toBe('membership-symmetric/isolated');
  });
});

describe('dead owners', () => {
  // 3 shards x 1 replica; shard 1's primary node-2 killed for good; its replica node-3 is too far
  // behind (validity factor 1: the data-age gate refuses it), so Valkey leaves its slots.
  const killed: ObservedEvent[] = [
    { kind: 'node-down', atMs: 1000, node: 'node-2', cause: 'kill', wasPrimary: true, eligibleReplicas: ['node-3'] },
    { kind: 'healed', atMs: 1000 },
  ];
  const gated = scenarioWith({ nodeTimeoutMs: 1000, replicaValidityFactor: 1 });
  /** node-4 never heard node-2's own PING: no claim on its slots. */
  const unseen = editPeer(downNode(healthyCluster(3, 1), 'node-2'), 'node-4', 'node-2', (peer) => {
    peer.slots = [];
  });

  it("views that differ only on an unreplaceable dead owner's slots agree, and those slots are no coverage gap", () => {
    expect(viewsAgree.check(context([healthyCluster(3, 1), unseen], killed, gated))).toBeNull();
    expect(slotCoverage.check(context([healthyCluster(3, 1), unseen], killed, gated))).toBeNull();
  });

  it('a dead owner Valkey should replace excuses nothing', () => {
    const ungated = scenarioWith({ nodeTimeoutMs: 1000, replicaValidityFactor: 0 });
    expect(viewsAgree.check(context([healthyCluster(3, 1), unseen], killed, ungated))?.fingerprint).toBe(
      'views-agree/slot-owners,one-side-unassigned',
    );
    expect(slotCoverage.check(context([healthyCluster(3, 1), unseen], killed, ungated))?.fingerprint).toMatch(
      /^slot-coverage\//,
    );
  });
});

describe('node directory', () => {
  it('names an id a node had only between two views, from its node-state events', () => {
    const view = healthyCluster(2, 1);
    const oldId = 'e'.repeat(40);
    const events: ObservedEvent[] = [
      {
        kind: 'node-state',
        atMs: 5,
        node: 'node-1',
        id: oldId,
        role: 'primary',
        primary: null,
        currentEpoch: 3,
        configEpoch: 3,
        slotCount: 0,
      },
    ];
    expect(new NodeDirectory({ views: [view] }).nameOf(oldId)).toBeUndefined();
    expect(new NodeDirectory({ views: [view], events }).nameOf(oldId)).toBe('node-1');
    expect(new NodeDirectory({ views: [view], events }).label(oldId)).toBe('node-1');
  });
});

describe('dead owners: a stale owner the dead one replaced', () => {
  // 5 shards x 1 replica; shard 1: node-2 primary, node-3 its replica (slots 3276-6552). node-3
  // wins an election over node-2 while node-4 is down, node-2 comes back as its replica, node-3 is
  // terminated for good and node-2 is RESET HARD (a new id): node-3 has no eligible replica left.
  // node-2, met again, replicates the dead node-3 (known by gossip, without slots) and wins a
  // slotless election. node-4 comes back from its nodes.conf naming node-2's old id (a noaddr
  // ghost), the others name node-3, node-2 never heard any claim (seed 1185663508's shape).
  const state = (atMs: number, node: string, role: 'primary' | 'replica', primary: string | null, id = idOf(node)) =>
    ({ kind: 'node-state', atMs, node, id, role, primary, currentEpoch: 7, configEpoch: 7, slotCount: 0 }) as const;
  const events = (withElection: boolean): ObservedEvent[] => [
    state(100, 'node-2', 'primary', null),
    state(100, 'node-3', 'replica', 'node-2'),
    { kind: 'node-down', atMs: 1000, node: 'node-4', cause: 'kill', wasPrimary: false, eligibleReplicas: [] },
    ...(withElection ? [{ kind: 'election-won', atMs: 2000, node: 'node-3', epoch: 7, consensus: true } as const] : []),
    state(2000, 'node-3', 'primary', null),
    state(3000, 'node-2', 'replica', 'node-3'),
    { kind: 'node-up', atMs: 4000, node: 'node-4' },
    {
      kind: 'node-down',
      atMs: 5000,
      node: 'node-3',
      cause: 'terminate',
      wasPrimary: true,
      eligibleReplicas: ['node-2'],
    },
    { kind: 'fault', atMs: 6000, action: 'reset', nodes: ['node-2'], detail: 'OK' },
    state(6000, 'node-2', 'primary', null, 'e'.repeat(40)),
    state(6500, 'node-2', 'replica', 'node-3', 'e'.repeat(40)),
    { kind: 'election-won', atMs: 6600, node: 'node-2', epoch: 8, consensus: true },
    state(6600, 'node-2', 'primary', null, 'e'.repeat(40)),
    { kind: 'healed', atMs: 7000 },
  ];
  function finalView() {
    let view = downNode(healthyCluster(5, 1), 'node-3');
    view = editPeerEverywhere(view, 'node-3', (peer) => {
      Object.assign(peer, { role: 'primary', replicaOf: null, flags: ['master', 'fail'], configEpoch: 7 });
      peer.slots = [[3276, 6552]];
    });
    view = editPeerEverywhere(view, 'node-2', (peer) => {
      Object.assign(peer, { role: 'replica', replicaOf: idOf('node-3'), flags: ['slave', 'noaddr'], slots: [] });
    });
    // node-4 was down while node-3 won: it still has node-2's old id as the owner.
    view = editPeer(view, 'node-4', 'node-2', (peer) => {
      Object.assign(peer, { role: 'primary', replicaOf: null, flags: ['master', 'noaddr'], configEpoch: 2 });
      peer.slots = [[3276, 6552]];
    });
    view = editPeer(view, 'node-4', 'node-3', (peer) => {
      Object.assign(peer, { role: 'replica', replicaOf: idOf('node-2'), configEpoch: 2, slots: [] });
    });
    // node-2 under its new id met the cluster after node-3 died: no claim on those slots.
    return editNode(view, 'node-2', (node) => {
      const report = node.report!;
      report.id = 'e'.repeat(40);
      Object.assign(report, { role: 'primary', replicaOf: null, slots: [], configEpoch: 0 });
      report.peers = report.peers.map((peer) =>
        peer.flags.includes('myself')
          ? { ...peer, id: report.id, role: 'primary', replicaOf: null, flags: ['myself', 'master'], slots: [] }
          : peer.id === idOf('node-3')
            ? { ...peer, slots: [] }
            : peer,
      );
    });
  }

  it('a view naming the owner that the unreplaceable dead owner replaced, now a ghost, agrees; no coverage gap', () => {
    const views = [healthyCluster(5, 1), finalView()];
    expect(viewsAgree.check(context(views, events(true)))).toBeNull();
    expect(slotCoverage.check(context(views, events(true)))).toBeNull();
  });

  it('without the election the ghost replaced nobody: its claim is still a finding', () => {
    const views = [healthyCluster(5, 1), finalView()];
    expect(viewsAgree.check(context(views, events(false)))?.fingerprint).toMatch(/^views-agree\/slot-owners,/);
  });
});
