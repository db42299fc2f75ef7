/**
 * The timing rules of protocol reference §0, §2 and §3: each timing rule of the model, pinned to the protocol reference's numbers
 * by driving the Valkey functions of a formed simulated cluster at chosen instants:
 * PFAIL after node_timeout (§2.1), failure reports valid 2 x node_timeout (§2.2), election delay
 * 500 + 0..499 + 1000 x rank (§3.2), auth timeout max(2 x node_timeout, 2000) and the retry after
 * twice that (§3.2), the 2 x node_timeout vote throttle (§3.3), FAIL undo after 2 x node_timeout
 * for a voting primary and at once for a replica (§2.4).
 */
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../core/scenario/types.ts';
import { MSG_AUTH_REQUEST, MSG_PING } from '../../sim/message.ts';
import { NODE_FAIL, NODE_PFAIL, VALKEY_CLOCK_OFFSET_MS } from '../../sim/valkey/constants.ts';
import type { ClusterNode } from '../../sim/valkey/cluster-node.ts';
import { clusterCron } from '../../sim/valkey/cron.ts';
import { handleReplicaFailover, sendFailoverAuthIfNeeded } from '../../sim/valkey/election.ts';
import {
  addFailureReport,
  clearNodeFailureIfNeeded,
  failureReportCount,
  quorum,
} from '../../sim/valkey/failure-detection.ts';
import { fillHeader, sendPing } from '../../sim/valkey/gossip.ts';
import { BASE_JITTER_MS, BASE_LATENCY_MS } from '../../sim/network.ts';
import { FSYNC_MS, type World } from '../../sim/world.ts';
import * as valkey from '../../sim/valkey/index.ts';
import { formedWorld, serverOf } from './helpers.ts';

/** Moves the simulated clock to a server time (`mstime()`); the world is not stepped afterwards. */
function setNow(world: World, atMs: number): void {
  world.scheduler.nowMs = atMs - VALKEY_CLOCK_OFFSET_MS;
}

/** `observer`'s record of `subject`. */
function nodeIn(world: World, observer: string, subject: string): ClusterNode {
  const node = serverOf(world, observer).lookup(serverOf(world, subject).myself.identity);
  if (node === null) throw new Error(`${observer} does not know ${subject}`);
  return node;
}

/** A world whose shard-0 primary (node-0) is FAIL in its replica node-1's view. */
function replicaWithFailedPrimary(
  seed: number,
  cluster: Partial<ClusterConfig> = {},
): { world: World; replica: valkey.ValkeyServer } {
  const world = formedWorld(seed, cluster);
  nodeIn(world, 'node-1', 'node-0').flags |= NODE_FAIL;
  return { world, replica: serverOf(world, 'node-1') };
}

