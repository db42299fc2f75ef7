/**
 * Replica elections (protocol reference §3.1-§3.3), 8.0.1 as it is:
 * - clusterHandleReplicaFailover: the data-age gate, scheduling with
 *   500 + random()%500 + 1000 x rank ms, rank by offset with the node-id tie-break, the auth
 *   timeout max(2 x node_timeout, 2000) and the retry after twice that, the request broadcast, and
 *   the win (configEpoch = election epoch, take the primary's slots, save, PONG everyone);
 * - clusterSendFailoverAuthIfNeeded: the vote rules in Valkey's order, including the
 *   2 x node_timeout throttle per primary and the slot-epoch check (§3.3 rules 5 and 6; known
 *   issue failover-bound/no-election,down-by=kill);
 * - the ACK count.
 */
import { assertConfigEpoch } from './beliefs.ts';
import { assert } from '../../core/assert.ts';
import { MFLAG_FORCEACK, MSG_AUTH_ACK, MSG_AUTH_REQUEST, type Message } from '../message.ts';
import { failed, isPrimary, isVotingPrimary, type ClusterNode } from './cluster-node.ts';
import {
  ELECTION_FIXED_DELAY_MS,
  ELECTION_RANDOM_DELAY_MS,
  ELECTION_RANK_DELAY_MS,
  NODE_NOFAILOVER,
  TODO_FSYNC_CONFIG,
  TODO_HANDLE_FAILOVER,
  TODO_SAVE_CONFIG,
  TODO_UPDATE_STATE,
  authRetryMs,
  authTimeoutMs,
} from './constants.ts';
import { updateState } from './cluster-state.ts';
import { quorum } from './failure-detection.ts';
import {
  BROADCAST_ALL,
  BROADCAST_LOCAL_REPLICAS,
  broadcastPong,
  broadcastTargets,
  fillHeader,
  sendOnLink,
} from './gossip.ts';
import { resetManualFailover } from './manual-failover.ts';
import { saveConfig } from './nodes-conf.ts';
import { dataAgeMs, replicaOffset, unsetPrimary } from './replication.ts';
import { setNodeAsPrimary } from './roles.ts';
import { TODO_BROADCAST_ALL, failedPrimaryRank, flagConfigBroadcast } from './profile-rules.ts';
import type { ValkeyServer } from './server.ts';

/** clusterGetReplicaRank: siblings with a better offset, or an equal one and a smaller id. */
export function replicaRank(server: ValkeyServer): number {
  const myself = server.myself;
  const primary = myself.replicaOf;
  if (primary === null) return 0;
  const myOffset = replicaOffset(server);
  let rank = 0;
  for (const replica of primary.replicas) {
    if (replica === myself || (replica.flags & NODE_NOFAILOVER) !== 0) continue;
    if (replica.replOffset > myOffset) rank++;
    else if (replica.replOffset === myOffset && replica.name < myself.name) rank++;
  }
  return rank;
}

/** clusterHandleReplicaFailover: runs every cron tick and when a vote arrives. */
export function handleReplicaFailover(server: ValkeyServer): void {
  const myself = server.myself;
  const nowMs = server.nowMs;
  let authAgeMs = nowMs - server.failoverAuthTimeAtMs;
  const manual = server.mfEndAtMs !== 0 && server.mfCanStart;
  const nodeTimeoutMs = server.nodeTimeoutMs;
  server.todoBeforeSleep &= ~TODO_HANDLE_FAILOVER;

  const primary = myself.replicaOf;
  if (isPrimary(myself) || primary === null || (!failed(primary) && !manual)) return;
  // cluster-replica-no-failover is not a scenario knob: always off, so it never blocks here.

  let dataAge = dataAgeMs(server);
  if (dataAge > nodeTimeoutMs) dataAge -= nodeTimeoutMs;
  const factor = server.env.cluster.replicaValidityFactor;
  if (factor !== 0 && dataAge > 10_000 + nodeTimeoutMs * factor && !manual) return;

  if (authAgeMs > authRetryMs(nodeTimeoutMs)) {
    scheduleElection(server);
    // 8.1 (manualElectionStartsAtOnce, valkey-io/valkey#1081): a manual failover goes on at once.
    if (!server.env.profile.manualElectionStartsAtOnce || nowMs < server.failoverAuthTimeAtMs) return;
    authAgeMs = 0;
  }
  if (!server.failoverAuthSent && server.mfEndAtMs === 0) {
    const rank = replicaRank(server);
    if (rank !== server.failoverAuthRank) {
      server.failoverAuthTimeAtMs += (rank - server.failoverAuthRank) * ELECTION_RANK_DELAY_MS;
      server.failoverAuthRank = rank;
    }
    const failedRankDelayMs = server.env.profile.failedPrimaryRankDelayMs;
    if (failedRankDelayMs !== 0) {
      const failedRank = failedPrimaryRank(server);
      server.failoverAuthTimeAtMs += (failedRank - server.failoverFailedPrimaryRank) * failedRankDelayMs;
      server.failoverFailedPrimaryRank = failedRank;
    }
  }
  if (nowMs < server.failoverAuthTimeAtMs) return;
  if (authAgeMs > authTimeoutMs(nodeTimeoutMs)) return; // "Failover attempt expired."
  if (!server.failoverAuthSent) {
    server.currentEpoch++;
    server.failoverAuthEpoch = server.currentEpoch;
    requestFailoverAuth(server);
    server.failoverAuthSent = true;
    server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
    return;
  }
  if (server.failoverAuthCount >= quorum(server)) {
    if (myself.configEpoch < server.failoverAuthEpoch) {
      myself.configEpoch = server.failoverAuthEpoch;
      flagConfigBroadcast(server);
    }
    assertConfigEpoch(server, myself);
    server.env.electionWon(server.processIndex, server.failoverAuthEpoch, true);
    failoverReplaceYourPrimary(server);
  }
}

