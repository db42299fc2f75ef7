/**
 * Epochs (protocol reference §4.1-§4.2): the configEpoch collision rule, which looks only at node
 * ids (the smaller id moves, whatever the shards or data, §4.2), and
 * the bump without consensus used by TAKEOVER and BUMPEPOCH.
 */
import { assertConfigEpoch } from './beliefs.ts';
import { isPrimary, type ClusterNode } from './cluster-node.ts';
import { TODO_FSYNC_CONFIG, TODO_SAVE_CONFIG } from './constants.ts';
import { saveConfig } from './nodes-conf.ts';
import { flagConfigBroadcast } from './profile-rules.ts';
import type { ValkeyServer } from './server.ts';

/** clusterGetMaxEpoch: the largest configEpoch I know, or currentEpoch if larger. */
export function maxEpoch(server: ValkeyServer): number {
  let max = 0;
  for (const node of server.nodes) if (node.configEpoch > max) max = node.configEpoch;
  return Math.max(max, server.currentEpoch);
}

/**
 * clusterHandleConfigEpochCollision: both primaries, same configEpoch, and my id is the smaller:
 * take currentEpoch + 1 and save with fsync at once.
 */
export function handleConfigEpochCollision(server: ValkeyServer, sender: ClusterNode): boolean {
  const myself = server.myself;
  if (sender.configEpoch !== myself.configEpoch || !isPrimary(sender) || !isPrimary(myself)) return false;
  if (sender.name <= myself.name) return false;
  server.currentEpoch++;
  myself.configEpoch = server.currentEpoch;
  assertConfigEpoch(server, myself);
  // 8.1 (broadcastOnConfigChange, valkey-io/valkey#1813): saved at beforeSleep and broadcast.
  if (server.env.profile.broadcastOnConfigChange) server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
  else saveConfig(server);
  flagConfigBroadcast(server);
  return true;
}

/**
 * clusterBumpConfigEpochWithoutConsensus: if my configEpoch is 0 or not the strict maximum, take
 * currentEpoch + 1. Returns whether it bumped (BUMPED) or not (STILL).
 */
export function bumpConfigEpochWithoutConsensus(server: ValkeyServer): boolean {
  const max = maxEpoch(server);
  const myself = server.myself;
  if (myself.configEpoch !== 0 && myself.configEpoch === max) return false;
  server.currentEpoch++;
  myself.configEpoch = server.currentEpoch;
  assertConfigEpoch(server, myself);
  server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
  flagConfigBroadcast(server);
  return true;
}
