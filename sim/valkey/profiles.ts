/**
 * Protocol profiles: which release's cluster-bus rules a simulated server follows. The simulator
 * models Valkey 8.0.1 (the default, `valkey-8.0`); `valkey-8.1` switches on, one named rule each,
 * the changes 8.1.0 made to the rules behind busfuzz's findings (read from the 8.1.1 source and
 * the upstream PRs named on each field). The rule files consult `server.env.profile`; the 8.1
 * logic itself lives in profile-rules.ts.
 *
 * What 8.1 changed in the cluster bus that no rule here models yet (so valkey-8.1 still runs
 * 8.0.1's behaviour for it):
 * - a replica's shard id must match its primary's before an update is accepted (8.1's
 *   updateShardId check);
 * - a stale role message (the claimed primary's epoch above the header's) stops processing of the
 *   packet (8.1 returns where 8.0.1 only logged "Ignore stale message");
 * - failure reports of a reporter that lost its voting right are dropped, and gossip may delete a
 *   report from a non-voting sender;
 * - keys of dirty slots deleted when a node becomes an empty primary after a bad migration;
 * - the light header split into PUBLISH and MODULE support bits, cluster-manual-failover-timeout
 *   (#1690; its default, 5 s, is 8.0.1's fixed timeout), and the new log/latency lines.
 *
 * `redis-7.0` is not a simulator profile: Redis 7.0 lacks cluster-ping-interval, MYSHARDID, the
 * forgotten-node gossip and the light header, and differs from 8.0.1 in rules the model has not
 * been checked against (its own election, failure-report and replica-migration code), so the
 * simulator refuses it (exit 2) rather than run 8.0.1's rules under its name. The real backend runs
 * it against a Redis 7.0 binary.
 */

import { InputError } from '../../core/backend.ts';

/** The protocols a scenario may name (the DSL's `protocol:`). */
export type ProfileName = 'valkey-8.0' | 'valkey-8.1';

export interface ProtocolProfile {
  readonly name: ProfileName;
  /** The server version this profile models (what the real backend's binary should report). */
  readonly models: string;
  /**
   * A voter refuses any replica of a primary it voted for within 2 x node_timeout
   * (clusterSendFailoverAuthIfNeeded's voted_time check). Removed in 8.1.0 for manual failovers by
   * valkey-io/valkey#1305 and for automatic ones by valkey-io/valkey#1356.
   */
  readonly voteThrottle: boolean;
  /**
   * A replica whose election has sent its request resets it (failover_auth_time = 0, so the next
   * clusterHandleReplicaFailover schedules a new one) when a primary claims a configEpoch >= the
   * election's epoch: valkey-io/valkey#1009, narrowed by #1339 (only once the request was sent).
   */
  readonly resetElectionOnEpochClaim: boolean;
  /** The winner of an election resets failover_auth_time (valkey-io/valkey#1711). */
  readonly winnerResetsElection: boolean;
  /**
   * Extra election delay of 500 ms per failed primary (with replicas, within the validity window)
   * whose shard id sorts before mine, so shards that failed together elect in turn
   * (clusterGetFailedPrimaryRank): valkey-io/valkey#1018. 0 = off.
   */
  readonly failedPrimaryRankDelayMs: number;
  /**
   * A new CLUSTER FAILOVER resets an election in progress (manualFailoverCanStart), so it is not
   * stuck behind the retry window of an earlier one: valkey-io/valkey#1274.
   */
  readonly manualFailoverResetsElection: boolean;
  /**
   * A manual failover's election starts in the same clusterHandleReplicaFailover call that
   * schedules it (auth_age reset, no return), instead of at the next beforeSleep:
   * valkey-io/valkey#1081.
   */
  readonly manualElectionStartsAtOnce: boolean;
  /**
   * A node found to answer with another id (marked NOADDR) is also marked FAIL and a FAIL is
   * broadcast, so its replica can fail over: valkey-io/valkey#1191.
   */
  readonly noaddrMarksFail: boolean;
  /**
   * The cron sends a MEET to a node it has an outbound link to but no inbound link from for more
   * than the handshake timeout (at most once per handshake timeout); a MEET from a known node after
   * the handshake timeout frees my outbound link to it; a second MEET on a handshaking link is a
   * no-op: valkey-io/valkey#1307, #1441, #1436.
   */
  readonly meetOnMissingInbound: boolean;
  /**
   * Changes of configEpoch or role are broadcast to every node (a PONG at the next beforeSleep,
   * CLUSTER_TODO_BROADCAST_ALL): on a collision move, a bump without consensus, a won election and
   * a reconfiguration as replica: valkey-io/valkey#1813 (and #1295 for the role change). The
   * winner's config save and PONG move to beforeSleep with it.
   */
  readonly broadcastOnConfigChange: boolean;
  /**
   * A voting primary that marks a node PFAIL in the cron checks at once whether that makes it FAIL
   * (8.0.1 does so only in a one-shard cluster): valkey-io/valkey#1061.
   */
  readonly cronMarksFailAnySize: boolean;
}

export const VALKEY_8_0: ProtocolProfile = Object.freeze({
  name: 'valkey-8.0',
  models: '8.0.1',
  voteThrottle: true,
  resetElectionOnEpochClaim: false,
  winnerResetsElection: false,
  failedPrimaryRankDelayMs: 0,
  manualFailoverResetsElection: false,
  manualElectionStartsAtOnce: false,
  noaddrMarksFail: false,
  meetOnMissingInbound: false,
  broadcastOnConfigChange: false,
  cronMarksFailAnySize: false,
});

export const VALKEY_8_1: ProtocolProfile = Object.freeze({
  name: 'valkey-8.1',
  models: '8.1.1',
  voteThrottle: false,
  resetElectionOnEpochClaim: true,
  winnerResetsElection: true,
  failedPrimaryRankDelayMs: 500,
  manualFailoverResetsElection: true,
  manualElectionStartsAtOnce: true,
  noaddrMarksFail: true,
  meetOnMissingInbound: true,
  broadcastOnConfigChange: true,
  cronMarksFailAnySize: true,
});

/** The rule names (the profile's fields that are rules), for tests and the campaign summary. */
export const PROFILE_RULES = Object.keys(VALKEY_8_0).filter(
  (key) => key !== 'name' && key !== 'models',
) as ReadonlyArray<Exclude<keyof ProtocolProfile, 'name' | 'models'>>;

/** The profile for a scenario's `protocol:`; redis-7.0 (or anything else) is refused: exit 2. */
export function profileFor(protocol: string): ProtocolProfile {
  if (protocol === 'valkey-8.0') return VALKEY_8_0;
  if (protocol === 'valkey-8.1') return VALKEY_8_1;
  if (protocol === 'redis-7.0')
    throw new InputError(
      "protocol: the simulator does not model redis-7.0 (no cluster-ping-interval, MYSHARDID, forgotten-node gossip or light header, and rules not checked against 7.0's source); use --backend real with a redis-server 7.0 binary, or protocol valkey-8.0 / valkey-8.1",
    );
  throw new InputError(`protocol: unknown protocol '${protocol}' (valkey-8.0, valkey-8.1)`);
}
