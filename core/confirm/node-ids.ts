/**
 * The simulator's node ids, for the real run to start its nodes with (steering.nodeIds).
 *
 * Why: Valkey 8.0.1 breaks a tie between replicas with equal replication offsets by node id
 * (clusterGetReplicaRank: the smaller id ranks better, and each rank step delays the election by
 * a second). The simulator draws its ids from the seed, a real server draws its own at random,
 * so without sharing them a different replica wins the first election on each backend.
 *
 * Only the id of each node's first start is shared: a later incarnation (RESET HARD) draws a
 * new one on both backends, as Valkey does.
 */

/**
 * A node id as a server generates it: 40 lowercase hex characters (CLUSTER_NAMELEN). Valkey's own
 * check (verifyClusterNodeId) takes any [a-z0-9]; ids outside hex never come from a server.
 */
const NODE_ID = /^[0-9a-f]{40}$/;
const NODE_NAME = /^node-\d+$/;
/** A node-state trace line with its id (core/events.ts field order: node, id, role, ...). */
const STATE_ID = /^\d+(?:\.\d+)?ms node-state node=(node-\d+) id=(\S+) /;

/**
 * Each node's id at its first node-state line, by creation name (`node-K`). The first line comes
 * from the node's first start; later ids (after a hard reset) are left out.
 */
export function firstNodeIds(lines: Iterable<string>): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const line of lines) {
    const match = STATE_ID.exec(line);
    if (match === null || match[1]! in ids) continue;
    ids[match[1]!] = match[2]!;
  }
  return ids;
}

/**
 * Why `ids` cannot be given to the real backend (one line), or null if they can: names must be
 * `node-K`, ids 40 lowercase hex characters, no id twice (two servers with one id are one node to
 * the cluster).
 */
export function nodeIdsProblem(ids: Readonly<Record<string, string>>): string | null {
  const owner = new Map<string, string>();
  for (const [name, id] of Object.entries(ids)) {
    if (!NODE_NAME.test(name)) return `node ids: '${name}' is not a node name (node-K)`;
    if (typeof id !== 'string' || !NODE_ID.test(id))
      return `node ids: ${name}'s id ${JSON.stringify(id).slice(0, 60)} is not 40 lowercase hex characters`;
    const other = owner.get(id);
    if (other !== undefined) return `node ids: ${other} and ${name} have the same id ${id}`;
    owner.set(id, name);
  }
  return null;
}
