/**
 * The real side of bench/fidelity.ts's kill-primary and pause rows, measured in the same run as
 * the simulator's (issue 14, acceptance 4), the way shared/spec/real-timings.md measured them:
 * 3 shards x 1 replica on loopback, synced and cluster_state ok everywhere, one second of quiet
 * (the rows' scenarios put the fault at 1 s), then SIGKILL or SIGSTOP of shard 0's primary, and
 * CLUSTER NODES of a third node (shard 2's primary) polled every 10 ms until it lists shard 0's
 * replica as a primary owning slot 0.
 *
 * Two setups:
 * - `bare` (the comparison): plain servers formed by valkey-cli --cluster create, nothing between
 *   them. A killed node's port refuses connections, as the simulator models it.
 * - `proxied`: the real backend's own formation (real/formation.ts) with its fault proxies in
 *   front of every port (no fault set: they only forward), and its kill (the dead node's proxies
 *   stop listening: a proxy that accepted connections for a dead node sped up failure detection,
 *   see NodeProxy.refuse).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterConfig, DEFAULT_CLUSTER } from '../core/scenario/types.ts';
import { createAdminClient } from '../real/admin-client.ts';
import { RealCluster } from '../real/cluster.ts';
import { formCluster } from '../real/formation.ts';
import { type FoundServer, findServer } from '../real/server-binary.ts';
import { ServerFarm } from '../real/server-farm.ts';
import { delay } from '../real/server-process.ts';
import { createWithCli, startPlainServers, waitPlainReady } from './plain-cluster.ts';

const SHAPE = { numShards: 3, replicasPerShard: 1 };
const POLL_MS = 10;
const GIVE_UP_MS = 30_000;

export interface RealFailoverRow {
  nodeTimeoutMs: number;
  pingIntervalMs: number;
  action: 'kill' | 'pause';
}

export type RealSetup = 'bare' | 'proxied';

/**
 * Seconds from the fault to the third node's view of the replica as the owner, one per trial;
 * a trial that never gets there within 30 s is left out and counted in `missed`.
 */
export async function measureRealFailover(
  row: RealFailoverRow,
  trials: number,
  setup: RealSetup,
  say: (line: string) => void,
): Promise<{ seconds: number[]; missed: number }> {
  const server = findServer();
  const farm = new ServerFarm(server);
  const cluster: ClusterConfig = {
    ...DEFAULT_CLUSTER,
    ...SHAPE,
    nodeTimeoutMs: row.nodeTimeoutMs,
    pingIntervalMs: row.pingIntervalMs,
  };
  const seconds: number[] = [];
  let missed = 0;
  try {
    for (let trial = 1; trial <= trials; trial++) {
      const ms =
        setup === 'proxied'
          ? await oneTrial(farm, cluster, row.action)
          : await bareTrial(server, server.binary.replace(/-server$/, '-cli'), row);
      if (ms === null) missed++;
      else seconds.push(ms / 1000);
      say(
        `  real (${setup}) ${row.action} nt ${row.nodeTimeoutMs} ping ${row.pingIntervalMs || 'default'}, trial ${trial}: ${ms === null ? 'no failover in 30 s' : `${(ms / 1000).toFixed(3)} s`}`,
      );
    }
  } finally {
    await farm.close();
  }
  return { seconds, missed };
}

