import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../../core/events.ts';
import { clusterStateOk } from '../../../core/invariants/cluster-state-ok.ts';
import { slotCoverage } from '../../../core/invariants/slot-coverage.ts';
import { viewsAgree } from '../../../core/invariants/views-agree.ts';
import type { ClusterView } from '../../../core/view.ts';
import { context, downNode, editNode, editPeer, healthyCluster, idOf, scenarioWith } from './builders.ts';

/**
 * Seed 55623981's shape on healthyCluster(3, 1): node-2 (shard 1's primary, 5461-10921) is down for
 * good with no eligible replica, and CLUSTER FORGET deleted it from every live view, which then sees
 * its slots unassigned (8.0.1 clusterDelNode → clusterDelNodeSlots). node-3, its shard's other
 * node, is a primary without slots (it took over a slotless primary, as node-2 did in the seed; a
 * replica may not forget its own primary). Every live node reports cluster_state:fail (full coverage).
 */
function forgottenView(options: { keepName?: boolean } = {}): ClusterView {
  let view = downNode(healthyCluster(3, 1), 'node-2');
  for (const node of view.nodes) {
    if (node.report === null) continue;
    view = editNode(view, node.name, (edited) => {
      const report = edited.report!;
      report.clusterState = 'fail';
      if (options.keepName === true) {
        // Still known (say by gossip), but with no slots.
        for (const peer of report.peers) if (peer.id === idOf('node-2')) peer.slots = [];
      } else report.peers = report.peers.filter((peer) => peer.id !== idOf('node-2'));
      for (const peer of report.peers) {
        if (peer.id !== idOf('node-3')) continue;
        peer.role = 'primary';
        peer.replicaOf = null;
        peer.flags = peer.flags.map((flag) => (flag === 'slave' ? 'master' : flag));
      }
      if (edited.name === 'node-3') {
        report.role = 'primary';
        report.replicaOf = null;
        report.replLinkUp = null;
        report.flags = ['myself', 'master'];
      }
    });
  }
  return view;
}

const primaryState = (atMs: number, node: string, slotCount: number): ObservedEvent => ({
  kind: 'node-state',
  atMs,
  node,
  id: idOf(node),
  role: 'primary',
  primary: null,
  currentEpoch: 3,
  configEpoch: 3,
  slotCount,
});

function story(
  options: { forget?: boolean; owned?: number; eligible?: string[]; before?: ObservedEvent[] } = {},
): ObservedEvent[] {
  const { forget = true, owned = 5461, eligible = [], before = [] } = options;
  const events: ObservedEvent[] = [
    primaryState(100, 'node-0', 5461),
    primaryState(100, 'node-2', owned),
    primaryState(100, 'node-4', 5462),
    ...before,
    { kind: 'node-down', atMs: 1000, node: 'node-2', cause: 'kill', wasPrimary: true, eligibleReplicas: eligible },
  ];
  if (forget) {
    const detail = 'CLUSTER FORGET node-2 on node-0: OK; node-1: OK; node-3: OK; node-4: OK; node-5: OK';
    events.push({ kind: 'fault', atMs: 2000, action: 'forget', nodes: ['node-2'], detail });
  }
  events.push({ kind: 'healed', atMs: 3000 });
  return events;
}

/**
 * Seed 1277365424's shape on top: node-2 had taken 5461-6000 from node-4 by a migration while
 * node-0 was down; node-4 died and node-5 replaced it (10922-16383 in every view), then node-2
 * died and was forgotten. node-0 still names node-4 for 5461-6000; the others see them unassigned.
 */
