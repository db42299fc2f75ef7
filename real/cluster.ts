/**
 * The live cluster of one run: a temporary folder with one sub-folder per node (server.conf,
 * nodes.conf, server.log), one valkey-server per node on its own loopback address, and two fault
 * proxies per node (bus port and client/replication port) sharing one table of network faults.
 *
 * It owns every process and socket it opens and releases them all in `teardown`, which is safe
 * to call more than once and from any failure path. Forming the cluster (slots, MEET, REPLICATE)
 * is real/formation.ts; this file only starts and stops things.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ClusterConfig } from '../core/scenario/types.ts';
import { createAdminClient } from './admin-client.ts';
import { findFreePort, nodeAddress, reserveAddressBlock, MAX_NODES_PER_BLOCK } from './loopback.ts';
import { buildNodeConfig, type NodePorts } from './node-config.ts';
import type { LaneCounters } from './proxy/lane.ts';
import { NetworkFaults } from './proxy/network-faults.ts';
import { NodeProxy } from './proxy/node-proxy.ts';
import type { FoundServer } from './server-binary.ts';
import { PortInUseError, ServerProcess } from './server-process.ts';

export interface RealNode {
  /** `node-K`, K = creation order. */
  name: string;
  nodeIndex: number;
  /** Shard the node was created in (primary or replica); null for an added empty primary. */
  createdShard: number | null;
  host: string;
  ports: NodePorts;
  folder: string;
  process: ServerProcess;
  busProxy: NodeProxy;
  clientProxy: NodeProxy;
  admin: Redis;
  /** The node id, read after each (re)start and after RESET HARD. */
  id: string | null;
}

/** How many times a node start is retried when its probed ports were taken meanwhile. */
const PORT_RETRIES = 5;

export class RealCluster {
  readonly network = new NetworkFaults();
  readonly counters: LaneCounters = { messages: 0, dropped: 0, delayed: 0, stalled: 0 };
  readonly nodes: RealNode[] = [];
  private readonly nameByAddress = new Map<string, string>();
  /** Everything started, including nodes whose start failed, so teardown misses nothing. */
  private readonly processes: ServerProcess[] = [];
  private readonly proxies: NodeProxy[] = [];
  private nodesStarting = 0;
  private tornDown = false;

  private constructor(
    readonly server: FoundServer,
    readonly cluster: ClusterConfig,
    readonly root: string,
    private readonly block: number,
    private readonly releaseBlock: () => void,
    readonly random: () => number,
  ) {}

  /** Makes the run's folder and reserves its loopback block; no process yet. */
  static open(server: FoundServer, cluster: ClusterConfig, random: () => number): RealCluster {
    const { block, release } = reserveAddressBlock();
    const root = mkdtempSync(join(tmpdir(), 'busfuzz-real-'));
    return new RealCluster(server, cluster, root, block, release, random);
  }

  /** Adds a node: folder, proxies, config and a running server answering PING. */
  async startNode(createdShard: number | null): Promise<RealNode> {
    if (this.tornDown) throw new Error('startNode after teardown');
    const nodeIndex = this.nodes.length + this.nodesStarting;
    if (nodeIndex >= MAX_NODES_PER_BLOCK) throw new Error(`more than ${MAX_NODES_PER_BLOCK} nodes in one cluster`);
    this.nodesStarting++;
    try {
      return await this.startNodeAt(nodeIndex, createdShard);
    } finally {
      this.nodesStarting--;
    }
  }

  private async startNodeAt(nodeIndex: number, createdShard: number | null): Promise<RealNode> {
    const name = `node-${nodeIndex}`;
    const host = nodeAddress(this.block, nodeIndex);
    const folder = join(this.root, name);
    mkdirSync(folder, { recursive: true });
    this.nameByAddress.set(host, name);
    const proxyOptions = {
      nodeName: name,
      host,
      network: this.network,
      nodeForAddress: (address: string) => this.nameByAddress.get(address) ?? null,
      random: this.random,
      counters: this.counters,
    };
    const busProxy = new NodeProxy({ ...proxyOptions, bus: true });
    const clientProxy = new NodeProxy({ ...proxyOptions, bus: false });
    this.proxies.push(busProxy, clientProxy);
    const [busProxyPort, clientProxyPort] = await Promise.all([busProxy.listen(), clientProxy.listen()]);
    for (let attempt = 1; ; attempt++) {
      const ports: NodePorts = { ...(await freeServerPorts(host)), clientProxyPort, busProxyPort };
      // Nobody connects to a proxy before its server announces it, so setting upstream now is safe.
      busProxy.upstreamPort = ports.busPort;
      clientProxy.upstreamPort = ports.clientPort;
      writeFileSync(
        join(folder, 'server.conf'),
        buildNodeConfig({ host, ports, folder, cluster: this.cluster, server: this.server }),
      );
      const process = new ServerProcess({ name, binary: this.server.binary, folder, host, clientPort: ports.clientPort });
      this.processes.push(process);
      try {
        await process.start();
      } catch (error) {
        if (error instanceof PortInUseError && attempt < PORT_RETRIES) continue;
        throw error;
      }
      const node: RealNode = {
        name, nodeIndex, createdShard, host, ports, folder, process, busProxy, clientProxy,
        admin: createAdminClient({ host, port: ports.clientPort }),
        id: null,
      };
      this.nodes.push(node);
      this.nodes.sort((a, b) => a.nodeIndex - b.nodeIndex);
      return node;
    }
  }

  /** Restarts a stopped node on the same folder and ports (it keeps its nodes.conf). */
  async restartNode(node: RealNode): Promise<void> {
    await node.process.start();
  }

  nodeByName(name: string): RealNode {
    const node = this.nodes.find((candidate) => candidate.name === name);
    if (node === undefined) throw new Error(`no node named ${name}`);
    return node;
  }

  nodeById(id: string): RealNode | undefined {
    return this.nodes.find((node) => node.id === id);
  }

  /**
   * Stops everything: servers (SIGKILL, they are throwaway), proxies and client connections.
   * With `keepTo`, first copies every node's folder there (logs, nodes.conf, config). The
   * temporary folder is removed unless `keepRoot`.
   */
  async teardown(options: { keepTo?: string; keepRoot?: boolean } = {}): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    for (const node of this.nodes) node.admin.disconnect();
    await Promise.all(this.processes.map((process) => process.kill()));
    await Promise.all(this.proxies.map((proxy) => proxy.close()));
    this.releaseBlock();
    if (options.keepTo !== undefined) {
      mkdirSync(options.keepTo, { recursive: true });
      cpSync(this.root, options.keepTo, { recursive: true });
    }
    if (!options.keepRoot) rmSync(this.root, { recursive: true, force: true });
  }
}

/** A client port and a different bus port, both free on `host` now. */
async function freeServerPorts(host: string): Promise<{ clientPort: number; busPort: number }> {
  const clientPort = await findFreePort(host);
  let busPort = await findFreePort(host);
  while (busPort === clientPort) busPort = await findFreePort(host);
  return { clientPort, busPort };
}
