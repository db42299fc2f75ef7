/**
 * The fault proxy in front of one node's port: the node announces the proxy's port
 * (`cluster-announce-bus-port` for the bus, `cluster-announce-port` for clients and replicas), so
 * every peer reaches it through here. A connection's source address says which node opened it
 * (each node binds its outgoing connections to its own 127.0.X.Y), and each direction becomes a
 * Lane that applies the network rules of its directed pair.
 *
 * The upstream connection is bound to the same source address, so the server still sees its
 * peer's own address. Connections from addresses that are no node (our own clients on 127.0.0.1)
 * pass untouched. The proxy outlives node restarts: it is the network, not part of the node.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Lane, type LaneCounters } from './lane.ts';
import type { NetworkFaults } from './network-faults.ts';

export interface NodeProxyOptions {
  /** The node behind the proxy. */
  nodeName: string;
  host: string;
  bus: boolean;
  network: NetworkFaults;
  /** Node name for a source address, or null when it is not a node of this cluster. */
  nodeForAddress: (address: string) => string | null;
  random: () => number;
  counters: LaneCounters;
}

interface ProxiedConnection {
  from: string | null;
  client: Socket;
  upstream: Socket;
  lanes: Lane[];
}

export class NodeProxy {
  private server: Server | null = null;
  private readonly connections = new Set<ProxiedConnection>();
  port = 0;
  /** Where the server itself listens; set once its ports are chosen, before it announces us. */
  upstreamPort = 0;

  constructor(private readonly options: NodeProxyOptions) {}

  /** Listens on a free port of the node's address; resolves with it. */
  listen(): Promise<number> {
    return new Promise((resolveListen, reject) => {
      const server = createServer({ noDelay: true, allowHalfOpen: true }, (client) => this.accept(client));
      server.once('error', reject);
      server.listen(0, this.options.host, () => {
        const address = server.address();
        this.port = typeof address === 'object' && address !== null ? address.port : 0;
        this.server = server;
        resolveListen(this.port);
      });
    });
  }

  /** Closes every connection from or to `nodeName` through this proxy (a link reset). */
  resetConnectionsOf(nodeName: string): number {
    let count = 0;
    for (const connection of [...this.connections]) {
      if (connection.from === nodeName || this.options.nodeName === nodeName) {
        this.drop(connection);
        count++;
      }
    }
    return count;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    for (const connection of [...this.connections]) this.drop(connection);
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  }

  private accept(client: Socket): void {
    const sourceAddress = normalizeAddress(client.remoteAddress ?? '');
    const from = this.options.nodeForAddress(sourceAddress);
    const upstream = connect({
      host: this.options.host,
      port: this.upstreamPort,
      noDelay: true,
      allowHalfOpen: true,
      ...(from !== null ? { localAddress: sourceAddress } : {}),
    });
    const connection: ProxiedConnection = { from, client, upstream, lanes: [] };
    this.connections.add(connection);
    const common = { bus: this.options.bus, network: this.options.network, random: this.options.random, counters: this.options.counters };
    connection.lanes.push(
      new Lane({ ...common, from, to: from === null ? null : this.options.nodeName, source: client, destination: upstream }),
      new Lane({ ...common, from: from === null ? null : this.options.nodeName, to: from, source: upstream, destination: client }),
    );
    // Half-open: a FIN is passed on by the lane after the bytes queued before it, so a link the
    // server closed during a partition still delivers its stale messages once the cut heals.
    // Either side failing (refused because the node is down, reset, closed) ends the whole pair.
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.drop(connection));
      socket.on('close', () => this.drop(connection));
    }
  }

  private drop(connection: ProxiedConnection): void {
    if (!this.connections.delete(connection)) return;
    for (const lane of connection.lanes) lane.close();
    connection.client.destroy();
    connection.upstream.destroy();
  }
}

/** `::ffff:127.0.0.5` → `127.0.0.5`. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