function staleView(everyView = false): ClusterView {
  let view = downNode(forgottenView(), 'node-4');
  for (const node of view.nodes) {
    if (node.report === null) continue;
    view = editNode(view, node.name, (edited) => {
      const report = edited.report!;
      for (const peer of report.peers) {
        if (peer.id === idOf('node-4')) {
          peer.role = 'replica';
          peer.replicaOf = idOf('node-5');
          peer.flags = ['slave', 'fail'];
          peer.slots = [];
        }
        if (peer.id === idOf('node-5')) {
          peer.role = 'primary';
          peer.replicaOf = null;
          peer.flags = peer.flags.map((flag) => (flag === 'slave' ? 'master' : flag));
          peer.slots = [[10922, 16383]];
        }
      }
      if (edited.name === 'node-5') {
        report.role = 'primary';
        report.replicaOf = null;
        report.replLinkUp = null;
        report.flags = ['myself', 'master'];
        report.slots = [[10922, 16383]];
      }
    });
  }
  for (const observer of everyView ? ['node-0', 'node-1', 'node-3', 'node-5'] : ['node-0'])
    view = editPeer(view, observer, 'node-4', (peer) => {
      peer.role = 'primary';
      peer.replicaOf = null;
      peer.flags = ['master', 'fail'];
      peer.slots = [[5461, 6000]];
    });
  return view;
}

function staleStory(): ObservedEvent[] {
  return story({
    before: [
      {
        kind: 'node-state',
        atMs: 100,
        node: 'node-5',
        id: idOf('node-5'),
        role: 'replica',
        primary: 'node-4',
        currentEpoch: 3,
        configEpoch: 3,
        slotCount: 0,
      },
      { kind: 'node-down', atMs: 500, node: 'node-4', cause: 'kill', wasPrimary: true, eligibleReplicas: ['node-5'] },
      { kind: 'election-won', atMs: 800, node: 'node-5', epoch: 4, consensus: true },
      primaryState(800, 'node-5', 5462),
    ],
  });
}

describe('slots that went with a forgotten dead owner no replica may replace', () => {
  const ready = healthyCluster(3, 1);

  it('are excused by slot-coverage, views-agree and cluster-state-ok (the forget only erased the name)', () => {
    const checked = context([ready, forgottenView()], story());
    expect(slotCoverage.check(checked)).toBeNull();
    expect(viewsAgree.check(checked)).toBeNull();
    expect(clusterStateOk.check(checked)).toBeNull();
  });

  it('are still reported without a forget, or while a live view still names the owner', () => {
    expect(slotCoverage.check(context([ready, forgottenView()], story({ forget: false })))?.fingerprint).toBe(
      'slot-coverage/owner=unassigned',
    );
    expect(clusterStateOk.check(context([ready, forgottenView()], story({ forget: false })))).not.toBeNull();
    expect(slotCoverage.check(context([ready, forgottenView({ keepName: true })], story()))?.fingerprint).toBe(
      'slot-coverage/owner=unassigned',
    );
  });

  it('are still reported when the forgotten owner had an eligible replica that still runs', () => {
    // Without the data-age gate: the voters' FORGET bans (61 s) hold the election back, and with
    // the gate on the replica's data would be too old by then, so the owner could not be replaced.
    const checked = context(
      [ready, forgottenView()],
      story({ eligible: ['node-3'] }),
      scenarioWith({ replicaValidityFactor: 0 }),
    );
    expect(slotCoverage.check(checked)?.fingerprint).toBe('slot-coverage/owner=unassigned');
    expect(clusterStateOk.check(checked)).not.toBeNull();
  });

  it('are still reported when more slots are missing than the forgotten owner last held', () => {
    const checked = context([ready, forgottenView()], story({ owned: 100 }));
    expect(slotCoverage.check(checked)?.fingerprint).toBe('slot-coverage/owner=unassigned');
    expect(clusterStateOk.check(checked)).not.toBeNull();
  });

  it('are excused where a view that was down meanwhile names the dead owner before it', () => {
    const checked = context([ready, staleView()], staleStory());
    expect(slotCoverage.check(checked)).toBeNull();
    expect(viewsAgree.check(checked)).toBeNull();
  });

  it('are still reported when every view names that dead owner (none deleted them with the forgotten one)', () => {
    const found = slotCoverage.check(context([ready, staleView(true)], staleStory()));
    expect(found?.fingerprint).toBe('slot-coverage/owner=not-live');
    expect(found?.message).toContain('5461-6000');
  });
});
