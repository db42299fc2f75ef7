/**
 * Failure detection (protocol reference §2): failure reports from voting primaries, valid for
 * 2 x node_timeout; PFAIL -> FAIL when reports plus my own vote reach the quorum
 * (markNodeAsFailingIfNeeded) with the FAIL broadcast; and the rules that clear FAIL
 * (clearNodeFailureIfNeeded). The PFAIL marking itself is in the cron.
 */
import { MSG_FAIL } from '../message.ts';
import { failed, isVotingPrimary, timedOut, type ClusterNode } from './cluster-node.ts';
import {
  FAIL_REPORT_VALIDITY_MULT,
  FAIL_UNDO_TIME_MULT,
  NODE_FAIL,
  NODE_PFAIL,
  TODO_SAVE_CONFIG,
  TODO_UPDATE_STATE,
} from './constants.ts';
import { broadcastTargets, fillHeader, sendOnLink } from './gossip.ts';
import type { ValkeyServer } from './server.ts';

/** clusterNodeAddFailureReport: add, or refresh the time of, `sender`'s report about `failing`. */
export function addFailureReport(server: ValkeyServer, failing: ClusterNode, sender: ClusterNode): boolean {
  const index = failing.failReporters.indexOf(sender);
  if (index >= 0) {
    failing.failReportTimesMs[index] = server.nowMs;
    return false;
  }
  failing.failReporters.push(sender);
  failing.failReportTimesMs.push(server.nowMs);
  return true;
}

/** clusterNodeDelFailureReport: the sender now gossips the node healthy. */
export function delFailureReport(server: ValkeyServer, node: ClusterNode, sender: ClusterNode): boolean {
  if (node.failReporters.length === 0) return false;
  const index = node.failReporters.indexOf(sender);
  if (index < 0) return false;
  node.failReporters.splice(index, 1);
  node.failReportTimesMs.splice(index, 1);
  cleanupFailureReports(server, node);
  return true;
}

/** clusterNodeFailureReportsCount, after dropping reports older than 2 x node_timeout. */
export function failureReportCount(server: ValkeyServer, node: ClusterNode): number {
  if (node.failReporters.length === 0) return 0;
  cleanupFailureReports(server, node);
  return node.failReporters.length;
}

function cleanupFailureReports(server: ValkeyServer, node: ClusterNode): void {
  const maxAgeMs = server.nodeTimeoutMs * FAIL_REPORT_VALIDITY_MULT;
  const nowMs = server.nowMs;
  const times = node.failReportTimesMs;
  for (let i = times.length - 1; i >= 0; i--) {
    if (nowMs - times[i]! > maxAgeMs) {
      times.splice(i, 1);
      node.failReporters.splice(i, 1);
    }
  }
}

/** The quorum of voting primaries, from the size the last clusterUpdateState counted. */
export function quorum(server: ValkeyServer): number {
  return Math.floor(server.size / 2) + 1;
}

/**
 * markNodeAsFailingIfNeeded: PFAIL in my view, not yet FAIL, and enough reports (plus myself if I
 * am a voting primary) -> FAIL now, broadcast FAIL, save.
 */
export function markNodeAsFailingIfNeeded(server: ValkeyServer, node: ClusterNode): void {
  if (!timedOut(node) || failed(node)) return;
  let failures = failureReportCount(server, node);
  if (isVotingPrimary(server.myself)) failures++;
  if (failures < quorum(server)) return;
  node.flags = (node.flags & ~NODE_PFAIL) | NODE_FAIL;
  node.failTimeAtMs = server.nowMs;
  sendFail(server, node);
  server.doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
}

/** clusterSendFail: broadcast FAIL about the node. */
export function sendFail(server: ValkeyServer, node: ClusterNode): void {
  for (const link of broadcastTargets(server)) {
    const message = server.env.network.pool.acquire(MSG_FAIL);
    fillHeader(server, message);
    message.about = node.identity;
    sendOnLink(server, link, message);
  }
}

/**
 * clearNodeFailureIfNeeded (a PONG from a FAIL node on my outbound link): a replica or slotless
 * primary is cleared at once; a voting primary (nobody took its slots) after 2 x node_timeout.
 */
export function clearNodeFailureIfNeeded(server: ValkeyServer, node: ClusterNode): void {
  if (!failed(node))
    throw new Error(`clearNodeFailureIfNeeded: ${node.name} is not FAIL on process ${server.processIndex}`);
  if (!isVotingPrimary(node)) {
    node.flags &= ~NODE_FAIL;
    server.doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
  }
  if (isVotingPrimary(node) && server.nowMs - node.failTimeAtMs > server.nodeTimeoutMs * FAIL_UNDO_TIME_MULT) {
    node.flags &= ~NODE_FAIL;
    server.doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
  }
}
