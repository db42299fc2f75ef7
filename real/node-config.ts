/**
 * The valkey.conf of one node: its own loopback address for listening and for outgoing
 * connections, the ports the fault proxy announces in its place, the scenario's cluster timeouts,
 * the settings that make a test cluster fast (no persistence, diskless sync without delay), and
 * last the scenario's `server_config`, which may override anything but addressing.
 */
import { InputError } from '../core/backend.ts';
import type { ClusterConfig } from '../core/scenario/types.ts';
import type { FoundServer } from './server-binary.ts';

export interface NodePorts {
  /** Where the server itself listens for clients and replicas. */
  clientPort: number;
  /** `cluster-port`: where the server itself listens for the bus. */
  busPort: number;
  /** The proxy in front of clientPort, announced with `cluster-announce-port`. */
  clientProxyPort: number;
  /** The proxy in front of busPort, announced with `cluster-announce-bus-port`. */
  busProxyPort: number;
}

export interface NodeConfigInput {
  host: string;
  ports: NodePorts;
  folder: string;
  cluster: ClusterConfig;
  server: FoundServer;
}

/** Keys busfuzz owns: the proxy and the source-address identification depend on them. */
const RESERVED_KEYS = new Set([
  'bind',
  'port',
  'cluster-port',
  'bind-source-addr',
  'cluster-enabled',
  'cluster-config-file',
  'cluster-announce-ip',
  'cluster-announce-port',
  'cluster-announce-bus-port',
  'dir',
  'logfile',
  'daemonize',
  'pidfile',
  'unixsocket',
  'tls-port',
  'tls-cluster',
  'tls-replication',
]);

export function buildNodeConfig(input: NodeConfigInput): string {
  const { host, ports } = input;
  const settings = new Map<string, string>([
    ['bind', host],
    ['port', String(ports.clientPort)],
    ['bind-source-addr', host],
    ['protected-mode', 'no'],
    ['daemonize', 'no'],
    ['dir', quote(input.folder)],
    ['logfile', quote('server.log')],
    ['loglevel', 'notice'],
    ['cluster-enabled', 'yes'],
    ['cluster-config-file', 'nodes.conf'],
    ['cluster-port', String(ports.busPort)],
    ['cluster-announce-ip', host],
    ['cluster-announce-port', String(ports.clientProxyPort)],
    ['cluster-announce-bus-port', String(ports.busProxyPort)],
    // DEBUG CLUSTERLINK KILL and DEBUG DIGEST come from our own client on 127.0.0.1.
    ['enable-debug-command', 'local'],
  ]);
  for (const [key, value] of runtimeSettings(input.cluster, input.server)) settings.set(key, value);
  const lines = ['# Written by busfuzz (real backend); one node of one run.'];
  for (const [key, value] of settings) lines.push(`${key} ${value}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A nodes.conf that makes a server's first start take `id` as its node id (steering.nodeIds): only
 * its own ("myself") line, a primary knowing no one, without slots or epochs, and the vars line.
 * Valkey loads an existing nodes.conf instead of drawing a random id (clusterLoadConfig). The
 * address is the announced one (the proxies), though the server replaces it with its config's
 * cluster-announce-ip/-port/-bus-port at start anyway: a stale address cannot linger. No
 * shard-id field: a primary without one gets a fresh shard id, as on a first start.
 */
export function buildFirstNodesConf(id: string, host: string, ports: NodePorts): string {
  // Refused here too, not only by the run's check: a malformed line makes the server exit at start.
  if (!/^[0-9a-f]{40}$/.test(id))
    throw new InputError(`node id ${JSON.stringify(id).slice(0, 60)} is not 40 lowercase hex characters`);
  return (
    `${id} ${host}:${ports.clientProxyPort}@${ports.busProxyPort} myself,master - 0 0 0 connected\n` +
    'vars currentEpoch 0 lastVoteEpoch 0\n'
  );
}

/**
 * The settings a scenario decides, all modifiable at runtime (CONFIG SET), in valkey.conf
 * spelling: the cluster timeouts, the fast-test settings, then the scenario's `server_config`.
 */
export function runtimeSettings(cluster: ClusterConfig, server: FoundServer): Array<[string, string]> {
  const settings = new Map<string, string>([
    ['cluster-node-timeout', String(cluster.nodeTimeoutMs)],
    ['cluster-replica-validity-factor', String(cluster.replicaValidityFactor)],
    ['cluster-allow-replica-migration', yesNo(cluster.allowReplicaMigration)],
    ['cluster-migration-barrier', String(cluster.migrationBarrier)],
    ['cluster-require-full-coverage', yesNo(cluster.requireFullCoverage)],
    // Fast test cluster: no disk I/O, a replica's first full sync starts at once.
    ['save', '""'],
    ['appendonly', 'no'],
    ['repl-diskless-sync', 'yes'],
    ['repl-diskless-sync-delay', '0'],
  ]);
  // cluster-ping-interval is a hidden config of Valkey 7.2+/8.x (0: node_timeout/2); Redis 7.0
  // always pings every node_timeout/2.
  if (server.flavor === 'valkey') settings.set('cluster-ping-interval', String(cluster.pingIntervalMs));
  for (const [key, value] of Object.entries(cluster.serverConfig)) {
    const normalized = key.trim().toLowerCase();
    if (RESERVED_KEYS.has(normalized)) {
      throw new InputError(
        `cluster.server_config: '${key}' is set by the real backend (each node's address, ports and folder); remove it`,
      );
    }
    settings.set(normalized, value);
  }
  return [...settings];
}

/**
 * Whether a node keeps every acknowledged write across a kill: only AOF with `appendfsync always`
 * does. RDB save points and AOF `everysec` lose the last writes, so a kill still counts as data
 * loss (the `data-lost` event) for the acked-writes-durable invariant.
 */
export function keepsDataAcrossKill(cluster: ClusterConfig): boolean {
  const entries = new Map(Object.entries(cluster.serverConfig).map(([k, v]) => [k.trim().toLowerCase(), v.trim()]));
  return entries.get('appendonly') === 'yes' && entries.get('appendfsync') === 'always';
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

function quote(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
