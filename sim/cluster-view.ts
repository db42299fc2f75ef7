/**
 * The backend-neutral ClusterView (core/view.ts) built from the model: what each running node
 * would report in CLUSTER NODES, CLUSTER INFO and INFO replication. Built only when convergence is
 * checked (never per step), so it may allocate freely.
 */
import type { ClusterView, NodeReport, NodeView, PeerView, ProcessState } from '../core/view.ts';
import { PROCESS_PAUSED } from './process.ts';
import * as valkey from './valkey/index.ts';
import type { ClusterNode, ValkeyServer } from './valkey/index.ts';
import type { World } from './world.ts';

/** How an address prints: the real backend gives node-K the loopback address 127.0.0.(K+1). */
export function addressText(address: number): string {
  return address < 0 ? ':0@0' : `127.0.0.${address + 1}:7000@17000`;
}

export function buildClusterView(world: World): ClusterView {
  const nodes: NodeView[] = world.processes.map((process) => {
    // A terminating node reads as down, as the real backend reports it from the SIGTERM on.
    const running = process.runningForPlan;
    const state: ProcessState = running ? 'running' : process.state === PROCESS_PAUSED ? 'paused' : 'down';
    const report = running && process.server !== null ? nodeReport(world, process.server) : null;
    return { name: process.name, createdShard: process.createdShard, process: state, report };
  });
  return { atMs: world.clockMs, step: world.steps, nodes };
}

function nodeReport(world: World, server: ValkeyServer): NodeReport {
  const myself = server.myself;
  const replica = valkey.isReplica(myself);
  return {
    id: myself.name,
    shardId: world.identities.shards.name(myself.shardId),
    address: addressText(myself.address),
    role: replica ? 'replica' : 'primary',
    replicaOf: myself.replicaOf !== null ? myself.replicaOf.name : null,
    flags: flagList(myself.flags),
    configEpoch: valkey.nodeEpoch(myself),
    currentEpoch: server.currentEpoch,
    lastVoteEpoch: server.lastVoteEpoch,
    slots: server.slotsOf(myself).toRanges(),
    clusterState: server.state === valkey.CLUSTER_OK ? 'ok' : 'fail',
    replOffset: replica ? valkey.replicaOffset(server) : server.replication.offset,
    replLinkUp: replica ? valkey.replicationLinkUp(server) : null,
    peers: server.nodes.map((node) => peerView(server, node)),
    dataDigest: server.keyspace.digest(),
  };
}

function peerView(server: ValkeyServer, node: ClusterNode): PeerView {
  return {
    id: node.name,
    flags: flagList(node.flags),
    role: valkey.isReplica(node) ? 'replica' : 'primary',
    replicaOf: node.replicaOf !== null ? node.replicaOf.name : null,
    configEpoch: valkey.nodeEpoch(node),
    slots: server.slotsOf(node).toRanges(),
    address: addressText((node.flags & valkey.NODE_NOADDR) !== 0 ? -1 : node.address),
    linkConnected: node === server.myself || node.link !== null,
  };
}

function flagList(flags: number): string[] {
  const words = valkey.flagWords(flags);
  return words === 'noflags' ? [] : words.split(',');
}
