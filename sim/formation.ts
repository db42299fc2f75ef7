/**
 * Cluster formation the way the real backend does it with direct commands (real-timings.md):
 * start every process; once they answer, ADDSLOTSRANGE on each shard's first node and
 * SET-CONFIG-EPOCH 1..N on every node (valkey-cli's order); MEET from node-0 to all; once every
 * node knows every other, CLUSTER REPLICATE on the replicas; then wait until the replicas are
 * synced, every node is in cluster_state ok and all views agree. The scenario's clock starts then.
 *
 * Layout (interface page): shard i's primary is node i*(1+R), its replicas follow; shard i owns the
 * i-th contiguous slot range.
 */
import { T_FORMATION } from './trace.ts';
import type { World } from './world.ts';
import * as valkey from './valkey/index.ts';
import { CLUSTER_OK, CLUSTER_SLOTS } from './valkey/index.ts';

/** How often formation checks progress, in simulated ms. */
export const FORMATION_POLL_MS = 20;
/** A cluster that has not formed by then is a busfuzz bug. */
export const FORMATION_LIMIT_MS = 60_000;

const PHASE_START = 0;
const PHASE_MEET = 1;
const PHASE_REPLICATE = 2;
const PHASE_SYNC = 3;
const PHASE_READY = 4;

export interface ShardLayout {
  primary: number;
  replicas: number[];
  firstSlot: number;
  lastSlot: number;
}

export function shardLayouts(numShards: number, replicasPerShard: number): ShardLayout[] {
  const layouts: ShardLayout[] = [];
  for (let shard = 0; shard < numShards; shard++) {
    const primary = shard * (1 + replicasPerShard);
    layouts.push({
      primary,
      replicas: Array.from({ length: replicasPerShard }, (_, j) => primary + 1 + j),
      firstSlot: Math.floor((shard * CLUSTER_SLOTS) / numShards),
      lastSlot: Math.floor(((shard + 1) * CLUSTER_SLOTS) / numShards) - 1,
    });
  }
  return layouts;
}

export class Formation {
  private phase = PHASE_START;
  readyAtMs = -1;

  constructor(
    private readonly world: World,
    readonly layouts: ShardLayout[],
  ) {}

  get ready(): boolean {
    return this.phase === PHASE_READY;
  }

  /** Starts every process. The caller then calls `poll` every FORMATION_POLL_MS until ready. */
  begin(): void {
    for (const process of this.world.processes) this.world.start(process.index);
  }

  poll(): void {
    const world = this.world;
    if (world.nowMs > FORMATION_LIMIT_MS)
      throw new Error(`the simulated cluster did not form within ${FORMATION_LIMIT_MS} ms (phase ${this.phase})`);
    world.trace.record(world.clockMs, T_FORMATION, this.phase, 0, 0);
    switch (this.phase) {
      case PHASE_START:
        if (world.processes.every((p) => p.running)) this.assignAndMeet();
        return;
      case PHASE_MEET:
        if (this.everyoneKnowsEveryone()) this.phase = PHASE_REPLICATE;
        return;
      case PHASE_REPLICATE:
        this.replicate();
        return;
      case PHASE_SYNC:
        if (this.settled()) {
          this.phase = PHASE_READY;
          this.readyAtMs = world.nowMs;
        }
        return;
      default:
        return;
    }
  }

  private assignAndMeet(): void {
    const world = this.world;
    for (const layout of this.layouts) {
      const error = world.command(layout.primary, (server) =>
        valkey.addSlotsRange(server, layout.firstSlot, layout.lastSlot),
      );
      if (error !== null) throw new Error(`formation: ADDSLOTSRANGE on node-${layout.primary}: ${error}`);
    }
    for (const process of world.processes) {
      const error = world.command(process.index, (server) => valkey.setConfigEpoch(server, process.index + 1));
      if (error !== null) throw new Error(`formation: SET-CONFIG-EPOCH on ${process.name}: ${error}`);
    }
    for (const process of world.processes) {
      if (process.index !== 0) world.command(0, (server) => valkey.meet(server, process.index));
    }
    this.phase = PHASE_MEET;
  }

  private everyoneKnowsEveryone(): boolean {
    const count = this.world.processes.length;
    for (const process of this.world.processes) {
      const server = process.server;
      if (server === null) return false;
      let known = 0;
      for (const node of server.nodes) if ((node.flags & (valkey.NODE_HANDSHAKE | valkey.NODE_NOADDR)) === 0) known++;
      if (known !== count) return false;
    }
    return true;
  }

  private replicate(): void {
    const world = this.world;
    for (const layout of this.layouts) {
      const primaryIdentity = world.server(layout.primary)!.myself.identity;
      for (const replica of layout.replicas) {
        const error = world.command(replica, (server) => valkey.replicate(server, primaryIdentity));
        if (error !== null) return; // not known there yet: try again on the next poll
      }
    }
    this.phase = PHASE_SYNC;
  }

  /** Replicas synced, everyone ok, and every node's view matches the layout. */
  private settled(): boolean {
    const world = this.world;
    for (const process of world.processes) {
      const server = process.server;
      if (server === null || server.state !== CLUSTER_OK) return false;
    }
    for (const layout of this.layouts) {
      const primary = world.server(layout.primary)!;
      for (const replicaIndex of layout.replicas) {
        const replica = world.server(replicaIndex)!;
        if (!valkey.replicationLinkUp(replica) || replica.myself.replicaOf?.identity !== primary.myself.identity)
          return false;
      }
      const expected = primary.slotsOf(primary.myself);
      for (const process of world.processes) {
        const server = process.server!;
        const node = server.lookup(primary.myself.identity);
        if (node === null || !valkey.isPrimary(node) || !server.slotsOf(node).equals(expected)) return false;
        for (const replicaIndex of layout.replicas) {
          const replicaNode = server.lookup(world.server(replicaIndex)!.myself.identity);
          if (replicaNode === null || replicaNode.replicaOf?.identity !== primary.myself.identity) return false;
        }
      }
    }
    return true;
  }
}
