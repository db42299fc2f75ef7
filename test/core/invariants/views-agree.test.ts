import { describe, expect, it } from 'vitest';
import { viewsAgree } from '../../../core/invariants/views-agree.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import type { ClusterView } from '../../../core/view.ts';
import { context, downNode, editNode, editPeer, expectCleanFingerprint, healthyCluster, idOf } from './builders.ts';

const SHARD_1: [number, number][] = [[5461, 10921]];

/**
 * healthyCluster(3, 1) after node-3 took shard 1 from node-2 at configEpoch 5, as every live view
 * but node-5's has it: node-5 still binds shard 1 to node-2, whose configEpoch it holds as
 * `staleEpoch`, and holds node-3 as a slotless primary at configEpoch 5 (node-3's own claim lost
 * to node-2's in node-5's view).
 */
/** An earlier view in which node-2 still reported (so its id has a name), then node-2 down. */
function withDown(view: ClusterView): ClusterView[] {
  return [healthyCluster(3, 1, 30000), downNode(view, 'node-2')];
}

function splitAfterFailover(staleEpoch: number): ClusterView {
  let view = healthyCluster(3, 1);
  view = editNode(view, 'node-3', (node) => {
    const report = node.report!;
    report.role = 'primary';
    report.replicaOf = null;
    report.flags = ['myself', 'master'];
    report.configEpoch = 5;
    report.slots = SHARD_1;
  });
  for (const observer of ['node-0', 'node-1', 'node-3', 'node-4', 'node-5']) {
    view = editPeer(view, observer, 'node-3', (peer) => {
      peer.role = 'primary';
      peer.replicaOf = null;
      peer.flags = observer === 'node-3' ? ['myself', 'master'] : ['master'];
      peer.configEpoch = 5;
      peer.slots = observer === 'node-5' ? [] : SHARD_1;
    });
    view = editPeer(view, observer, 'node-2', (peer) => {
      peer.flags = ['master', 'fail'];
      peer.configEpoch = observer === 'node-5' ? staleEpoch : 2;
      peer.slots = observer === 'node-5' ? SHARD_1 : [];
    });
  }
  return view;
}

const MOVED: [number, number] = [12288, 12447];

/**
 * healthyCluster(4, 0) after node-3 gave slots 12288-12447 to node-1 (SETSLOT NODE on both) and
 * node-1 died: node-0 and node-3 heard node-1's claim, node-2 missed it and still binds them to
 * node-3, which no longer claims them. `sourceKeeps`: node-3 still claims them itself instead.
 */
function givenToDownOwner(sourceKeeps = false): ClusterView[] {
  let view = healthyCluster(4, 0);
  const source: [number, number][] = sourceKeeps ? [[12288, 16383]] : [[12448, 16383]];
  const target: [number, number][] = [[4096, 8191], MOVED];
  view = editNode(view, 'node-3', (node) => {
    node.report!.slots = source;
  });
  for (const observer of ['node-0', 'node-1', 'node-3']) {
    view = editPeer(view, observer, 'node-3', (peer) => {
      peer.slots = observer === 'node-3' ? source : [[12448, 16383]];
      peer.configEpoch = 4;
    });
    view = editPeer(view, observer, 'node-1', (peer) => {
      peer.slots = observer === 'node-3' && sourceKeeps ? [[4096, 8191]] : target;
      peer.configEpoch = 9;
    });
  }
  view = editNode(view, 'node-1', (node) => {
    node.report!.slots = target;
    node.report!.configEpoch = 9;
  });
  return [view, downNode(view, 'node-1')];
}

/**
 * healthyCluster(1, 2) after node-2, a primary at configEpoch 3 at formation and then node-0's
 * replica, took the shard over (TAKEOVER, no bump: 3 was the greatest configEpoch) and died:
 * node-1 heard the takeover and names node-2 (configEpoch 3) against node-0 (configEpoch 1); node-0
 * never heard it, owns every slot and still holds node-2 as its replica. The events are the run's
 * (seed 2305397): node-2 primary at 3 (200 ms), replica (660 ms), TAKEOVER at 3 (11960 ms), killed.
 */
