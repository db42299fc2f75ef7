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
import { NetworkFaults } from './network-faults.ts';

export interface NodeProxyOptions {
  host: string;
  /** Bus port (framed, every rule) or client/replication port (raw, partitions only). */
  bus: boolean;
}

/**
 * What the proxy needs from the run it serves: set when a node is taken into a cluster (a
 * pre-started node has none yet, and passes everything untouched).
 */
export interface ProxyAttachment {
  /** The node behind the proxy. */
  nodeName: string;
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
  private attachment: ProxyAttachment | null = null;
  private held = true;

  constructor(private readonly options: NodeProxyOptions) {}

  /** Listens on a free port of the node's address (or on `port`); resolves with it. */
  listen(port = 0): Promise<number> {
    return new Promise((resolveListen, reject) => {
      const server = createServer({ noDelay: true, allowHalfOpen: true }, (client) => this.accept(client));
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        const address = server.address();
        this.port = typeof address === 'object' && address !== null ? address.port : 0;
        this.server = server;
        if (!this.held) server.unref();
        resolveListen(this.port);
      });
    });
  }

  /**
   * While the server behind is down, refuse connections as its own closed port would: a proxy
   * that accepts them (and closes each once the server refuses it) makes a peer's
   * clusterLinkConnectHandler send a PING and set ping_sent at its first reconnect after a kill;
   * on bare loopback the connect is refused and ping_sent waits for the cron's ping-interval
   * loop, up to node_timeout/2 later, and so does the node's PFAIL (bench/fidelity.ts --proxied).
   * Connections already open are left to end as the server's sockets do.
   */
  refuse(): void {
    // close() stops listening at once; its callback would wait for the open connections too.
    this.server?.close();
    this.server = null;
  }

  /** Listens again on the same port once the server behind is back (after `refuse`). */
  async reopen(): Promise<void> {
    if (this.server === null && this.port !== 0) await this.listen(this.port);
  }

  /** Whether the listening socket keeps Node's event loop alive (not while a spare waits). */
  setHeld(held: boolean): void {
    this.held = held;
    if (held) this.server?.ref();
    else this.server?.unref();
  }

  /** Serve a run from now on; connections opened before keep passing untouched. */
  attach(attachment: ProxyAttachment): void {
    this.attachment = attachment;
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
    const attachment = this.attachment ?? DETACHED;
    const sourceAddress = normalizeAddress(client.remoteAddress ?? '');
    const from = attachment.nodeForAddress(sourceAddress);
    const upstream = connect({
      host: this.options.host,
      port: this.upstreamPort,
      noDelay: true,
      allowHalfOpen: true,
      ...(from !== null ? { localAddress: sourceAddress } : {}),
    });
    const connection: ProxiedConnection = { from, client, upstream, lanes: [] };
    this.connections.add(connection);
    const common = {
      bus: this.options.bus,
      network: attachment.network,
      random: attachment.random,
      counters: attachment.counters,
    };
    const self = from === null ? null : attachment.nodeName;
    connection.lanes.push(
      new Lane({ ...common, from, to: self, source: client, destination: upstream }),
      new Lane({ ...common, from: self, to: from, source: upstream, destination: client }),
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

/** Before a run takes the node: nobody is a node, so nothing is judged. */
const DETACHED: ProxyAttachment = {
  nodeName: '',
  network: new NetworkFaults(),
  nodeForAddress: () => null,
  random: Math.random,
  counters: { messages: 0, dropped: 0, delayed: 0, stalled: 0 },
};

/** `::ffff:127.0.0.5` → `127.0.0.5`. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
