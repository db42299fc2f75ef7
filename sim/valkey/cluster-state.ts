/**
 * clusterUpdateState (protocol reference §2.5): the node's cluster_state. FAIL when a slot is
 * unassigned or its owner is FAIL (full coverage), or when fewer than a quorum of voting
 * primaries are reachable (a minority); a primary stays FAIL for 2 s after its first call (start-up
 * grace) and, after a minority, for clamp(node_timeout, 500, 5000) more. It also recounts `size`,
 * the number of voting primaries every quorum is computed from.
 */
import { isPrimary, isVotingPrimary } from './cluster-node.ts';
import {
  CLUSTER_FAIL,
  CLUSTER_OK,
  NODE_FAIL,
  NODE_PFAIL,
  TODO_UPDATE_STATE,
  WRITABLE_DELAY_MS,
  rejoinDelayMs,
} from './constants.ts';
import type { ValkeyServer } from './server.ts';
import { CLUSTER_SLOTS } from './slot-set.ts';

export function updateState(server: ValkeyServer): void {
  server.todoBeforeSleep &= ~TODO_UPDATE_STATE;
  const nowMs = server.nowMs;
  if (server.firstStateCallAtMs === 0) server.firstStateCallAtMs = nowMs;
  if (
    isPrimary(server.myself) &&
    server.state === CLUSTER_FAIL &&
    nowMs - server.firstStateCallAtMs < WRITABLE_DELAY_MS
  )
    return;

  let newState = CLUSTER_OK;
  if (server.env.cluster.requireFullCoverage && !slotsCovered(server)) newState = CLUSTER_FAIL;

  let size = 0;
  let reachable = 0;
  for (const node of server.nodes) {
    if (!isVotingPrimary(node)) continue;
    size++;
    if ((node.flags & (NODE_FAIL | NODE_PFAIL)) === 0) reachable++;
  }
  server.size = size;
  if (reachable < Math.floor(size / 2) + 1) {
    newState = CLUSTER_FAIL;
    server.amongMinorityAtMs = nowMs;
  }

  if (newState === server.state) return;
  // A primary back from a minority waits before accepting queries, to hear of a newer config.
  if (
    newState === CLUSTER_OK &&
    isPrimary(server.myself) &&
    nowMs - server.amongMinorityAtMs < rejoinDelayMs(server.nodeTimeoutMs)
  )
    return;
  server.state = newState;
}

/**
 * Every slot has an owner that is not FAIL (PFAIL does not count). Each slot has at most one owner,
 * so this is the same as the non-FAIL owners' slot counts adding up to CLUSTER_SLOTS.
 */
function slotsCovered(server: ValkeyServer): boolean {
  let covered = 0;
  for (const node of server.nodes) if ((node.flags & NODE_FAIL) === 0) covered += node.numSlots;
  return covered === CLUSTER_SLOTS;
}