async function oneTrial(farm: ServerFarm, config: ClusterConfig, action: 'kill' | 'pause'): Promise<number | null> {
  const cluster = new RealCluster(farm, config, Math.random);
  try {
    await formCluster(cluster, SHAPE, { timeoutMs: 30_000 });
    await delay(1000);
    const victim = cluster.nodeByName('node-0');
    const replicaId = cluster.nodeByName('node-1').id;
    const observer = cluster.nodeByName('node-4').host.admin;
    const faultAtMs = Date.now();
    if (action === 'kill') {
      await victim.host.process.kill();
      // As the real backend's kill does (real/fault-actions.ts): the dead node's ports refuse.
      victim.host.busProxy.refuse();
      victim.host.clientProxy.refuse();
    } else victim.host.process.pause();
    while (Date.now() - faultAtMs < GIVE_UP_MS) {
      const nodes = String(await observer.call('CLUSTER', 'NODES'));
      if (replicaId !== null && ownsSlotZero(nodes, replicaId)) return Date.now() - faultAtMs;
      await delay(POLL_MS);
    }
    return null;
  } finally {
    const victim = cluster.nodes.find((node) => node.name === 'node-0');
    if (victim?.host.process.state === 'paused') victim.host.process.resume();
    await cluster.teardown();
  }
}

/** One trial on plain servers formed by valkey-cli; ms from the fault to the third node's view. */
async function bareTrial(server: FoundServer, cli: string, row: RealFailoverRow): Promise<number | null> {
  const root = mkdtempSync(join(tmpdir(), 'busfuzz-fidelity-'));
  const { processes, ports } = await startPlainServers(server, root, {
    nodeCount: 2 * SHAPE.numShards,
    nodeTimeoutMs: row.nodeTimeoutMs,
    pingIntervalMs: row.pingIntervalMs,
  });
  const clients = ports.map((port) => createAdminClient({ host: '127.0.0.1', port }));
  try {
    await Promise.all(processes.map((process) => process.start()));
    await createWithCli(cli, ports);
    await waitPlainReady(ports);
    await delay(1000);
    // Who is who: valkey-cli chose the pairs.
    const table = parseNodes(String(await clients[0]!.call('CLUSTER', 'NODES')));
    const victim = table.find((node) => node.primary && node.slots.includes('0'));
    const observer = table.find((node) => node.primary && node !== victim);
    const replica = table.find((node) => node.primaryId === victim?.id);
    if (victim === undefined || observer === undefined || replica === undefined)
      throw new Error('fidelity: valkey-cli formed no primary for slot 0 with a replica');
    const victimProcess = processes[ports.indexOf(victim.port)]!;
    const observerClient = clients[ports.indexOf(observer.port)]!;
    const faultAtMs = Date.now();
    if (row.action === 'kill') await victimProcess.kill();
    else victimProcess.pause();
    while (Date.now() - faultAtMs < GIVE_UP_MS) {
      if (ownsSlotZero(String(await observerClient.call('CLUSTER', 'NODES')), replica.id))
        return Date.now() - faultAtMs;
      await delay(POLL_MS);
    }
    return null;
  } finally {
    for (const client of clients) client.disconnect();
    for (const process of processes) if (process.state === 'paused') process.resume();
    await Promise.all(processes.map((process) => process.kill()));
    rmSync(root, { recursive: true, force: true });
  }
}

interface NodeLine {
  id: string;
  port: number;
  primary: boolean;
  primaryId: string | null;
  slots: string[];
}

function parseNodes(clusterNodes: string): NodeLine[] {
  return clusterNodes
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((fields) => fields.length >= 8)
    .map((fields) => ({
      id: fields[0]!,
      port: Number(/:(\d+)@/.exec(fields[1]!)?.[1]),
      primary: fields[2]!.split(',').includes('master'),
      primaryId: fields[3] === '-' ? null : fields[3]!,
      slots: fields.slice(8).flatMap((range) => range.split('-').slice(0, 1)),
    }));
}

/** CLUSTER NODES lists `id` as a master (not failed) whose slot ranges include slot 0. */
export function ownsSlotZero(clusterNodes: string, id: string): boolean {
  for (const line of clusterNodes.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields[0] !== id) continue;
    const flags = fields[2]?.split(',') ?? [];
    if (!flags.includes('master') || flags.includes('fail')) return false;
    return fields.slice(8).some((range) => range === '0' || range.startsWith('0-'));
  }
  return false;
}
