/**
 * One poll of one live node into core/view.ts's `NodeReport`: CLUSTER NODES, CLUSTER INFO and
 * INFO replication (and CLUSTER MYSHARDID on Valkey) in one pipelined round trip. The digest of
 * the data set (DEBUG DIGEST) is asked for only when wanted: it is O(keys).
 */
import type { Redis } from 'ioredis';
import { parseClusterNodes } from '../core/cluster-nodes.ts';
import type { NodeReport } from '../core/view.ts';

export interface ReadReportOptions {
  /** Valkey 7.2+ has CLUSTER MYSHARDID; on Redis 7.0 the shard is named by its primary's id. */
  hasShardId: boolean;
  withDigest: boolean;
}

/** Parses `key:value` lines of INFO / CLUSTER INFO. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.startsWith('#')) continue;
    fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

export async function readNodeReport(client: Redis, options: ReadReportOptions): Promise<NodeReport> {
  const pipeline = client.pipeline();
  pipeline.call('CLUSTER', 'NODES');
  pipeline.call('CLUSTER', 'INFO');
  pipeline.call('INFO', 'replication');
  if (options.hasShardId) pipeline.call('CLUSTER', 'MYSHARDID');
  if (options.withDigest) pipeline.call('DEBUG', 'DIGEST');
  const replies = await pipeline.exec();
  if (replies === null) throw new Error('pipeline aborted');
  const values = replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  const nodes = parseClusterNodes(String(values[0]));
  const clusterInfo = parseInfo(String(values[1]));
  const replication = parseInfo(String(values[2]));
  let next = 3;
  const shardId = options.hasShardId ? String(values[next++]) : (nodes.myself.replicaOf ?? nodes.myself.id);
  const dataDigest = options.withDigest ? String(values[next++]) : null;
  const myself = nodes.myself;
  const isReplica = myself.role === 'replica';
  return {
    id: myself.id,
    shardId,
    address: myself.address,
    role: myself.role,
    replicaOf: myself.replicaOf,
    flags: myself.flags,
    configEpoch: numberField(clusterInfo, 'cluster_my_epoch'),
    currentEpoch: numberField(clusterInfo, 'cluster_current_epoch'),
    lastVoteEpoch: null,
    slots: myself.slots,
    clusterState: clusterInfo.get('cluster_state') === 'ok' ? 'ok' : 'fail',
    replOffset: numberField(replication, isReplica ? 'slave_repl_offset' : 'master_repl_offset'),
    replLinkUp: isReplica ? replicaLinkUp(replication) : null,
    peers: nodes.peers,
    dataDigest,
  };
}

/** A replica's link counts as up once it is connected and its first sync has finished. */
export function replicaLinkUp(replication: Map<string, string>): boolean {
  return replication.get('master_link_status') === 'up' && replication.get('master_sync_in_progress') !== '1';
}

function numberField(fields: Map<string, string>, key: string): number {
  const value = Number(fields.get(key) ?? '0');
  return Number.isFinite(value) ? value : 0;
}
