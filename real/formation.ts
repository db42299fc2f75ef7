/**
 * Forming a test cluster fast, with direct commands instead of valkey-cli's fixed sleeps:
 * every node is spawned at once, and each one, as soon as it answers, gets its configEpoch
 * (SET-CONFIG-EPOCH, distinct, as valkey-cli does) and its shard's slots (ADDSLOTSRANGE), then
 * MEETs node-0 and, for a replica, its primary; a replica runs CLUSTER REPLICATE as soon as it
 * knows its primary. Ready means: every node knows every other (no handshake, noaddr or failure
 * flag), every replica's link is up with its first sync done, every node says cluster_state ok,
 * and all views agree.
 *
 * The floor is Valkey's start-up grace: a primary reports cluster_state ok no sooner than 2 s
 * after it started (CLUSTER_WRITABLE_DELAY). Everything else overlaps with it.
 */
import { EnvironmentError } from '../core/backend.ts';
import type { NodeReport, SlotRange } from '../core/view.ts';
import { command } from './admin-client.ts';
import type { RealCluster, RealNode } from './cluster.ts';
import { readNodeReport } from './node-report.ts';
import { delay } from './server-process.ts';

export interface ClusterShape {
  numShards: number;
  replicasPerShard: number;
}

export interface FormationTimings {
  /** Every process answers PING. */
  startedMs: number;
  /** Every replica ran CLUSTER REPLICATE. */
  replicatedMs: number;
  /** Ready as defined above. */
  readyMs: number;
}

const TOTAL_SLOTS = 16384;
const POLL_INTERVAL_MS = 15;

/** Shard i's slots: an even split, the remainder spread over the first shards (valkey-cli's way). */
export function shardSlotRange(shardIndex: number, numShards: number): SlotRange {
  const start = Math.floor((shardIndex * TOTAL_SLOTS) / numShards);
  const end = Math.floor(((shardIndex + 1) * TOTAL_SLOTS) / numShards) - 1;
  return [start, end];
}

/** node-K's shard and whether it starts as the shard's primary (creation order of the interface). */
export function initialRole(nodeIndex: number, shape: ClusterShape): { shard: number; primary: boolean } {
  const perShard = 1 + shape.replicasPerShard;
  return { shard: Math.floor(nodeIndex / perShard), primary: nodeIndex % perShard === 0 };
}

