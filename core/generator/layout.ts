/**
 * The node layout a generated timeline may name: the initial nodes (shard i's primary is node
 * i*(1+R), its replicas follow) and the nodes add_node steps append, each usable only after the
 * step that adds it. Fixed names (`node-K`) stay valid whatever failovers do to roles.
 */
import type { ClusterConfig } from '../scenario/types.ts';

export interface AddedNode {
  nodeIndex: number;
  /** The shard it joins as a replica, or null for an empty primary. */
  shard: number | null;
  atMs: number;
}

export class Layout {
  readonly added: AddedNode[] = [];

  constructor(readonly cluster: ClusterConfig) {}

  get initialNodeCount(): number {
    return this.cluster.numShards * (1 + this.cluster.replicasPerShard);
  }

  /** Node indexes that exist at `atMs`, in creation order. */
  nodesAt(atMs: number): number[] {
    const initial = Array.from({ length: this.initialNodeCount }, (_, index) => index);
    return [...initial, ...this.added.filter((node) => node.atMs < atMs).map((node) => node.nodeIndex)];
  }

  /** Initial replicas plus added ones that joined a shard before `atMs`: [nodeIndex, shard]. */
  replicasAt(atMs: number): Array<[nodeIndex: number, shard: number]> {
    const { numShards, replicasPerShard } = this.cluster;
    const out: Array<[number, number]> = [];
    for (let shard = 0; shard < numShards; shard++) {
      for (let j = 1; j <= replicasPerShard; j++) out.push([shard * (1 + replicasPerShard) + j, shard]);
    }
    for (const node of this.added) if (node.shard !== null && node.atMs < atMs) out.push([node.nodeIndex, node.shard]);
    return out;
  }

  /** Added empty primaries that exist at `atMs`. */
  emptyPrimariesAt(atMs: number): number[] {
    return this.added.filter((node) => node.shard === null && node.atMs < atMs).map((node) => node.nodeIndex);
  }

  add(shard: number | null, atMs: number): AddedNode {
    const node = { nodeIndex: this.initialNodeCount + this.added.length, shard, atMs };
    this.added.push(node);
    return node;
  }

  /** The most replicas any shard can have (for the failover bound's election rank). */
  maxReplicasInShard(): number {
    const extra = new Map<number, number>();
    for (const node of this.added) if (node.shard !== null) extra.set(node.shard, (extra.get(node.shard) ?? 0) + 1);
    return this.cluster.replicasPerShard + Math.max(0, ...extra.values());
  }
}

export function node(nodeIndex: number): string {
  return `node-${nodeIndex}`;
}
