/**
 * What the model believes of a server's state, checked where the state changes (TigerStyle
 * assertions, core/assert.ts). Each is a rule of Valkey 8.0.1's cluster bus that the model must
 * keep whatever the network does; a failure is a bug in the model (the run ends as a busfuzz
 * error, exit 4 with the seed), never a finding about Valkey.
 *
 * - currentEpoch >= every configEpoch the node knows: a configEpoch is learned only from a header
 *   or an UPDATE whose sender's currentEpoch is at least as large, and that header raises ours
 *   first (protocol reference §1.8 step 5); a loaded nodes.conf raises currentEpoch to the
 *   largest configEpoch in it (§4.6).
 * - lastVoteEpoch <= currentEpoch, and a vote only in an epoch above lastVoteEpoch (§3.3,
 *   clusterSendFailoverAuthIfNeeded).
 * - a replica's primary is a node of the dictionary: clusterDelNode clears the replicaof of the
 *   replicas of a node it deletes (§4.3).
 * - slot owners are nodes of the dictionary (checked where slots are bound, server.ts).
 *
 * Checked where the state changes (a configEpoch set, a replica's primary set, a vote, a slot
 * bound) and, for every node of the dictionary, once a cron tick and whenever the node's own
 * role, epochs or slots moved (sim/node-state-observer.ts, before its node-state event).
 */
import { assert } from '../../core/assert.ts';
import type { ClusterNode } from './cluster-node.ts';
import type { ValkeyServer } from './server.ts';

/** Where a node's configEpoch is set: never above currentEpoch. */
export function assertConfigEpoch(server: ValkeyServer, node: ClusterNode): void {
  assert(
    node.configEpoch <= server.currentEpoch,
    'a configEpoch never above currentEpoch',
    server.processIndex,
    node.name,
    `${node.configEpoch} > ${server.currentEpoch}`,
  );
}

/** Where a node becomes a replica of `primary`: the primary is a node of the dictionary. */
export function assertPrimaryKnown(server: ValkeyServer, primary: ClusterNode): void {
  assert(
    server.lookup(primary.identity) === primary,
    "a replica's primary is known",
    server.processIndex,
    primary.name,
  );
}

/** Once a cron tick: the beliefs about every node of the dictionary. */
export function checkNodeBeliefs(server: ValkeyServer): void {
  const currentEpoch = server.currentEpoch;
  for (const node of server.nodes) {
    assert(
      node.configEpoch <= currentEpoch,
      'currentEpoch >= every known configEpoch',
      server.processIndex,
      node.name,
      `${node.configEpoch} > ${currentEpoch}`,
    );
    const primary = node.replicaOf;
    if (primary !== null)
      assert(
        server.lookup(primary.identity) === primary,
        "a replica's primary is known",
        server.processIndex,
        node.name,
        primary.name,
      );
  }
}
