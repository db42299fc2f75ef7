/**
 * A node's place on the machine: its loopback address, folder, ports, the valkey-server process
 * and the two fault proxies in front of it. A host can start before any run wants it (a spare,
 * unformed, alone) and is then taken into a run's cluster, which gives it its name and settings.
 *
 * A spare is started with the default cluster settings; taking it applies the scenario's with
 * CONFIG SET (every cluster-* setting the DSL has is modifiable at runtime) and rewrites its
 * server.conf, so a restart comes back with the scenario's settings too.
 *
 * A spare owns all 16384 slots in its own one-node cluster while it waits. Without slots it would
 * count itself "among the minority" on every cron tick (cluster size 0, quorum 1), and a primary
 * refuses cluster_state ok for a rejoin delay of node_timeout (500 ms at least) after its last
 * minority moment (clusterUpdateState); with them it is a healthy one-node cluster, so formation
 * only has to swap its slots for its shard's (formation.ts does DELSLOTSRANGE + ADDSLOTSRANGE in
 * one MULTI, so the node never sees itself without slots in between).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ClusterConfig } from '../core/scenario/types.ts';
import { createAdminClient } from './admin-client.ts';
import { findFreePort } from './loopback.ts';
import { buildFirstNodesConf, buildNodeConfig, runtimeSettings, type NodePorts } from './node-config.ts';
import { NodeProxy } from './proxy/node-proxy.ts';
import type { FoundServer } from './server-binary.ts';
import { PortInUseError, ServerProcess } from './server-process.ts';
import { NodeClockControl, clockShimEnv } from './node-clock.ts';

/** How many times a start is retried when its probed ports were taken meanwhile. */
const PORT_RETRIES = 5;

export class NodeHost {
  private constructor(
    readonly host: string,
    readonly folder: string,
    readonly ports: NodePorts,
    readonly process: ServerProcess,
    readonly busProxy: NodeProxy,
    readonly clientProxy: NodeProxy,
    /** The node's wall clock (clock faults), through the clock shim when it is installed. */
    readonly clock: NodeClockControl,
  ) {}

  private adminClient: Redis | null = null;

  /** Our connection to the server's own port, opened on first use. */
  get admin(): Redis {
    this.adminClient ??= createAdminClient({ host: this.host, port: this.ports.clientPort });
    return this.adminClient;
  }

  /** Closes our connection (a spare holds none, so it keeps nothing of Node's alive). */
  releaseAdmin(): void {
    this.adminClient?.disconnect();
    this.adminClient = null;
  }

  /** Whether the server and proxies keep Node's event loop alive (not while a spare waits). */
  setHeld(held: boolean): void {
    this.process.setHeld(held);
    this.busProxy.setHeld(held);
    this.clientProxy.setHeld(held);
  }

  /** Whether this host waited as a spare and still owns every slot (formation releases them). */
  ownsAllSlots = false;

  /**
   * Starts proxies and server on `host`; resolves once the server answers PING. On failure
   * everything it opened is closed again before the error propagates.
   */
  static async start(input: {
    label: string;
    host: string;
    folder: string;
    server: FoundServer;
    cluster: ClusterConfig;
    held: boolean;
    /** The node id to start with (a nodes.conf written first); absent: the server draws one. */
    nodeId?: string;
  }): Promise<NodeHost> {
    const { host, folder, server, cluster } = input;
    const busProxy = new NodeProxy({ host, bus: true });
    const clientProxy = new NodeProxy({ host, bus: false });
    const clock = new NodeClockControl(folder);
    try {
      const [busProxyPort, clientProxyPort] = await Promise.all([busProxy.listen(), clientProxy.listen()]);
      for (let attempt = 1; ; attempt++) {
        const ports: NodePorts = { ...(await freeServerPorts(host)), clientProxyPort, busProxyPort };
        // Nobody connects to a proxy before its server announces it, so setting upstream now is safe.
        busProxy.upstreamPort = ports.busPort;
        clientProxy.upstreamPort = ports.clientPort;
        writeFileSync(join(folder, 'server.conf'), buildNodeConfig({ host, ports, folder, cluster, server }));
        // Before every attempt: a server that failed to bind may have saved a nodes.conf of its own.
        if (input.nodeId !== undefined)
          writeFileSync(join(folder, 'nodes.conf'), buildFirstNodesConf(input.nodeId, host, ports));
        const process = new ServerProcess({
          name: input.label,
          binary: server.binary,
          folder,
          host,
          clientPort: ports.clientPort,
          env: clockShimEnv(folder),
        });
        try {
          await process.start();
        } catch (error) {
          if (error instanceof PortInUseError && attempt < PORT_RETRIES) continue;
          throw error;
        }
        const started = new NodeHost(host, folder, ports, process, busProxy, clientProxy, clock);
        started.setHeld(input.held);
        return started;
      }
    } catch (error) {
      await Promise.all([busProxy.close(), clientProxy.close()]);
      throw error;
    }
  }

  /** Makes a waiting spare a healthy one-node cluster (see the header). */
  async claimAllSlots(): Promise<void> {
    await this.admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    this.ownsAllSlots = true;
    this.releaseAdmin();
  }

  /**
   * Gives a spare the scenario's settings: CONFIG SET now, server.conf for later restarts.
   * False if the server refused one (an immutable server_config key): the caller starts a fresh
   * host instead.
   */
  async adopt(name: string, cluster: ClusterConfig, server: FoundServer): Promise<boolean> {
    this.process.spec.name = name;
    this.setHeld(true);
    const settings = runtimeSettings(cluster, server);
    try {
      await this.admin.call('CONFIG', 'SET', ...settings.flatMap(([key, value]) => [key, unquote(value)]));
    } catch {
      return false;
    }
    writeFileSync(
      join(this.folder, 'server.conf'),
      buildNodeConfig({ host: this.host, ports: this.ports, folder: this.folder, cluster, server }),
    );
    return true;
  }

  /** Stops the server (SIGKILL), the proxies and our connection. */
  async dispose(): Promise<void> {
    this.releaseAdmin();
    await this.process.kill();
    await Promise.all([this.busProxy.close(), this.clientProxy.close()]);
  }
}

/** A client port and a different bus port, both free on `host` now. */
async function freeServerPorts(host: string): Promise<{ clientPort: number; busPort: number }> {
  const clientPort = await findFreePort(host);
  let busPort = await findFreePort(host);
  while (busPort === clientPort) busPort = await findFreePort(host);
  return { clientPort, busPort };
}

/** valkey.conf's `""` is the empty string for CONFIG SET. */
function unquote(value: string): string {
  return value === '""' || value === "''" ? '' : value;
}
