/**
 * CLUSTER FAILOVER [FORCE|TAKEOVER] (protocol reference §3.4): the replica's command, the default
 * mode's MFSTART handshake (the primary pauses writes and PINGs its replica with the PAUSED flag;
 * the replica waits until its offset matches), FORCE (the election starts without the primary),
 * TAKEOVER (no election: bump the epoch without consensus and take over), and the 5 s timeout.
 */
import { MSG_MFSTART, MSG_PING } from '../message.ts';
import { failed, isPrimary, type ClusterLink, type ClusterNode } from './cluster-node.ts';
import { MF_PAUSE_MULT, MF_TIMEOUT_MS, TODO_HANDLE_FAILOVER, TODO_HANDLE_MANUALFAILOVER } from './constants.ts';
import { failoverReplaceYourPrimary } from './election.ts';
import { bumpConfigEpochWithoutConsensus } from './epochs.ts';
import { fillHeader, sendOnLink, sendPing } from './gossip.ts';
import { replicaOffset } from './replication.ts';
import { manualFailoverCanStart } from './profile-rules.ts';
import type { ValkeyServer } from './server.ts';

export type FailoverMode = 'default' | 'force' | 'takeover';

/** resetManualFailover: a primary that paused writes for a manual failover unpauses. */
export function resetManualFailover(server: ValkeyServer): void {
  if (server.mfReplica !== null) server.writesPausedUntilMs = 0;
  server.mfEndAtMs = 0;
  server.mfCanStart = false;
  server.mfReplica = null;
  server.mfPrimaryOffset = -1;
}

/** manualFailoverCheckTimeout. */
export function manualFailoverCheckTimeout(server: ValkeyServer): void {
  if (server.mfEndAtMs !== 0 && server.mfEndAtMs < server.nowMs) resetManualFailover(server);
}

/** clusterHandleManualFailover: the replica may start once it processed the paused offset. */
export function handleManualFailover(server: ValkeyServer): void {
  if (server.mfEndAtMs === 0 || server.mfCanStart || server.mfPrimaryOffset === -1) return;
  if (server.mfPrimaryOffset === replicaOffset(server)) {
    manualFailoverCanStart(server);
    server.doBeforeSleep(TODO_HANDLE_FAILOVER);
    return;
  }
  server.doBeforeSleep(TODO_HANDLE_MANUALFAILOVER);
}

/**
 * The CLUSTER FAILOVER command on this server. Returns null on OK, or the error text Valkey
 * replies with.
 */
export function clusterFailoverCommand(server: ValkeyServer, mode: FailoverMode): string | null {
  const myself = server.myself;
  const primary = myself.replicaOf;
  if (isPrimary(myself)) return 'ERR You should send CLUSTER FAILOVER to a replica';
  if (primary === null) return "ERR I'm a replica but my master is unknown to me";
  if (mode === 'default' && (failed(primary) || primary.link === null)) {
    return 'ERR Master is down or failed, please use CLUSTER FAILOVER FORCE';
  }
  resetManualFailover(server);
  server.mfEndAtMs = server.nowMs + MF_TIMEOUT_MS;
  if (mode === 'takeover') {
    // No election and no votes: a new epoch of our own, then take over.
    bumpConfigEpochWithoutConsensus(server);
    server.env.electionWon(server.processIndex, myself.configEpoch, false);
    failoverReplaceYourPrimary(server);
    return null;
  }
  if (mode === 'force') {
    manualFailoverCanStart(server);
    // 8.1 (manualElectionStartsAtOnce, valkey-io/valkey#1067): no wait for the cron.
    if (server.env.profile.manualElectionStartsAtOnce) server.doBeforeSleep(TODO_HANDLE_MANUALFAILOVER);
    return null;
  }
  sendMfStart(server, primary);
  return null;
}

function sendMfStart(server: ValkeyServer, primary: ClusterNode): void {
  if (primary.link === null) return;
  const message = server.env.network.pool.acquire(MSG_MFSTART);
  fillHeader(server, message);
  sendOnLink(server, primary.link, message);
}

/** MFSTART on the primary: only from my own replica; pause writes and PING it on that link. */
export function onMfStart(server: ValkeyServer, sender: ClusterNode | null, link: ClusterLink): void {
  if (sender === null || sender.replicaOf !== server.myself) return;
  resetManualFailover(server);
  server.mfEndAtMs = server.nowMs + MF_TIMEOUT_MS;
  server.mfReplica = sender;
  server.writesPausedUntilMs = server.nowMs + MF_TIMEOUT_MS * MF_PAUSE_MULT;
  sendPing(server, link, MSG_PING);
}
