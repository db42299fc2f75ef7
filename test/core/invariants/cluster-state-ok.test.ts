import { describe, expect, it } from 'vitest';
import { clusterStateOk } from '../../../core/invariants/cluster-state-ok.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import {
  clockEvent,
  context,
  downNode,
  editNode,
  editPeer,
  expectCleanFingerprint,
  healthyCluster,
  scenarioWith,
} from './builders.ts';

describe('cluster-state-ok', () => {
  it('passes when every live node reports ok', () => {
    expect(clusterStateOk.check(context([healthyCluster(3, 1)]))).toBeNull();
  });

  it('flags a live node in state fail', () => {
    const view = editNode(healthyCluster(3, 1), 'node-1', (node) => {
      node.report!.clusterState = 'fail';
    });
    const found = expectCleanFingerprint(clusterStateOk.check(context([view])), 'cluster-state-ok');
    expect(found.fingerprint).toBe('cluster-state-ok/state=fail,role=replica');
    expect(found.nodes).toEqual(['node-1']);
  });

  it('excuses state fail when a majority of slot owners is down', () => {
    let view = downNode(downNode(healthyCluster(3, 1), 'node-0'), 'node-2');
    view = editNode(view, 'node-4', (node) => {
      node.report!.clusterState = 'fail';
    });
    expect(clusterStateOk.check(context([view]))).toBeNull();
  });

  it('excuses state fail when a whole shard is down and full coverage is required', () => {
    const healthy = healthyCluster(3, 1);
    let view = downNode(downNode(healthy, 'node-2'), 'node-3');
    for (const name of ['node-0', 'node-1', 'node-4', 'node-5']) {
      view = editNode(view, name, (node) => {
        node.report!.clusterState = 'fail';
      });
    }
    expect(clusterStateOk.check(context([healthy, view]))).toBeNull();
    // Without full coverage, 2 of 3 voting primaries are a majority: the state should be ok.
    const relaxed = scenarioWith({ requireFullCoverage: false });
    expect(clusterStateOk.check(context([healthy, view], [], relaxed))?.fingerprint).toBe(
      'cluster-state-ok/state=fail,role=primary',
    );
  });

  it('excuses state fail (full coverage) when a dead primary keeps slots its replica may not take (data-age gate)', () => {
    const healthy = healthyCluster(3, 1);
    let view = downNode(healthy, 'node-2');
    for (const name of ['node-0', 'node-1', 'node-3', 'node-4', 'node-5']) {
      view = editNode(view, name, (node) => {
        node.report!.clusterState = 'fail';
      });
    }
    const events: ObservedEvent[] = [
      { kind: 'node-down', atMs: 1000, node: 'node-2', cause: 'kill', wasPrimary: true, eligibleReplicas: ['node-3'] },
      { kind: 'healed', atMs: 1000 },
    ];
    expect(
      clusterStateOk.check(
        context([healthy, view], events, scenarioWith({ nodeTimeoutMs: 1000, replicaValidityFactor: 1 })),
      ),
    ).toBeNull();
    const ungated = scenarioWith({ nodeTimeoutMs: 1000, replicaValidityFactor: 0 });
    expect(clusterStateOk.check(context([healthy, view], events, ungated))?.fingerprint).toBe(
      'cluster-state-ok/state=fail,role=primary',
    );
  });

  it('tags a primary clock=back when its own view allows ok but a jump back holds its rejoin delay (seed 414934)', () => {
    // node-2: forward an hour at 22 s (a minority then sets among_minority_time an hour ahead), back
    // an hour at 43 s; at 124.7 s its view covers every slot with a majority reachable, yet it is fail.
    const failing = editNode(healthyCluster(3, 1, 124_740), 'node-2', (node) => {
      node.report!.clusterState = 'fail';
    });
    const jumps = [clockEvent('node-2', 22_040, 3_600_000, 3_600_000), clockEvent('node-2', 43_140, 7500, -3_592_500)];
    const found = expectCleanFingerprint(clusterStateOk.check(context([failing], jumps)), 'cluster-state-ok');
    expect(found.fingerprint).toBe('cluster-state-ok/state=fail,role=primary,clock=back');
    // Without a jump back, or forward only: the plain tag.
    expect(clusterStateOk.check(context([failing], jumps.slice(0, 1)))?.fingerprint).toBe(
      'cluster-state-ok/state=fail,role=primary',
    );
    // Its own view flags another primary fail: the state may be fail for that (coverage), not the clock.
    const seesFail = editPeer(failing, 'node-2', 'node-4', (peer) => {
      peer.flags = [...peer.flags, 'fail'];
    });
    expect(clusterStateOk.check(context([seesFail], jumps))?.fingerprint).toBe(
      'cluster-state-ok/state=fail,role=primary',
    );
    // A minority in its own view (two of three primaries fail?): no tag either.
    const minority = editPeer(
      editPeer(failing, 'node-2', 'node-4', (peer) => {
        peer.flags = [...peer.flags, 'fail?'];
      }),
      'node-2',
      'node-0',
      (peer) => {
        peer.flags = [...peer.flags, 'fail?'];
      },
    );
    expect(clusterStateOk.check(context([minority], jumps))?.fingerprint).toBe(
      'cluster-state-ok/state=fail,role=primary',
    );
  });
});