describe('timing rules of the Valkey 8.0.1 model', () => {
  it('a node is PFAIL once both its pending ping and its last data are more than node_timeout old, not before', () => {
    for (const nodeTimeoutMs of [1000, 3000]) {
      const world = formedWorld(1, { nodeTimeoutMs });
      const observer = serverOf(world, 'node-2');
      const peer = nodeIn(world, 'node-2', 'node-0');
      const t0 = observer.nowMs;
      peer.pingSentAtMs = t0;
      peer.dataReceivedAtMs = t0;
      setNow(world, t0 + nodeTimeoutMs);
      clusterCron(observer);
      expect(peer.flags & NODE_PFAIL).toBe(0);
      setNow(world, t0 + nodeTimeoutMs + 1);
      clusterCron(observer);
      expect(peer.flags & NODE_PFAIL).toBe(NODE_PFAIL);
    }
  });

  it('recent data keeps a node out of PFAIL even with an old pending ping (min of both delays)', () => {
    const world = formedWorld(2);
    const observer = serverOf(world, 'node-2');
    const peer = nodeIn(world, 'node-2', 'node-0');
    const t0 = observer.nowMs;
    peer.pingSentAtMs = t0;
    peer.dataReceivedAtMs = t0 + 5000;
    setNow(world, t0 + 5500);
    clusterCron(observer);
    expect(peer.flags & NODE_PFAIL).toBe(0);
  });

  it('a failure report counts for 2 x node_timeout after its last refresh, then expires', () => {
    const world = formedWorld(3);
    const server = serverOf(world, 'node-2');
    const failing = nodeIn(world, 'node-2', 'node-0');
    const reporter = nodeIn(world, 'node-2', 'node-4');
    const t0 = server.nowMs;
    addFailureReport(server, failing, reporter);
    setNow(world, t0 + 2000);
    expect(failureReportCount(server, failing)).toBe(1);
    setNow(world, t0 + 2001);
    expect(failureReportCount(server, failing)).toBe(0);
  });

  it('the election starts 500 + random()%500 ms after the primary is seen FAIL, at rank 0', () => {
    const delays: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const { world, replica } = replicaWithFailedPrimary(seed);
      replica.failoverAuthTimeAtMs = 0;
      setNow(world, replica.nowMs + seed);
      handleReplicaFailover(replica);
      expect(replica.failoverAuthRank).toBe(0);
      delays.push(replica.failoverAuthTimeAtMs - replica.nowMs);
    }
    // More samples from one replica: each scheduling draws again from its stream.
    const { replica } = replicaWithFailedPrimary(7);
    for (let i = 0; i < 300; i++) {
      replica.failoverAuthTimeAtMs = 0;
      handleReplicaFailover(replica);
      delays.push(replica.failoverAuthTimeAtMs - replica.nowMs);
    }
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...delays)).toBeLessThanOrEqual(999);
    expect(Math.min(...delays)).toBeLessThan(550);
    expect(Math.max(...delays)).toBeGreaterThan(950);
  });

  it('each sibling with a better offset, or an equal offset and a smaller id, adds 1000 ms (rank)', () => {
    const { world, replica } = replicaWithFailedPrimary(4, { replicasPerShard: 2 });
    const sibling = nodeIn(world, 'node-1', 'node-2');
    const myOffset = valkey.replicaOffset(replica);
    sibling.replOffset = myOffset + 100;
    replica.failoverAuthTimeAtMs = 0;
    handleReplicaFailover(replica);
    expect(replica.failoverAuthRank).toBe(1);
    const delay = replica.failoverAuthTimeAtMs - replica.nowMs;
    expect(delay).toBeGreaterThanOrEqual(1500);
    expect(delay).toBeLessThanOrEqual(1999);
    sibling.replOffset = myOffset;
    expect(valkey.replicaRank(replica)).toBe(sibling.name < replica.myself.name ? 1 : 0);
    sibling.replOffset = myOffset - 1;
    expect(valkey.replicaRank(replica)).toBe(0);
  });

  it('votes are collected for max(2 x node_timeout, 2000) ms after the election start; a later majority does not win', () => {
    for (const [nodeTimeoutMs, authTimeoutMs] of [
      [500, 2000],
      [1000, 2000],
      [3000, 6000],
    ] as const) {
      for (const lateByMs of [0, 1]) {
        const { world, replica } = replicaWithFailedPrimary(5, { nodeTimeoutMs });
        replica.failoverAuthTimeAtMs = 0;
        handleReplicaFailover(replica); // schedules
        const startAtMs = replica.failoverAuthTimeAtMs;
        setNow(world, startAtMs);
        handleReplicaFailover(replica); // sends the requests
        expect(replica.failoverAuthSent).toBe(true);
        replica.failoverAuthCount = quorum(replica);
        setNow(world, startAtMs + authTimeoutMs + lateByMs);
        handleReplicaFailover(replica);
        expect(valkey.isPrimary(replica.myself)).toBe(lateByMs === 0);
      }
    }
  });

  it('an expired election is scheduled again only after twice the auth timeout', () => {
    for (const [nodeTimeoutMs, retryMs] of [
      [1000, 4000],
      [3000, 12000],
    ] as const) {
      const { world, replica } = replicaWithFailedPrimary(6, { nodeTimeoutMs });
      replica.failoverAuthTimeAtMs = 0;
      handleReplicaFailover(replica);
      const startAtMs = replica.failoverAuthTimeAtMs;
      setNow(world, startAtMs);
      handleReplicaFailover(replica);
      setNow(world, startAtMs + retryMs);
      handleReplicaFailover(replica);
      expect(replica.failoverAuthTimeAtMs).toBe(startAtMs);
      setNow(world, startAtMs + retryMs + 1);
      handleReplicaFailover(replica);
      expect(replica.failoverAuthTimeAtMs).toBeGreaterThanOrEqual(startAtMs + retryMs + 1 + 500);
      expect(replica.failoverAuthSent).toBe(false);
    }
  });

  it('a voter grants one vote per epoch, none for a replica of the same primary within 2 x node_timeout, and none when a claimed slot has a newer owner', () => {
    const world = formedWorld(8, { replicasPerShard: 2 });
    const voter = serverOf(world, 'node-3');
    const candidate = serverOf(world, 'node-1');
    const candidateNode = nodeIn(world, 'node-3', 'node-1');
    const primaryInVoterView = nodeIn(world, 'node-3', 'node-0');
    const request = (): ReturnType<typeof world.network.pool.acquire> => {
      const message = world.network.pool.acquire(MSG_AUTH_REQUEST);
      fillHeader(candidate, message);
      return message;
    };
    const ask = (): number => {
      const before = voter.lastVoteEpoch;
      candidate.currentEpoch = Math.max(candidate.currentEpoch, voter.currentEpoch) + 1;
      voter.currentEpoch = candidate.currentEpoch; // the header step raises it first
      sendFailoverAuthIfNeeded(voter, candidateNode, request());
      return voter.lastVoteEpoch === before ? 0 : voter.lastVoteEpoch;
    };
    expect(ask()).toBe(0); // its primary is not FAIL in the voter's view
    primaryInVoterView.flags |= NODE_FAIL;
    const granted = ask();
    expect(granted).toBe(voter.currentEpoch);
    // Same epoch again: already voted.
    sendFailoverAuthIfNeeded(voter, candidateNode, request());
    expect(voter.lastVoteEpoch).toBe(granted);
    // The throttle: no vote for that primary's replicas for 2 x node_timeout.
    const votedAtMs = primaryInVoterView.votedTimeAtMs;
    setNow(world, votedAtMs + 1999);
    expect(ask()).toBe(0);
    setNow(world, votedAtMs + 2000);
    expect(ask()).toBeGreaterThan(granted);
    // The slot-epoch check: a claimed slot owned by a node with a larger configEpoch.
    setNow(world, voter.nowMs + 5000);
    primaryInVoterView.configEpoch = 1000;
    expect(ask()).toBe(0);
  });

  it('FAIL on a voting primary clears on its PONG only after 2 x node_timeout; on a replica at once', () => {
    const world = formedWorld(9);
    const server = serverOf(world, 'node-2');
    const primary = nodeIn(world, 'node-2', 'node-0');
    const t0 = server.nowMs;
    primary.flags |= NODE_FAIL;
    primary.failTimeAtMs = t0;
    setNow(world, t0 + 2000);
    clearNodeFailureIfNeeded(server, primary);
    expect(primary.flags & NODE_FAIL).toBe(NODE_FAIL);
    setNow(world, t0 + 2001);
    clearNodeFailureIfNeeded(server, primary);
    expect(primary.flags & NODE_FAIL).toBe(0);
    const replica = nodeIn(world, 'node-2', 'node-1');
    replica.flags |= NODE_FAIL;
    replica.failTimeAtMs = t0 + 2001;
    clearNodeFailureIfNeeded(server, replica);
    expect(replica.flags & NODE_FAIL).toBe(0);
  });
  it('messages a server sends in an event whose beforeSleep fsyncs nodes.conf (a vote, an election) leave FSYNC_MS later', () => {
    const world = formedWorld(61);
    const server = serverOf(world, 'node-0');
    const peer = server.nodes.find((node) => node !== server.myself && node.link?.connection?.established === true)!;
    const direction = peer.link!.connection!.forward;
    const pingWith = (fsync: boolean): number => {
      const sentAtMs = world.nowMs;
      world.command(0, (live) => {
        sendPing(live, peer.link!, MSG_PING);
        if (fsync) live.doBeforeSleep(valkey.TODO_SAVE_CONFIG | valkey.TODO_FSYNC_CONFIG);
      });
      return direction.tail!.arriveAtMs - sentAtMs;
    };
    const plain = pingWith(false);
    expect(plain).toBeGreaterThanOrEqual(BASE_LATENCY_MS);
    expect(plain).toBeLessThanOrEqual(BASE_LATENCY_MS + BASE_JITTER_MS);
    const held = pingWith(true);
    expect(held).toBeGreaterThanOrEqual(FSYNC_MS + BASE_LATENCY_MS);
    expect(held).toBeLessThanOrEqual(FSYNC_MS + BASE_LATENCY_MS + BASE_JITTER_MS);
  });
});