/** First pass after the retry window: set the start time, reset the count, tell my siblings. */
function scheduleElection(server: ValkeyServer): void {
  const nowMs = server.nowMs;
  server.failoverAuthTimeAtMs = nowMs + ELECTION_FIXED_DELAY_MS + server.rng.int(ELECTION_RANDOM_DELAY_MS);
  server.failoverAuthCount = 0;
  server.failoverAuthSent = false;
  server.failoverAuthRank = replicaRank(server);
  server.failoverAuthTimeAtMs += server.failoverAuthRank * ELECTION_RANK_DELAY_MS;
  const failedRankDelayMs = server.env.profile.failedPrimaryRankDelayMs;
  if (failedRankDelayMs !== 0) {
    server.failoverFailedPrimaryRank = failedPrimaryRank(server);
    server.failoverAuthTimeAtMs += server.failoverFailedPrimaryRank * failedRankDelayMs;
  }
  if (server.mfEndAtMs !== 0) {
    server.failoverAuthTimeAtMs = nowMs;
    server.failoverAuthRank = 0;
    if (!server.env.profile.manualElectionStartsAtOnce) server.doBeforeSleep(TODO_HANDLE_FAILOVER);
  }
  broadcastPong(server, BROADCAST_LOCAL_REPLICAS);
}

/** clusterRequestFailoverAuth: broadcast, with FORCEACK during a manual failover. */
function requestFailoverAuth(server: ValkeyServer): void {
  for (const link of broadcastTargets(server)) {
    const message = server.env.network.pool.acquire(MSG_AUTH_REQUEST);
    fillHeader(server, message);
    if (server.mfEndAtMs !== 0) message.mflags |= MFLAG_FORCEACK;
    sendOnLink(server, link, message);
  }
}

/** clusterFailoverReplaceYourPrimary: become primary, take its slots, save, PONG everyone. */
export function failoverReplaceYourPrimary(server: ValkeyServer): void {
  const myself = server.myself;
  const oldPrimary = myself.replicaOf;
  if (isPrimary(myself) || oldPrimary === null) return;
  setNodeAsPrimary(server, myself);
  unsetPrimary(server);
  if (oldPrimary.numSlots > 0) {
    const owned = server.slotsOf(oldPrimary).ranges;
    for (let i = 0; i < owned.length; i += 2) server.bindRange(myself, owned[i]!, owned[i + 1]!);
  }
  updateState(server);
  if (server.env.profile.broadcastOnConfigChange) {
    // 8.1 (valkey-io/valkey#1813): the save and the PONG to everyone move to beforeSleep.
    server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG | TODO_BROADCAST_ALL);
  } else {
    saveConfig(server);
    broadcastPong(server, BROADCAST_ALL);
  }
  if (server.env.profile.winnerResetsElection) server.failoverAuthTimeAtMs = 0;
  resetManualFailover(server);
}

/** clusterSendFailoverAuthIfNeeded: the vote rules, in 8.0.1's order. Denials are silent. */
export function sendFailoverAuthIfNeeded(server: ValkeyServer, node: ClusterNode, request: Message): void {
  const myself = server.myself;
  if (!isVotingPrimary(myself)) return;
  if (request.currentEpoch < server.currentEpoch) return;
  if (server.lastVoteEpoch === server.currentEpoch) return; // already voted in this epoch
  const primary = node.replicaOf;
  const forceAck = (request.mflags & MFLAG_FORCEACK) !== 0;
  if (isPrimary(node) || primary === null || (!failed(primary) && !forceAck)) return;
  // The 8.0.1 throttle; gone in 8.1 (voteThrottle, valkey-io/valkey#1305, #1356).
  if (server.env.profile.voteThrottle && server.nowMs - primary.votedTimeAtMs < server.nodeTimeoutMs * 2) return;
  if (slotEpochNewer(server, request)) return;

  assert(
    server.currentEpoch > server.lastVoteEpoch,
    'a vote only in an epoch above lastVoteEpoch',
    server.processIndex,
    server.currentEpoch,
    server.lastVoteEpoch,
  );
  server.lastVoteEpoch = server.currentEpoch;
  primary.votedTimeAtMs = server.nowMs;
  server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
  server.env.voteGranted(server.processIndex, node.identity, server.currentEpoch);
  // clusterSendFailoverAuth: on my outbound link; with none, the vote is spent and never sent.
  if (node.link === null) return;
  const ack = server.env.network.pool.acquire(MSG_AUTH_ACK);
  fillHeader(server, ack);
  sendOnLink(server, node.link, ack);
}

/** Any claimed slot whose owner in my view has a configEpoch above the request's. */
function slotEpochNewer(server: ValkeyServer, request: Message): boolean {
  const ranges = request.slots!.ranges;
  const ids = server.slotOwnerIds;
  const notClaiming = server.ownerNotClaiming;
  for (let i = 0; i < ranges.length; i += 2) {
    for (let slot = ranges[i]!; slot <= ranges[i + 1]!; slot++) {
      const id = ids[slot]!;
      if (id === 0 || notClaiming[slot] === 1) continue;
      if (server.ownerById(id)!.configEpoch > request.configEpoch) return true;
    }
  }
  return false;
}

/** An AUTH_ACK: counted if from a voting primary whose currentEpoch reached my election's. */
export function countFailoverAuthAck(server: ValkeyServer, sender: ClusterNode, senderCurrentEpoch: number): void {
  if (isVotingPrimary(sender) && senderCurrentEpoch >= server.failoverAuthEpoch) {
    server.failoverAuthCount++;
    server.doBeforeSleep(TODO_HANDLE_FAILOVER);
  }
}