/** Starts and forms the scenario's initial nodes; resolves when the cluster is ready. */
export async function formCluster(
  cluster: RealCluster,
  shape: ClusterShape,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<FormationTimings> {
  const startedAtMs = Date.now();
  const deadlineMs = startedAtMs + options.timeoutMs;
  // A failed start stops the other nodes' joins too (they would wait for it forever).
  const failed = new AbortController();
  const signal = options.signal === undefined ? failed.signal : AbortSignal.any([options.signal, failed.signal]);
  const nodeCount = shape.numShards * (1 + shape.replicasPerShard);
  const starts = Array.from({ length: nodeCount }, (_, nodeIndex) => {
    const { shard } = initialRole(nodeIndex, shape);
    return cluster.addNode(shard).then((node) => configureAlone(cluster, node, shape));
  });
  const joins = starts.map((started, nodeIndex) => started.then((node) => join(node, nodeIndex)));
  // Observed below (settleAll); marked handled now, as a start may fail before we get there.
  for (const promise of [...starts, ...joins]) promise.catch(() => {});
  async function join(node: RealNode, nodeIndex: number): Promise<RealNode> {
    const { shard, primary } = initialRole(nodeIndex, shape);
    const seed = await starts[0]!;
    if (node !== seed) await meet(node, seed);
    if (!primary) {
      const primaryNode = await starts[shard * (1 + shape.replicasPerShard)]!;
      await meet(node, primaryNode);
      await replicateWhenKnown(node, primaryNode, signal, deadlineMs);
    }
    return node;
  }
  let nodes: RealNode[];
  try {
    nodes = await settleAll(starts);
  } catch (error) {
    failed.abort();
    await Promise.allSettled(joins);
    throw error;
  }
  const startedMs = Date.now() - startedAtMs;
  await settleAll(joins);
  const replicatedMs = Date.now() - startedAtMs;
  await waitUntilReady(cluster, nodes, shape, { ...options, startedAtMs });
  return { startedMs, replicatedMs, readyMs: Date.now() - startedAtMs };
}

/** Like Promise.all, but waits for every promise, so no start is still running when we throw. */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** Before the node knows anyone: its id, a distinct configEpoch and, for a primary, its slots. */
async function configureAlone(cluster: RealCluster, node: RealNode, shape: ClusterShape): Promise<RealNode> {
  const { shard, primary } = initialRole(node.nodeIndex, shape);
  await prepareAlone(cluster, node, {
    configEpoch: node.nodeIndex + 1,
    slots: primary ? shardSlotRange(shard, shape.numShards) : null,
  });
  return node;
}

/**
 * Readies a node that knows no one yet, in one MULTI: reads its id, optionally sets its
 * configEpoch (only allowed while alone), gives up a spare's slots and claims `slots`. Being one
 * transaction, a spare's swap of all slots for its shard's is atomic (see node-host.ts).
 */
export async function prepareAlone(
  cluster: RealCluster,
  node: RealNode,
  options: { configEpoch: number | null; slots: SlotRange | null },
): Promise<void> {
  const transaction = node.host.admin.multi();
  transaction.call('CLUSTER', 'MYID');
  if (options.configEpoch !== null) transaction.call('CLUSTER', 'SET-CONFIG-EPOCH', String(options.configEpoch));
  if (node.host.ownsAllSlots) transaction.call('CLUSTER', 'DELSLOTSRANGE', '0', '16383');
  if (options.slots !== null)
    transaction.call('CLUSTER', 'ADDSLOTSRANGE', String(options.slots[0]), String(options.slots[1]));
  const replies = await transaction.exec();
  if (replies === null) throw new Error(`${node.name}: MULTI aborted`);
  for (const [error] of replies) if (error) throw error;
  node.host.ownsAllSlots = false;
  const id = String(replies[0]![1]);
  // A server that ignored the nodes.conf written for it would quietly undo the id sharing.
  if (node.startedWithId !== null && id !== node.startedWithId && node.id === null)
    throw new EnvironmentError(
      `${node.name} was started with node id ${node.startedWithId} but reports ${id}`,
      `check ${node.host.folder}/nodes.conf and the server log: the server did not load the id`,
    );
  cluster.setId(node, id);
}

/** CLUSTER MEET through the other node's proxies (the announced ports). */
export async function meet(node: RealNode, other: RealNode): Promise<void> {
  await command(
    node.host.admin,
    'CLUSTER',
    'MEET',
    other.host.host,
    other.host.ports.clientProxyPort,
    other.host.ports.busProxyPort,
  );
}

async function replicateWhenKnown(
  replica: RealNode,
  primary: RealNode,
  signal: AbortSignal,
  deadlineMs: number,
): Promise<void> {
  for (;;) {
    signal.throwIfAborted();
    if (Date.now() > deadlineMs)
      throw new EnvironmentError(
        `${replica.name} did not learn its primary ${primary.name} in time`,
        'the machine may be overloaded; try again',
      );
    const text = String(await command(replica.host.admin, 'CLUSTER', 'NODES'));
    if (knowsAsPrimary(text, primary.id!)) break;
    await delay(POLL_INTERVAL_MS);
  }
  await command(replica.host.admin, 'CLUSTER', 'REPLICATE', primary.id!);
}

/** Whether a CLUSTER NODES text lists `id` as a primary past its handshake. */
function knowsAsPrimary(text: string, id: string): boolean {
  return text.split('\n').some((line) => {
    const fields = line.split(' ');
    return fields[0] === id && fields[2]!.includes('master') && !fields[2]!.includes('handshake');
  });
}

async function waitUntilReady(
  cluster: RealCluster,
  nodes: RealNode[],
  shape: ClusterShape,
  options: { timeoutMs: number; signal?: AbortSignal; startedAtMs: number },
): Promise<void> {
  const hasShardId = cluster.server.flavor === 'valkey';
  let lastProblem = 'no poll yet';
  while (Date.now() - options.startedAtMs < options.timeoutMs) {
    options.signal?.throwIfAborted();
    const reports = await Promise.all(
      nodes.map((node) => readNodeReport(node.host.admin, { hasShardId, withDigest: false })),
    );
    const problem = readinessProblem(nodes, reports, shape);
    if (problem === null) return;
    lastProblem = problem;
    await delay(POLL_INTERVAL_MS);
  }
  throw new EnvironmentError(
    `the cluster did not form within ${options.timeoutMs} ms: ${lastProblem} (see the server logs of the run)`,
    'the machine may be overloaded; try again, or look at the server logs',
  );
}

/** Null when ready; otherwise what is still missing, for the error message. */
export function readinessProblem(
  nodes: readonly { name: string; nodeIndex: number; id: string | null }[],
  reports: readonly NodeReport[],
  shape: ClusterShape,
): string | null {
  const ids = nodes.map((node) => node.id!);
  const expected = [...ids].sort().join(',');
  let topology: string | null = null;
  for (const [index, report] of reports.entries()) {
    const name = nodes[index]!.name;
    const known = report.peers
      .map((peer) => peer.id)
      .sort()
      .join(',');
    if (known !== expected) return `${name} knows ${report.peers.length} of ${ids.length} nodes`;
    const flagged = report.peers.find((peer) =>
      peer.flags.some((flag) => ['handshake', 'noaddr', 'fail', 'fail?'].includes(flag)),
    );
    if (flagged) return `${name} flags ${flagged.id.slice(0, 8)} ${flagged.flags.join(',')}`;
    const { primary, shard } = initialRole(nodes[index]!.nodeIndex, shape);
    if (!primary) {
      const primaryId = ids[shard * (1 + shape.replicasPerShard)];
      if (report.replicaOf !== primaryId) return `${name} is not yet a replica of its primary`;
      if (report.replLinkUp !== true) return `${name}'s replication link is not up and synced`;
    }
    if (report.clusterState !== 'ok') return `${name} says cluster_state fail`;
    const view = topologyKey(report);
    if (topology === null) topology = view;
    else if (view !== topology) return `${name}'s view differs from ${nodes[0]!.name}'s`;
  }
  return null;
}

/** Slot owners and roles as one node sees them, in a canonical order. */
function topologyKey(report: NodeReport): string {
  return report.peers
    .map(
      (peer) => `${peer.id}:${peer.role}:${peer.replicaOf ?? '-'}:${peer.slots.map(([a, b]) => `${a}-${b}`).join('+')}`,
    )
    .sort()
    .join(' ');
}
