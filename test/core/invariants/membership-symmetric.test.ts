import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../../core/events.ts';
import type { ClusterView, NodeView } from '../../../core/view.ts';
import { membershipSymmetric } from '../../../core/invariants/membership-symmetric.ts';
import {
  clockEvent,
  context,
  downNode,
  editNode,
  editPeer,
  expectCleanFingerprint,
  healthyCluster,
  idOf,
} from './builders.ts';

describe('membership-symmetric', () => {
  it('passes when every live node knows every other (a forgotten dead node is fine)', () => {
    expect(membershipSymmetric.check(context([healthyCluster(3, 1)]))).toBeNull();
    const view = editNode(downNode(healthyCluster(3, 1), 'node-5'), 'node-0', (node) => {
      node.report!.peers = node.report!.peers.filter((peer) => peer.id !== idOf('node-5'));
    });
    expect(membershipSymmetric.check(context([view]))).toBeNull();
  });

  it('flags a live node missing from a live view', () => {
    const view = editNode(healthyCluster(3, 1), 'node-3', (node) => {
      node.report!.peers = node.report!.peers.filter((peer) => peer.id !== idOf('node-4'));
    });
    const found = expectCleanFingerprint(membershipSymmetric.check(context([view])), 'membership-symmetric');
    // node-4 still knows node-3: one-sided (8.0.1 adds an unknown sender only on a MEET).
    expect(found.fingerprint).toBe('membership-symmetric/missing-peer,one-sided');
    expect(found.nodes).toEqual(['node-3', 'node-4']);
    const mutual = editNode(view, 'node-4', (node) => {
      node.report!.peers = node.report!.peers.filter((peer) => peer.id !== idOf('node-3'));
    });
    expect(membershipSymmetric.check(context([mutual]))?.fingerprint).toBe('membership-symmetric/missing-peer,mutual');
  });

  it('tags a mutual loss ban=clock-phase only when one of the pair was forgotten and clocks tick at different phases', () => {
    const view = editNode(
      editNode(healthyCluster(3, 1), 'node-3', (node) => {
        node.report!.peers = node.report!.peers.filter((peer) => peer.id !== idOf('node-4'));
      }),
      'node-4',
      (node) => {
        node.report!.peers = node.report!.peers.filter((peer) => peer.id !== idOf('node-3'));
      },
    );
    const forget: ObservedEvent = { kind: 'fault', atMs: 1000, action: 'forget', nodes: ['node-4'], detail: '' };
    const clock = (node: string, skewMs: number, atMs = 2000, untilMs?: number): ObservedEvent =>
      clockEvent(node, atMs, skewMs, undefined, untilMs);
    const fingerprint = (events: ObservedEvent[]) => membershipSymmetric.check(context([view], events))?.fingerprint;
    const tagged = 'membership-symmetric/missing-peer,mutual,ban=clock-phase';
    const plain = 'membership-symmetric/missing-peer,mutual';
    expect(fingerprint([forget, clock('node-1', 1460)])).toBe(tagged);
    // Still drifting at the check: its seconds move against the others'.
    expect(fingerprint([forget, clock('node-1', 0, 2000, 90_000)])).toBe(tagged);
    // Whole seconds apart, or no skew at all: every clock turns its second at the same instant.
    expect(fingerprint([forget, clock('node-1', -3000)])).toBe(plain);
    expect(fingerprint([forget])).toBe(plain);
    // Skewed clocks but nobody forgotten: nothing to circulate.
    expect(fingerprint([clock('node-1', 1460)])).toBe(plain);
  });

  it('tags a mutual loss via=one-sided only when no other live node knows either of the pair', () => {
    // Seed 1690737795: node-1 forgotten (its MEET undone by the ban's gossip), node-10 added through
    // a primary held away from the rest that then died; each knows live peers, no live node knows it.
    const strangers = ['node-0', 'node-5'];
    const view = healthyCluster(3, 1);
    for (const node of view.nodes) {
      node.report!.peers = node.report!.peers.filter(
        (peer) => peer.id === node.report!.id || !strangers.some((name) => peer.id === idOf(name)),
      );
    }
    const found = expectCleanFingerprint(membershipSymmetric.check(context([view])), 'membership-symmetric');
    expect(found.fingerprint).toBe('membership-symmetric/missing-peer,mutual,via=one-sided');
    expect(found.nodes).toEqual(['node-0', 'node-5']);
    expect(found.message).toContain('no other live node knows either of them');
    // A third live node still knows node-5 and can name it in gossip: plain mutual.
    const named = editNode(view, 'node-2', (node) => {
      node.report!.peers.push({
        ...node.report!.peers.find((peer) => peer.id === idOf('node-3'))!,
        id: idOf('node-5'),
      });
    });
    expect(membershipSymmetric.check(context([named]))?.fingerprint).toBe('membership-symmetric/missing-peer,mutual');
    // The same node down (as node-0, node-10's introducer, in that run): it names nobody.
    const deadKnows = downNode(named, 'node-2');
    expect(membershipSymmetric.check(context([deadKnows]))?.fingerprint).toBe(
      'membership-symmetric/missing-peer,mutual,via=one-sided',
    );
  });

  it('tags a mutual loss via=no-introducer only when no gossip among the live nodes can introduce the pair', () => {
    // Seed 1886394502: node-1 (soft reset, its MEET timed out) and node-2 (soft reset) know only
    // themselves; node-4, which learned both from node-0's gossip before node-0 died, knows both.
    // They hear no gossip they would process (none of them knows node-4), and only a MEET adds node-4.
    const onlySelf = (node: NodeView) => {
      node.report!.peers = node.report!.peers.filter((peer) => peer.id === node.report!.id);
    };
    const view = editNode(editNode(healthyCluster(3, 1), 'node-0', onlySelf), 'node-1', onlySelf);
    const fingerprint = (v: ClusterView) => membershipSymmetric.check(context([v]))?.fingerprint;
    const found = expectCleanFingerprint(membershipSymmetric.check(context([view])), 'membership-symmetric');
    expect(found.fingerprint).toBe('membership-symmetric/missing-peer,mutual,via=no-introducer');
    expect(found.nodes).toEqual(['node-0', 'node-1']);
    expect(found.message).toContain('no live node that either of them knows or can learn by gossip knows the other');
    // node-0 knows node-3, which knows node-1: node-3's PONGs name node-1 to node-0. Plain mutual.
    const knowsIntroducer = editNode(view, 'node-0', (node) => {
      node.report!.peers.push(
        structuredClone(view.nodes[3]!.report!.peers.find((peer) => peer.id === idOf('node-3'))!),
      );
    });
    expect(fingerprint(knowsIntroducer)).toBe('membership-symmetric/missing-peer,mutual');
    // The same through a chain: node-3 knows only node-4 (and node-0), node-4 knows node-1.
    const chain = editNode(knowsIntroducer, 'node-3', (node) => {
      node.report!.peers = node.report!.peers.filter(
        (peer) => !['node-1', 'node-2', 'node-5'].some((n) => peer.id === idOf(n)),
      );
    });
    expect(fingerprint(chain)).toBe('membership-symmetric/missing-peer,mutual');
    // The introducer down, its chain cut: node-0 knows only node-3, which knows nobody live who
    // knows node-1, and node-1 knows nobody: no gossip can introduce them.
    const cut = editNode(knowsIntroducer, 'node-3', (node) => {
      node.report!.peers = node.report!.peers.filter((peer) => [idOf('node-3'), idOf('node-0')].includes(peer.id));
    });
    expect(fingerprint(cut)).toBe('membership-symmetric/missing-peer,mutual,via=no-introducer');
    // A handshake entry for node-1's address on node-0: its PONG would complete it. Plain mutual.
    const handshake = editNode(view, 'node-0', (node) => {
      node.report!.peers.push({
        ...view.nodes[1]!.report!.peers.find((peer) => peer.id === idOf('node-1'))!,
        id: 'f'.repeat(40),
        flags: ['master', 'handshake'],
      });
    });
    expect(fingerprint(handshake)).toBe('membership-symmetric/missing-peer,mutual');
  });

  it('tags a mutual loss via=no-introducer when the only node that knows one of the pair knows no third node', () => {
    // Seed 1534716114: node-1 (hard reset) and node-2 (hard reset, its MEET of a paused node-5 timed
    // out there and was answered one-sidedly later) met each other and nobody else; node-0, 3, 4, 5
    // know node-2 (node-5's gossip) but not node-1. node-2's table holds itself and node-1 only, so
    // clusterSendPing's freshnodes is 0 and its PONGs to the rest carry no gossip: node-1 is never named.
    const view = healthyCluster(3, 1);
    for (const node of view.nodes) {
      const keep = ['node-1', 'node-2'].includes(node.name)
        ? (id: string) => [idOf('node-1'), idOf('node-2')].includes(id)
        : (id: string) => id !== idOf('node-1');
      node.report!.peers = node.report!.peers.filter((peer) => keep(peer.id));
    }
    const fingerprint = (v: ClusterView) => membershipSymmetric.check(context([v]))?.fingerprint;
    const found = expectCleanFingerprint(membershipSymmetric.check(context([view])), 'membership-symmetric');
    // Counting node-2 as an introducer (it knows node-1, node-0 knows it) left this plain mutual.
    expect(found.fingerprint).toBe('membership-symmetric/missing-peer,mutual,via=no-introducer');
    expect(found.nodes).toEqual(['node-0', 'node-1']);
    // node-2 flags node-1 PFAIL: the PFAIL section names it whatever freshnodes is. Plain mutual.
    const pfail = editPeer(view, 'node-2', 'node-1', (peer) => {
      peer.flags = [...peer.flags, 'fail?'];
    });
    expect(fingerprint(pfail)).toBe('membership-symmetric/missing-peer,mutual');
    // node-2 keeps a third entry (a dead node's, even): freshnodes 1, node-1 can be drawn. Plain mutual.
    const third = editNode(downNode(view, 'node-5'), 'node-2', (node) => {
      node.report!.peers.push(
        structuredClone(view.nodes[0]!.report!.peers.find((peer) => peer.id === idOf('node-5'))!),
      );
    });
    expect(fingerprint(third)).toBe('membership-symmetric/missing-peer,mutual');
  });

  it('flags a noaddr entry for a live node', () => {
    const view = editPeer(healthyCluster(3, 1), 'node-1', 'node-2', (peer) => {
      peer.flags = ['master', 'noaddr'];
      peer.address = ':0@0';
    });
    const found = expectCleanFingerprint(membershipSymmetric.check(context([view])), 'membership-symmetric');
    expect(found.fingerprint).toBe('membership-symmetric/flag=noaddr');
  });

  it('flags a handshake leftover for a live address', () => {
    const view = editNode(healthyCluster(3, 1), 'node-1', (node) => {
      const ghost = { ...node.report!.peers[2]!, id: 'f'.repeat(40), flags: ['handshake'], slots: [] };
      node.report!.peers.push(ghost);
    });
    const found = expectCleanFingerprint(membershipSymmetric.check(context([view])), 'membership-symmetric');
    expect(found.fingerprint).toBe('membership-symmetric/handshake-leftover');
    expect(found.nodes).toEqual(['node-1', 'node-2']);
  });

  it('tags a handshake leftover clock=back only when its MEET was made at a later reading of the clock than now', () => {
    // Seed 1266531273: node-1 MEETs node-2 at 16780 ms (the MEET is lost to a drop), its clock goes
    // back an hour at 16880 ms, and the entry's ctime stays in its future: no handshake timeout.
    const view = editNode(healthyCluster(3, 0, 153_080), 'node-1', (node) => {
      const ghost = { ...node.report!.peers[2]!, id: 'f'.repeat(40), flags: ['handshake'], slots: [] };
      node.report!.peers.push(ghost);
    });
    const meet = (atMs: number, detail = 'node-1 CLUSTER MEET node-2: OK'): ObservedEvent => ({
      kind: 'fault',
      atMs,
      action: 'meet',
      nodes: ['node-1', 'node-2'],
      detail,
    });
    const back = clockEvent('node-1', 16_880, -3_600_000, -3_600_000);
    const fingerprint = (events: ObservedEvent[]) => membershipSymmetric.check(context([view], events))?.fingerprint;
    const tagged = 'membership-symmetric/handshake-leftover,clock=back';
    const plain = 'membership-symmetric/handshake-leftover';
    expect(fingerprint([meet(16_780), back])).toBe(tagged);
    // The MEET after the jump: its entry's ctime is a reading below the clock now, so it times out.
    expect(fingerprint([back, meet(16_980)])).toBe(plain);
    // The clock back on the subject, not the observer; no MEET at all; a refused MEET.
    expect(fingerprint([meet(16_780), clockEvent('node-2', 16_880, -3_600_000, -3_600_000)])).toBe(plain);
    expect(fingerprint([back])).toBe(plain);
    expect(fingerprint([meet(16_780, 'node-1 CLUSTER MEET node-2: refused: ERR'), back])).toBe(plain);
    // The observer restarted after the MEET (nodes.conf keeps no handshake node): the entry is not that MEET's.
    const down: ObservedEvent = {
      kind: 'node-down',
      atMs: 20_000,
      node: 'node-1',
      cause: 'kill',
      wasPrimary: true,
      eligibleReplicas: [],
    };
    const up: ObservedEvent = { kind: 'node-up', atMs: 21_000, node: 'node-1' };
    expect(fingerprint([meet(16_780), back, down, up])).toBe(plain);
    // Another path may have made the entry: the subject forgotten, or its id changed.
    const forget: ObservedEvent = { kind: 'fault', atMs: 30_000, action: 'forget', nodes: ['node-2'], detail: '' };
    expect(fingerprint([meet(16_780), back, forget])).toBe(plain);
    const state = (atMs: number, id: string): ObservedEvent => ({
      kind: 'node-state',
      atMs,
      node: 'node-2',
      id,
      role: 'primary',
      primary: null,
      currentEpoch: 3,
      configEpoch: 3,
      slotCount: 5462,
    });
    expect(fingerprint([state(100, idOf('node-2')), meet(16_780), back, state(40_000, 'e'.repeat(40))])).toBe(plain);
    // Drifting at the MEET or still drifting at the check: the reading is not known exactly.
    expect(fingerprint([clockEvent('node-1', 16_000, 0, undefined, 17_000), meet(16_780), back])).toBe(plain);
    expect(fingerprint([meet(16_780), clockEvent('node-1', 16_880, -3_600_000, -3_600_000, 200_000)])).toBe(plain);
  });
});
