/**
 * Builders for invariant tests: a healthy cluster view in one call, then small immutable edits
 * (a node down, a peer's flags, a replica pointing elsewhere) to make the violating variants,
 * plus a scenario with chosen invariants and a check that fingerprints carry no ids or numbers.
 */
import { expect } from 'vitest';
import type { InvariantContext } from '../../../core/invariants/api.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import {
  DEFAULT_CLUSTER,
  INVARIANT_NAMES,
  type ClusterConfig,
  type InvariantName,
  type Scenario,
} from '../../../core/scenario/types.ts';
import type { ClusterView, NodeReport, NodeView, PeerView, SlotRange } from '../../../core/view.ts';
import type { Finding } from '../../../core/violation.ts';

export function scenarioWith(
  cluster: Partial<ClusterConfig> = {},
  invariants: InvariantName[] = [...INVARIANT_NAMES],
): Scenario {
  return {
    scenarioId: 'test',
    seed: 1,
    protocol: 'valkey-8.0',
    cluster: { ...DEFAULT_CLUSTER, nodeTimeoutMs: 1000, pingIntervalMs: 100, ...cluster },
    workload: null,
    timeline: [],
    chaos: null,
    validation: { convergenceTimeoutMs: 30000, invariants },
  };
}

export function context(
  views: ClusterView[],
  events: ObservedEvent[] = [],
  scenario: Scenario = scenarioWith(),
): InvariantContext {
  return { scenario, views, events };
}

/** A stable 40-character id per node name (`node-3` → `3333…`-like hex). */
export function idOf(name: string): string {
  const number = Number(name.replace('node-', ''));
  return `${number.toString(16).padStart(2, '0')}ab`.repeat(10).slice(0, 40);
}

function slotRangesOf(shard: number, shardCount: number): SlotRange[] {
  const start = Math.floor((16384 * shard) / shardCount);
  const end = Math.floor((16384 * (shard + 1)) / shardCount) - 1;
  return [[start, end]];
}

/**
 * A converged cluster: shard i's primary is `node-(i*(1+R))`, its replicas follow; primaries have
 * configEpoch i+1, every node currentEpoch = shard count; all links up, same data per shard.
 */
export function healthyCluster(shardCount: number, replicasPerShard: number, atMs = 60000): ClusterView {
  interface Member {
    name: string;
    shard: number;
    primaryName: string | null;
  }
  const members: Member[] = [];
  for (let shard = 0; shard < shardCount; shard++) {
    const primaryName = `node-${shard * (1 + replicasPerShard)}`;
    members.push({ name: primaryName, shard, primaryName: null });
    for (let r = 1; r <= replicasPerShard; r++)
      members.push({ name: `node-${shard * (1 + replicasPerShard) + r}`, shard, primaryName });
  }
  const peerOf = (member: Member): PeerView => ({
    id: idOf(member.name),
    flags: [member.primaryName === null ? 'master' : 'slave'],
    role: member.primaryName === null ? 'primary' : 'replica',
    replicaOf: member.primaryName === null ? null : idOf(member.primaryName),
    configEpoch: member.shard + 1,
    slots: member.primaryName === null ? slotRangesOf(member.shard, shardCount) : [],
    address: `127.0.0.1:${7000 + Number(member.name.slice(5))}@17000`,
    linkConnected: true,
  });
  const nodes: NodeView[] = members.map((member) => {
    const own = peerOf(member);
    const report: NodeReport = {
      id: own.id,
      shardId: `shard${member.shard}`.padEnd(40, '0'),
      address: own.address,
      role: own.role,
      replicaOf: own.replicaOf,
      flags: ['myself', ...own.flags],
      configEpoch: own.configEpoch,
      currentEpoch: shardCount,
      lastVoteEpoch: 0,
      slots: own.slots,
      clusterState: 'ok',
      replOffset: 5000,
      replLinkUp: member.primaryName === null ? null : true,
      peers: members.map((other) =>
        other === member ? { ...peerOf(other), flags: ['myself', ...peerOf(other).flags] } : peerOf(other),
      ),
      dataDigest: `digest-of-shard-${member.shard}`,
    };
    return { name: member.name, createdShard: member.shard, process: 'running', report };
  });
  return { atMs, step: 100, nodes };
}

/** A copy of the view with one node changed (the callback edits the copy). */
export function editNode(view: ClusterView, name: string, edit: (node: NodeView) => void): ClusterView {
  const copy = structuredClone(view);
  const node = copy.nodes.find((candidate) => candidate.name === name);
  if (node === undefined) throw new Error(`no ${name} in view`);
  edit(node);
  return copy;
}

/** A copy with `name` stopped: process down, no report. Peers still list it as they did. */
export function downNode(view: ClusterView, name: string): ClusterView {
  return editNode(view, name, (node) => {
    node.process = 'down';
    node.report = null;
  });
}

/** A copy with the peer line for `subject` in `observer`'s report changed. */
export function editPeer(
  view: ClusterView,
  observer: string,
  subject: string,
  edit: (peer: PeerView) => void,
): ClusterView {
  return editNode(view, observer, (node) => {
    const peer = node.report!.peers.find((candidate) => candidate.id === idOf(subject));
    if (peer === undefined) throw new Error(`${observer} does not list ${subject}`);
    edit(peer);
  });
}

/** A copy where every live node's view of `subject` is changed the same way. */
export function editPeerEverywhere(view: ClusterView, subject: string, edit: (peer: PeerView) => void): ClusterView {
  let copy = view;
  for (const node of view.nodes) if (node.report !== null) copy = editPeer(copy, node.name, subject, edit);
  return copy;
}

export function atMs(view: ClusterView, at: number): ClusterView {
  return { ...view, atMs: at };
}

/**
 * A fingerprint names the invariant and a shape: no node names, ids, times, epochs or seeds
 * (small counts such as `primaries=2` are allowed; no number of two digits or more).
 */
export function expectCleanFingerprint(found: Finding | null, invariant: InvariantName): Finding {
  expect(found).not.toBeNull();
  const { fingerprint } = found!;
  expect(found!.invariant).toBe(invariant);
  expect(fingerprint.startsWith(`${invariant}/`)).toBe(true);
  expect(fingerprint).toMatch(/^[a-z-]+\/[a-z0-9=,+?-]+$/);
  expect(fingerprint).not.toMatch(/node-|\d{2,}/);
  expect(found!.message.length).toBeGreaterThan(20);
  return found!;
}

/** A `clock` fault event: the node's skew from then on, and the jump or the drift's end if any. */
export function clockEvent(
  node: string,
  atMs: number,
  skewMs: number,
  jumpMs?: number,
  untilMs?: number,
): ObservedEvent {
  return {
    kind: 'fault',
    atMs,
    action: 'clock',
    nodes: [node],
    detail: '',
    skewMs,
    ...(jumpMs === undefined ? {} : { jumpMs }),
    ...(untilMs === undefined ? {} : { untilMs }),
  };
}