function takeoverReused(): { views: ClusterView[]; events: ObservedEvent[] } {
  let view = healthyCluster(1, 2);
  view = editNode(view, 'node-1', (node) => {
    node.report!.replicaOf = idOf('node-2');
    node.report!.configEpoch = 3;
  });
  view = editPeer(view, 'node-1', 'node-2', (peer) => {
    peer.role = 'primary';
    peer.replicaOf = null;
    peer.flags = ['master', 'fail'];
    peer.configEpoch = 3;
    peer.slots = [[0, 16383]];
  });
  view = editPeer(view, 'node-1', 'node-0', (peer) => {
    peer.slots = [];
  });
  view = editPeer(view, 'node-1', 'node-1', (peer) => {
    peer.replicaOf = idOf('node-2');
    peer.configEpoch = 3;
  });
  const state = (atMs: number, node: string, role: 'primary' | 'replica', configEpoch: number): ObservedEvent => ({
    kind: 'node-state',
    atMs,
    node,
    id: idOf(node),
    role,
    primary: role === 'primary' ? null : 'node-0',
    currentEpoch: 3,
    configEpoch,
    slotCount: role === 'primary' && node !== 'node-2' ? 16384 : 0,
  });
  const events: ObservedEvent[] = [
    state(200, 'node-0', 'primary', 1),
    state(200, 'node-2', 'primary', 3),
    state(660, 'node-2', 'replica', 1),
    { kind: 'election-won', atMs: 11960, node: 'node-2', epoch: 3, consensus: false },
    state(11960, 'node-2', 'primary', 3),
    { kind: 'node-down', atMs: 12760, node: 'node-2', cause: 'kill', wasPrimary: true, eligibleReplicas: [] },
  ];
  return { views: [healthyCluster(1, 2, 30000), downNode(view, 'node-2')], events };
}

/**
 * healthyCluster(1, 2) as seed 120088760 left it: node-0 took the shard over at configEpoch 5;
 * node-1 (its replica) took it over at 6 behind a partition and died. node-2, a primary once,
 * reported itself node-1's replica at 6; from that header node-0 made node-1 a primary at 6 without
 * its slots ("A failover occurred in shard"), and it keeps every slot at 5. node-2 names node-1.
 */
function epochFromReplica(): { views: ClusterView[]; events: ObservedEvent[] } {
  let view = healthyCluster(1, 2);
  view = editNode(view, 'node-0', (node) => {
    node.report!.configEpoch = 5;
  });
  view = editPeer(view, 'node-0', 'node-0', (peer) => {
    peer.configEpoch = 5;
  });
  view = editPeer(view, 'node-0', 'node-1', (peer) => {
    peer.role = 'primary';
    peer.replicaOf = null;
    peer.flags = ['master', 'fail'];
    peer.configEpoch = 6;
    peer.slots = [];
  });
  view = editPeer(view, 'node-0', 'node-2', (peer) => {
    peer.replicaOf = idOf('node-1');
    peer.configEpoch = 6;
  });
  view = editNode(view, 'node-2', (node) => {
    node.report!.replicaOf = idOf('node-1');
    node.report!.configEpoch = 6;
  });
  view = editPeer(view, 'node-2', 'node-2', (peer) => {
    peer.replicaOf = idOf('node-1');
    peer.configEpoch = 6;
  });
  view = editPeer(view, 'node-2', 'node-1', (peer) => {
    peer.role = 'primary';
    peer.replicaOf = null;
    peer.flags = ['master', 'fail'];
    peer.configEpoch = 6;
    peer.slots = [[0, 16383]];
  });
  view = editPeer(view, 'node-2', 'node-0', (peer) => {
    peer.configEpoch = 5;
    peer.slots = [];
  });
  const state = (
    atMs: number,
    node: string,
    role: 'primary' | 'replica',
    configEpoch: number,
    primary: string | null = null,
    slotCount = role === 'primary' ? 16384 : 0,
  ): ObservedEvent => ({
    kind: 'node-state',
    atMs,
    node,
    id: idOf(node),
    role,
    primary,
    currentEpoch: configEpoch,
    configEpoch,
    slotCount,
  });
  const events: ObservedEvent[] = [
    state(200, 'node-0', 'primary', 1),
    state(300, 'node-1', 'replica', 1, 'node-0'),
    state(9090, 'node-2', 'replica', 1, 'node-0'),
    { kind: 'election-won', atMs: 11062, node: 'node-2', epoch: 4, consensus: true },
    state(11062, 'node-2', 'primary', 4),
    state(11063, 'node-0', 'replica', 4, 'node-2'),
    { kind: 'election-won', atMs: 20860, node: 'node-0', epoch: 5, consensus: false },
    state(20860, 'node-0', 'primary', 5),
    { kind: 'election-won', atMs: 25060, node: 'node-1', epoch: 6, consensus: false },
    state(25060, 'node-1', 'primary', 6),
    state(29961, 'node-2', 'replica', 6, 'node-1'),
    { kind: 'node-down', atMs: 43860, node: 'node-1', cause: 'kill', wasPrimary: true, eligibleReplicas: [] },
  ];
  return { views: [healthyCluster(1, 2, 30000), downNode(view, 'node-1')], events };
}

