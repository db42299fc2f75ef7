/**
 * The live cluster of one run: the hosts it took from the farm, named `node-K` in creation order,
 * and the run's own table of network faults that their proxies apply. It knows nodes by name, by
 * id and by address, and gives every host back in `teardown` (safe to call more than once, from
 * any failure path), copying the node folders first when the run is kept for a crash.
 *
 * Forming the cluster (slots, MEET, REPLICATE) is real/formation.ts; this file only hands out
 * and takes back nodes.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from '../core/scenario/types.ts';
import type { NodeHost } from './node-host.ts';
import type { LaneCounters } from './proxy/lane.ts';
import { NetworkFaults } from './proxy/network-faults.ts';
import type { ServerFarm } from './server-farm.ts';

export interface RealNode {
  /** `node-K`, K = creation order. */
  name: string;
  nodeIndex: number;
  /** Shard the node was created in (primary or replica); null for an added empty primary. */
  createdShard: number | null;
  host: NodeHost;
  /** The node id, read at formation and again after RESET HARD. */
  id: string | null;
  /** The id the node was started with (steering.nodeIds); null: it drew its own. */
  startedWithId: string | null;
}

export class RealCluster {
  readonly network = new NetworkFaults();
  readonly counters: LaneCounters = { messages: 0, dropped: 0, delayed: 0, stalled: 0 };
  readonly nodes: RealNode[] = [];
  private readonly nameByAddress = new Map<string, string>();
  private readonly nameById = new Map<string, string>();
  private readonly taking = new Set<Promise<unknown>>();
  private nextIndex = 0;
  private tornDown = false;

  constructor(
    readonly farm: ServerFarm,
    readonly cluster: ClusterConfig,
    readonly random: () => number,
    /** Ids for nodes' first starts by name (steering.nodeIds, checked by the backend). */
    private readonly firstIds: Readonly<Record<string, string>> = {},
  ) {}

  get server() {
    return this.farm.server;
  }

  /** Takes the next node (`node-K`) from the farm and attaches its proxies to this run. */
  addNode(createdShard: number | null): Promise<RealNode> {
    if (this.tornDown) throw new Error('addNode after teardown');
    const nodeIndex = this.nextIndex++;
    const name = `node-${nodeIndex}`;
    // Own property only: a name like `constructor` must not find Object's.
    const startedWithId = Object.hasOwn(this.firstIds, name) ? this.firstIds[name]! : null;
    const taking = this.farm.take(name, this.cluster, startedWithId ?? undefined).then((host) => {
      const node: RealNode = { name, nodeIndex, createdShard, host, id: null, startedWithId };
      this.nodes.push(node);
      this.nodes.sort((a, b) => a.nodeIndex - b.nodeIndex);
      this.nameByAddress.set(host.host, name);
      const attachment = {
        nodeName: name,
        network: this.network,
        nodeForAddress: (address: string) => this.nameByAddress.get(address) ?? null,
        random: this.random,
        counters: this.counters,
      };
      host.busProxy.attach(attachment);
      host.clientProxy.attach(attachment);
      return node;
    });
    this.taking.add(taking);
    void taking.catch(() => {}).finally(() => this.taking.delete(taking));
    return taking;
  }

  nodeByName(name: string): RealNode {
    const node = this.nodes.find((candidate) => candidate.name === name);
    if (node === undefined) throw new Error(`no node named ${name}`);
    return node;
  }

  /** The node that has or had this id (ids change on RESET HARD; old ids still name their node). */
  nodeById(id: string): RealNode | undefined {
    const name = this.nameById.get(id);
    return name === undefined ? undefined : this.nodes.find((node) => node.name === name);
  }

  /** Records a node's id as it reports it. */
  setId(node: RealNode, id: string): void {
    node.id = id;
    this.nameById.set(id, node.name);
  }

  /** The folder of each node (for artifacts): node name to folder path. */
  folders(): Array<[string, string]> {
    return this.nodes.map((node) => [node.name, node.host.folder]);
  }

  /**
   * Gives every host back to the farm (servers stopped). With `keepTo`, every node's folder
   * (server.log, nodes.conf, server.conf) is first copied to `keepTo/node-K`.
   */
  async teardown(options: { keepTo?: string } = {}): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    // Nodes still being taken become ours when they arrive; wait so none escapes.
    await Promise.allSettled([...this.taking]);
    // Our connections first, while the servers still answer the close.
    for (const node of this.nodes) node.host.releaseAdmin();
    await Promise.all(this.nodes.map((node) => node.host.process.kill()));
    if (options.keepTo !== undefined) {
      mkdirSync(options.keepTo, { recursive: true });
      for (const [name, folder] of this.folders()) cpSync(folder, join(options.keepTo, name), { recursive: true });
    }
    this.network.clear();
    await Promise.all(this.nodes.map((node) => this.farm.giveBack(node.host)));
  }
}
