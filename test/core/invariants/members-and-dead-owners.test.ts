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