describe('views-agree', () => {
  it('passes when every live node sees the same owners and roles (down nodes ignored)', () => {
    expect(viewsAgree.check(context([healthyCluster(3, 1)]))).toBeNull();
    expect(viewsAgree.check(context([downNode(healthyCluster(3, 1), 'node-5')]))).toBeNull();
  });

  it('flags a node that still binds slots to the old owner', () => {
    // node-5 binds shard 2's slots to node-0 (a stale claim never corrected by UPDATE).
    const view = editPeer(
      editPeer(healthyCluster(3, 1), 'node-5', 'node-4', (peer) => {
        peer.slots = [];
      }),
      'node-5',
      'node-0',
      (peer) => {
        peer.slots = [
          [0, 5460],
          [10922, 16383],
        ];
      },
    );
    const found = expectCleanFingerprint(viewsAgree.check(context([view])), 'views-agree');
    expect(found.fingerprint).toBe('views-agree/slot-owners,both-assigned');
    expect(found.nodes).toEqual(['node-0', 'node-4', 'node-5']);
    expect(found.message).toContain('10922-16383');
  });

  it('flags a role seen differently from the node itself', () => {
    const view = editPeer(healthyCluster(3, 1), 'node-2', 'node-1', (peer) => {
      peer.role = 'primary';
      peer.flags = ['master'];
      peer.replicaOf = null;
    });
    const found = expectCleanFingerprint(viewsAgree.check(context([view])), 'views-agree');
    expect(found.fingerprint).toBe('views-agree/roles,seen=primary,own=replica');
    expect(found.nodes).toEqual(['node-1', 'node-2']);
  });

  it('tags a role never heard because both nodes set their clocks back over links that cannot reconnect', () => {
    // Seed 106990: node-2 was demoted; node-3 still holds it as primary, flagged failing, and
    // node-2 flags node-3 failing too; both clocks went back an hour after their links were made.
    const stale = (view: ClusterView) =>
      editPeer(view, 'node-3', 'node-1', (peer) => {
        peer.role = 'primary';
        peer.flags = ['master', 'fail'];
        peer.replicaOf = null;
      });
    const bothFlagged = editPeer(stale(healthyCluster(3, 1, 103_660)), 'node-1', 'node-3', (peer) => {
      peer.flags = ['slave', 'fail?'];
    });
    const back = (node: string, atMs: number): ObservedEvent => ({
      kind: 'fault',
      atMs,
      action: 'clock',
      nodes: [node],
      detail: '',
      skewMs: -3_600_000,
      jumpMs: -3_600_000,
    });
    const clocks = [back('node-1', 16_160), back('node-3', 25_860)];
    const fingerprint = (view: ClusterView, events: ObservedEvent[]) =>
      viewsAgree.check(context([view], events))?.fingerprint;
    const tagged = viewsAgree.check(context([bothFlagged], clocks));
    expect(expectCleanFingerprint(tagged, 'views-agree').fingerprint).toBe(
      'views-agree/roles,seen=primary,own=replica,clock=back',
    );
    expect(tagged?.nodes).toEqual(['node-1', 'node-3']);
    const plain = 'views-agree/roles,seen=primary,own=replica';
    // Only one clock back: the other node's watchdog reconnects and its PING carries its role.
    expect(fingerprint(bothFlagged, clocks.slice(0, 1))).toBe(plain);
    expect(fingerprint(bothFlagged, clocks.slice(1))).toBe(plain);
    // node-1 hears node-3 (no failure flag): its PINGs reach node-3 and should have told it.
    expect(fingerprint(stale(healthyCluster(3, 1, 103_660)), clocks)).toBe(plain);
    // Links killed after the jumps: new links, and the watchdog works on them.
    const kill: ObservedEvent = { kind: 'fault', atMs: 30_000, action: 'kill_links', nodes: ['node-1'], detail: '' };
    expect(fingerprint(bothFlagged, [...clocks, kill])).toBe(plain);
    // An unexplained disagreement elsewhere is reported first.
    const other = editPeer(bothFlagged, 'node-0', 'node-5', (peer) => {
      peer.role = 'primary';
      peer.flags = ['master'];
      peer.replicaOf = null;
    });
    expect(fingerprint(other, clocks)).toBe(plain);
    expect(viewsAgree.check(context([other], clocks))?.nodes).toEqual(['node-0', 'node-5']);
  });

  it('tags a split between a down owner and a live one at the same configEpoch (no 8.0.1 rule orders them)', () => {
    const found = expectCleanFingerprint(viewsAgree.check(context(withDown(splitAfterFailover(5)))), 'views-agree');
    expect(found.fingerprint).toBe('views-agree/slot-owners,both-assigned,epoch-tie-with-down-owner');
    expect(found.nodes).toEqual(['node-0', 'node-2', 'node-3', 'node-5']);
    expect(found.message).toContain('5461-10921');
    expect(found.message).toContain('same configEpoch');
  });

  it('keeps the plain tag when the epochs differ, the stale owner is alive or only paused', () => {
    // The down owner's epoch is lower in node-5's view: node-3's claim should have won (§4.3).
    const lower = viewsAgree.check(context(withDown(splitAfterFailover(4))));
    expect(lower?.fingerprint).toBe('views-agree/slot-owners,both-assigned');
    // Both owners alive (node-2 still reports, and claims shard 1): the collision rule can still
    // run between them.
    const alive = viewsAgree.check(context([healthyCluster(3, 1), splitAfterFailover(5)]));
    expect(alive?.fingerprint).toBe('views-agree/slot-owners,both-assigned');
    // A paused owner comes back and its packets reach node-3 again.
    const paused = editNode(splitAfterFailover(5), 'node-2', (node) => {
      node.process = 'paused';
      node.report = null;
    });
    expect(viewsAgree.check(context([healthyCluster(3, 1), paused]))?.fingerprint).toBe(
      'views-agree/slot-owners,both-assigned',
    );
  });

  it('tags slots a live owner gave to a down node that one view never heard claim them', () => {
    const found = expectCleanFingerprint(viewsAgree.check(context(givenToDownOwner())), 'views-agree');
    expect(found.fingerprint).toBe('views-agree/slot-owners,both-assigned,given-to-down-owner');
    expect(found.nodes).toEqual(['node-0', 'node-1', 'node-2', 'node-3']);
    expect(found.message).toContain('12288-12447');
    expect(found.message).toContain('no live node claims them');
  });

  it('keeps the plain tag when a live node claims the slots, they went elsewhere, the new owner is up, or a node did not answer', () => {
    // node-3 still claims the slots: its PINGs draw an UPDATE about node-1 from node-0 (§4.4).
    const [claimed, claimedDown] = givenToDownOwner(true);
    expect(viewsAgree.check(context([claimed!, claimedDown!]))?.fingerprint).toBe(
      'views-agree/slot-owners,both-assigned',
    );
    // node-1 is up: its own PINGs carry the claim to node-2.
    const [up] = givenToDownOwner();
    expect(viewsAgree.check(context([up!]))?.fingerprint).toBe('views-agree/slot-owners,both-assigned');
    // node-3 gave the slots to node-0 in its own view (which does not claim them): not the down owner.
    const [elsewhere, elsewhereDown] = givenToDownOwner().map((one) =>
      editPeer(
        editPeer(one, 'node-3', 'node-1', (peer) => {
          peer.slots = [[4096, 8191]];
        }),
        'node-3',
        'node-0',
        (peer) => {
          peer.slots = [[0, 4095], MOVED];
        },
      ),
    );
    expect(viewsAgree.check(context([elsewhere!, elsewhereDown!]))?.fingerprint).toBe(
      'views-agree/slot-owners,both-assigned',
    );
    // A paused node gave no report: its claims are unknown.
    const [before, down] = givenToDownOwner();
    const paused = editNode(down!, 'node-0', (node) => {
      node.process = 'paused';
      node.report = null;
    });
    expect(viewsAgree.check(context([before!, paused]))?.fingerprint).toBe('views-agree/slot-owners,both-assigned');
  });

  it('keeps the plain tag when a third live node claims the slots (its claim reaches every view)', () => {
    // healthyCluster(5, 0): node-3 (9830-13106) gave 9830-9839 to node-1, which died; node-0 names
    // node-1, node-2 still node-3, and node-4 claims them itself.
    const moved: [number, number] = [9830, 9839];
    let view = healthyCluster(5, 0);
    view = editNode(view, 'node-3', (node) => {
      node.report!.slots = [[9840, 13106]];
    });
    view = editNode(view, 'node-4', (node) => {
      node.report!.slots = [moved, [13107, 16383]];
    });
    for (const observer of ['node-0', 'node-3']) {
      view = editPeer(view, observer, 'node-3', (peer) => {
        peer.slots = [[9840, 13106]];
      });
      view = editPeer(view, observer, 'node-1', (peer) => {
        peer.slots = [[3276, 6552], moved];
      });
    }
    const views = [view, downNode(view, 'node-1')];
    expect(viewsAgree.check(context(views))?.fingerprint).toBe('views-agree/slot-owners,both-assigned');
    // Without node-4's claim the same split is the tagged class.
    const unclaimed = views.map((one) =>
      editNode(one, 'node-4', (node) => {
        node.report!.slots = [[13107, 16383]];
      }),
    );
    expect(viewsAgree.check(context(unclaimed))?.fingerprint).toBe(
      'views-agree/slot-owners,both-assigned,given-to-down-owner',
    );
  });

  it('tags slots a down node took over at a configEpoch the live owner already held for it', () => {
    const { views, events } = takeoverReused();
    const found = expectCleanFingerprint(viewsAgree.check(context(views, events)), 'views-agree');
    expect(found.fingerprint).toBe('views-agree/slot-owners,both-assigned,takeover-reused-epoch');
    expect(found.nodes).toEqual(['node-0', 'node-1', 'node-2']);
    expect(found.message).toContain('nothing new');
  });

  it('keeps the plain tag unless the takeover reused the epoch and the live owner kept its record', () => {
    const plain = 'views-agree/slot-owners,both-assigned';
    const { views, events } = takeoverReused();
    const check = (edited: ObservedEvent[], checked: ClusterView[] = views) =>
      viewsAgree.check(context(checked, edited))?.fingerprint;
    // An elected winner (consensus), or a takeover that bumped past its old configEpoch.
    expect(check(events.map((e) => (e.kind === 'election-won' ? { ...e, consensus: true } : e)))).toBe(plain);
    expect(
      check(
        events.map((e) =>
          e.kind === 'node-state' && e.atMs === 200 && e.node === 'node-2' ? { ...e, configEpoch: 2 } : e,
        ),
      ),
    ).toBe(plain);
    // No takeover at all.
    expect(check(events.filter((e) => e.kind !== 'election-won'))).toBe(plain);
    // node-0 restarted (nodes.conf keeps a replica's configEpoch as 0), was reset, or forgot node-2.
    const restart: ObservedEvent[] = [
      { kind: 'node-down', atMs: 5000, node: 'node-0', cause: 'kill', wasPrimary: true, eligibleReplicas: [] },
      { kind: 'node-up', atMs: 5600, node: 'node-0' },
    ];
    expect(check([...events.slice(0, 3), ...restart, ...events.slice(3)])).toBe(plain);
    const reset: ObservedEvent = { kind: 'fault', atMs: 5000, action: 'reset', nodes: ['node-0'], detail: 'OK' };
    expect(check([...events.slice(0, 3), reset, ...events.slice(3)])).toBe(plain);
    const forget: ObservedEvent = { kind: 'fault', atMs: 5000, action: 'forget', nodes: ['node-2'], detail: 'OK' };
    expect(check([...events.slice(0, 3), forget, ...events.slice(3)])).toBe(plain);
    // A pause keeps node-0's memory.
    const pause: ObservedEvent[] = [
      { kind: 'node-down', atMs: 5000, node: 'node-0', cause: 'pause', wasPrimary: true, eligibleReplicas: [] },
      { kind: 'node-up', atMs: 5600, node: 'node-0' },
    ];
    expect(check([...events.slice(0, 3), ...pause, ...events.slice(3)])).toBe(
      'views-agree/slot-owners,both-assigned,takeover-reused-epoch',
    );
    // node-0 heard the promotion (it sees node-2 as a primary), or node-1 holds node-0 at configEpoch 3.
    const heard = views.map((one) =>
      one.nodes.find((n) => n.name === 'node-2')?.process === 'down'
        ? editPeer(one, 'node-0', 'node-2', (peer) => {
            peer.role = 'primary';
            peer.replicaOf = null;
          })
        : one,
    );
    expect(check(events, heard)).toBe(plain);
    const tied = views.map((one) =>
      one.nodes.find((n) => n.name === 'node-2')?.process === 'down'
        ? editPeer(one, 'node-1', 'node-0', (peer) => {
            peer.configEpoch = 3;
          })
        : one,
    );
    expect(check(events, tied)).not.toBe('views-agree/slot-owners,both-assigned,takeover-reused-epoch');
    // node-2 is up (only paused): its own PINGs reach node-0.
    const paused = views.map((one, i) =>
      i === 1
        ? editNode(one, 'node-2', (node) => {
            node.process = 'paused';
          })
        : one,
    );
    expect(check(events, paused)).toBe(plain);
  });

  it('tags slots whose down owner the live owner learned from its replica at the same configEpoch, without the slots', () => {
    const { views, events } = epochFromReplica();
    const found = expectCleanFingerprint(viewsAgree.check(context(views, events)), 'views-agree');
    expect(found.fingerprint).toBe('views-agree/slot-owners,both-assigned,epoch-from-replica');
    expect(found.nodes).toEqual(['node-0', 'node-1', 'node-2']);
    expect(found.message).toContain('learned its configEpoch from its replica');
  });

  it('keeps the plain tag unless the live owner holds the down owner at its epoch, learned from a former primary', () => {
    const plain = 'views-agree/slot-owners,both-assigned';
    const tagged = 'views-agree/slot-owners,both-assigned,epoch-from-replica';
    const { views, events } = epochFromReplica();
    const check = (edited: ObservedEvent[], checked: ClusterView[] = views) =>
      viewsAgree.check(context(checked, edited))?.fingerprint;
    const last = (edit: (view: ClusterView) => ClusterView) => [views[0]!, edit(views[1]!)];
    expect(check(events)).toBe(tagged);
    // node-0 holds node-1 below 6 (the UPDATE would be news), or as a replica, or is at 6 itself.
    expect(
      check(
        events,
        last((v) =>
          editPeer(v, 'node-0', 'node-1', (peer) => {
            peer.configEpoch = 5;
          }),
        ),
      ),
    ).toBe(plain);
    expect(
      check(
        events,
        last((v) =>
          editPeer(v, 'node-0', 'node-1', (peer) => {
            peer.role = 'replica';
            peer.replicaOf = idOf('node-0');
          }),
        ),
      ),
    ).toBe(plain);
    expect(
      check(
        events,
        last((v) =>
          editPeer(
            editNode(v, 'node-0', (node) => {
              node.report!.configEpoch = 6;
            }),
            'node-2',
            'node-0',
            (peer) => {
              peer.configEpoch = 6;
            },
          ),
        ),
      ),
    ).not.toBe(tagged);
    // node-0 does not hold node-2 as node-1's replica.
    expect(
      check(
        events,
        last((v) =>
          editPeer(v, 'node-0', 'node-2', (peer) => {
            peer.replicaOf = idOf('node-0');
          }),
        ),
      ),
    ).toBe(plain);
    // node-2 never reported itself node-1's replica at 6, or was never a primary before it did.
    expect(check(events.filter((e) => !(e.kind === 'node-state' && e.atMs === 29961)))).toBe(plain);
    expect(check(events.map((e) => (e.kind === 'node-state' && e.atMs === 29961 ? { ...e, configEpoch: 5 } : e)))).toBe(
      plain,
    );
    expect(check(events.filter((e) => !(e.kind === 'node-state' && e.atMs === 11062)))).toBe(plain);
    // node-1 won another epoch last, or was a slotless primary at 6 before (its own header then
    // carried 6 without the slots).
    expect(check(events.map((e) => (e.kind === 'election-won' && e.node === 'node-1' ? { ...e, epoch: 7 } : e)))).toBe(
      plain,
    );
    const slotless: ObservedEvent = {
      kind: 'node-state',
      atMs: 24000,
      node: 'node-1',
      id: idOf('node-1'),
      role: 'primary',
      primary: null,
      currentEpoch: 6,
      configEpoch: 6,
      slotCount: 0,
    };
    expect(check([...events.slice(0, 8), slotless, ...events.slice(8)])).toBe(plain);
    // node-1 is only paused: its own PINGs reach node-0.
    const paused = views.map((one, i) =>
      i === 1
        ? editNode(one, 'node-1', (node) => {
            node.process = 'paused';
          })
        : one,
    );
    expect(check(events, paused)).toBe(plain);
  });
});
