/**
 * Issue 19: each rule that separates the valkey-8.1 profile from valkey-8.0 (sim/valkey/profiles.ts),
 * shown side by side on the same formed cluster: the 8.0.1 behaviour under VALKEY_8_0 and 8.1's
 * under VALKEY_8_1. Plus: the default profile is 8.0, redis-7.0 is refused, and the profile reaches
 * the servers of a run.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/backend.ts';
import { loadScenarioFile } from '../../core/dsl/index.ts';
import { MSG_AUTH_REQUEST, MSG_FAIL, MSG_MEET, MSG_PONG } from '../../sim/message.ts';
import type { ClusterNode } from '../../sim/valkey/cluster-node.ts';
import { NODE_FAIL, NODE_MEET, NODE_NOADDR, NODE_PFAIL, VALKEY_CLOCK_OFFSET_MS } from '../../sim/valkey/constants.ts';
import { beforeSleep, clusterCron } from '../../sim/valkey/cron.ts';
import { handleReplicaFailover, sendFailoverAuthIfNeeded } from '../../sim/valkey/election.ts';
import { handleConfigEpochCollision } from '../../sim/valkey/epochs.ts';
import { addFailureReport } from '../../sim/valkey/failure-detection.ts';
import { fillHeader } from '../../sim/valkey/gossip.ts';
import { clusterFailoverCommand } from '../../sim/valkey/manual-failover.ts';
import { processPacket } from '../../sim/valkey/packet.ts';
import { failedPrimaryRank } from '../../sim/valkey/profile-rules.ts';
import { PROFILE_RULES, VALKEY_8_0, VALKEY_8_1, profileFor, type ProtocolProfile } from '../../sim/valkey/profiles.ts';
import { SimRun } from '../../sim/runner.ts';
import type { World } from '../../sim/world.ts';
import type * as valkey from '../../sim/valkey/index.ts';
import { formedWorld, scenarioPath, serverOf } from './helpers.ts';

function setNow(world: World, atMs: number): void {
  world.scheduler.nowMs = atMs - VALKEY_CLOCK_OFFSET_MS;
}

function nodeIn(world: World, observer: string, subject: string): ClusterNode {
  const node = serverOf(world, observer).lookup(serverOf(world, subject).myself.identity);
  if (node === null) throw new Error(`${observer} does not know ${subject}`);
  return node;
}

/** Messages of a type a server queued on the network since `before` (the pool's sent count). */
function sentTypes(world: World, from: valkey.ValkeyServer, run: () => void): number[] {
  const types: number[] = [];
  const network = world.network as unknown as { send: (...args: unknown[]) => void };
  const original = network.send;
  network.send = function (this: unknown, ...args: unknown[]) {
    const message = args[2] as { type: number; sender: number };
    if (message.sender === from.myself.identity) types.push(message.type);
    return original.apply(this, args);
  };
  try {
    run();
  } finally {
    network.send = original;
  }
  return types;
}

const BOTH: Array<[string, ProtocolProfile]> = [
  ['valkey-8.0', VALKEY_8_0],
  ['valkey-8.1', VALKEY_8_1],
];

describe('protocol profiles', () => {
  it('valkey-8.0 is the default, valkey-8.1 differs in every named rule, redis-7.0 is refused with exit 2', () => {
    expect(profileFor('valkey-8.0')).toBe(VALKEY_8_0);
    expect(profileFor('valkey-8.1')).toBe(VALKEY_8_1);
    expect(() => profileFor('redis-7.0')).toThrow(InputError);
    expect(PROFILE_RULES.length).toBeGreaterThanOrEqual(10);
    for (const rule of PROFILE_RULES) expect(VALKEY_8_1[rule], rule).not.toBe(VALKEY_8_0[rule]);
    const scenario = loadScenarioFile(scenarioPath('kill-primary'));
    expect(scenario.protocol).toBe('valkey-8.0');
    expect(new SimRun(scenario, {}).world.profile).toBe(VALKEY_8_0);
    expect(new SimRun({ ...scenario, protocol: 'valkey-8.1' }, {}).world.profile).toBe(VALKEY_8_1);
    expect(() => new SimRun({ ...scenario, protocol: 'redis-7.0' }, {})).toThrow(/does not model redis-7.0/);
  });

  it('voteThrottle (#1305, #1356): 8.0 refuses a second replica of the same primary within 2 x node_timeout, 8.1 votes', () => {
    const granted: Record<string, number> = {};
    for (const [name, profile] of BOTH) {
      const world = formedWorld(8, { replicasPerShard: 2 }, profile);
      const voter = serverOf(world, 'node-3');
      nodeIn(world, 'node-3', 'node-0').flags |= NODE_FAIL;
      let votes = 0;
      for (const candidateName of ['node-1', 'node-2']) {
        const candidate = serverOf(world, candidateName);
        candidate.currentEpoch = Math.max(candidate.currentEpoch, voter.currentEpoch) + 1;
        voter.currentEpoch = candidate.currentEpoch;
        const request = world.network.pool.acquire(MSG_AUTH_REQUEST);
        fillHeader(candidate, request);
        const before = voter.lastVoteEpoch;
        sendFailoverAuthIfNeeded(voter, nodeIn(world, 'node-3', candidateName), request);
        if (voter.lastVoteEpoch !== before) votes++;
        setNow(world, voter.nowMs + 500); // well inside 2 x node_timeout (2000 ms)
      }
      granted[name] = votes;
    }
    expect(granted).toEqual({ 'valkey-8.0': 1, 'valkey-8.1': 2 });
  });

  it('resetElectionOnEpochClaim (#1009, #1339): a claim of a configEpoch >= my sent election epoch resets it under 8.1 only', () => {
    for (const [name, profile] of BOTH) {
      const world = formedWorld(6, {}, profile);
      const replica = serverOf(world, 'node-1');
      nodeIn(world, 'node-1', 'node-0').flags |= NODE_FAIL;
      replica.failoverAuthTimeAtMs = 0;
      handleReplicaFailover(replica); // schedules
      setNow(world, replica.failoverAuthTimeAtMs);
      handleReplicaFailover(replica); // sends the request
      expect(replica.failoverAuthSent).toBe(true);
      const electionAt = replica.failoverAuthTimeAtMs;
      // node-2 (another primary) claims a configEpoch equal to the election's epoch.
      const claimer = serverOf(world, 'node-2');
      claimer.myself.configEpoch = replica.failoverAuthEpoch;
      claimer.currentEpoch = Math.max(claimer.currentEpoch, replica.failoverAuthEpoch);
      const pong = world.network.pool.acquire(MSG_PONG);
      fillHeader(claimer, pong);
      const link = nodeIn(world, 'node-1', 'node-2').link!;
      processPacket(replica, link, pong, claimer.processIndex);
      expect(replica.failoverAuthTimeAtMs, name).toBe(name === 'valkey-8.1' ? 0 : electionAt);
    }
  });

  it('failedPrimaryRankDelayMs (#1018): 500 ms more per failed primary of a lower shard id under 8.1, none under 8.0', () => {
    const delays: Record<string, number> = {};
    for (const [name, profile] of BOTH) {
      const world = formedWorld(11, { numShards: 3 }, profile);
      // Every primary fails: each replica ranks its shard among the failed ones.
      const replicas = ['node-1', 'node-3', 'node-5'];
      const ranks = replicas.map((replicaName) => {
        const server = serverOf(world, replicaName);
        for (const primaryName of ['node-0', 'node-2', 'node-4']) {
          const node = nodeIn(world, replicaName, primaryName);
          node.flags |= NODE_FAIL;
          node.failTimeAtMs = server.nowMs;
        }
        return failedPrimaryRank(server);
      });
      expect([...ranks].sort()).toEqual([0, 1, 2]);
      // The replica ranked 2 schedules its election 2 x 500 ms later than the random base allows.
      const last = serverOf(world, replicas[ranks.indexOf(2)]!);
      last.failoverAuthTimeAtMs = 0;
      handleReplicaFailover(last);
      delays[name] = last.failoverAuthTimeAtMs - last.nowMs - last.failoverAuthRank * 1000;
    }
    expect(delays['valkey-8.0']).toBeGreaterThanOrEqual(500);
    expect(delays['valkey-8.0']).toBeLessThan(1000);
    expect(delays['valkey-8.1']).toBeGreaterThanOrEqual(1500);
    expect(delays['valkey-8.1']).toBeLessThan(2000);
  });

  it('manualFailoverResetsElection (#1274) and manualElectionStartsAtOnce (#1081, #1067): FORCE inside a retry window', () => {
    for (const [name, profile] of BOTH) {
      const world = formedWorld(12, {}, profile);
      const replica = serverOf(world, 'node-1');
      nodeIn(world, 'node-1', 'node-0').flags |= NODE_FAIL;
      replica.failoverAuthTimeAtMs = 0;
      handleReplicaFailover(replica);
      setNow(world, replica.failoverAuthTimeAtMs);
      handleReplicaFailover(replica); // an election is sent and never wins
      const epoch = replica.failoverAuthEpoch;
      setNow(world, replica.nowMs + 2500); // expired (2000 ms) but inside the retry window (4000 ms)
      nodeIn(world, 'node-1', 'node-0').flags &= ~NODE_FAIL;
      expect(clusterFailoverCommand(replica, 'force')).toBeNull();
      handleReplicaFailover(replica);
      // 8.0: the manual failover waits out the retry window, no new election; 8.1: a new one at once.
      expect(replica.failoverAuthEpoch > epoch, name).toBe(name === 'valkey-8.1');
    }
  });

  it('winnerResetsElection (#1711): the winner clears failover_auth_time under 8.1, keeps it under 8.0', () => {
    for (const [name, profile] of BOTH) {
      const world = formedWorld(17, {}, profile);
      const replica = serverOf(world, 'node-1');
      replica.failoverAuthTimeAtMs = replica.nowMs - 100; // an election that ran
      expect(clusterFailoverCommand(replica, 'takeover')).toBeNull(); // wins without votes
      expect(replica.myself.replicaOf).toBeNull();
      expect(replica.failoverAuthTimeAtMs === 0, name).toBe(name === 'valkey-8.1');
    }
  });

  it('noaddrMarksFail (#1191): a node answering with another id is NOADDR under 8.0, NOADDR and FAIL (FAIL broadcast) under 8.1', () => {
    for (const [name, profile] of BOTH) {
      const world = formedWorld(13, {}, profile);
      const observer = serverOf(world, 'node-2');
      const target = nodeIn(world, 'node-2', 'node-0');
      const link = target.link!;
      // node-0's address answers a PONG with node-4's id (as after a RESET HARD renamed it).
      const impostor = serverOf(world, 'node-4');
      const pong = world.network.pool.acquire(MSG_PONG);
      fillHeader(impostor, pong);
      const sent = sentTypes(world, observer, () => processPacket(observer, link, pong, 0));
      expect(target.flags & NODE_NOADDR).toBe(NODE_NOADDR);
      expect((target.flags & NODE_FAIL) !== 0, name).toBe(name === 'valkey-8.1');
      expect(sent.includes(MSG_FAIL), name).toBe(name === 'valkey-8.1');
    }
  });

  it('meetOnMissingInbound (#1307): an outbound link without an inbound one gets a MEET after the handshake timeout under 8.1 only', () => {
    for (const [name, profile] of BOTH) {
      const world = formedWorld(14, {}, profile);
      const server = serverOf(world, 'node-2');
      const peer = nodeIn(world, 'node-2', 'node-0');
      expect(peer.link).not.toBeNull();
      peer.inboundLink = null;
      peer.inboundLinkFreedAtMs = server.nowMs;
      setNow(world, server.nowMs + 999); // within the handshake timeout (max(node_timeout, 1000))
      expect(sentTypes(world, server, () => clusterCron(server)).includes(MSG_MEET)).toBe(false);
      setNow(world, server.nowMs + 2);
      const sent = sentTypes(world, server, () => clusterCron(server));
      expect(sent.includes(MSG_MEET), name).toBe(name === 'valkey-8.1');
      expect((peer.flags & NODE_MEET) !== 0, name).toBe(name === 'valkey-8.1');
      // and not again within the next handshake timeout
      setNow(world, server.nowMs + 500);
      expect(sentTypes(world, server, () => clusterCron(server)).includes(MSG_MEET)).toBe(false);
    }
  });

  it('broadcastOnConfigChange (#1813): a configEpoch collision move is broadcast to every node under 8.1, not under 8.0', () => {
    for (const [name, profile] of BOTH) {
      const world = formedWorld(15, {}, profile);
      // node-0 and node-2 are primaries; give them the same configEpoch, the smaller id moves.
      const a = serverOf(world, 'node-0');
      const b = serverOf(world, 'node-2');
      const [mover, other] = a.myself.name < b.myself.name ? [a, b] : [b, a];
      const otherNode = mover.lookup(other.myself.identity)!;
      otherNode.configEpoch = mover.myself.configEpoch;
      const sent = sentTypes(world, mover, () => {
        expect(handleConfigEpochCollision(mover, otherNode)).toBe(true);
        beforeSleep(mover); // clusterBeforeSleep, as the world runs it after the turn
      });
      const pongs = sent.filter((type) => type === MSG_PONG).length;
      expect(pongs, name).toBe(name === 'valkey-8.1' ? mover.nodes.length - 1 : 0);
    }
  });

  it('cronMarksFailAnySize (#1061): a voting primary that sets PFAIL with enough reports marks FAIL in the cron under 8.1', () => {
    for (const [name, profile] of BOTH) {
      const world = formedWorld(16, { numShards: 3 }, profile);
      const server = serverOf(world, 'node-2');
      const peer = nodeIn(world, 'node-2', 'node-0');
      // Another voting primary (node-4) already reported node-0: with myself that is a quorum (2 of 3).
      addFailureReport(server, peer, nodeIn(world, 'node-2', 'node-4'));
      peer.pingSentAtMs = server.nowMs;
      peer.dataReceivedAtMs = server.nowMs;
      setNow(world, server.nowMs + 1001);
      clusterCron(server);
      expect(peer.flags & (NODE_PFAIL | NODE_FAIL), name).toBe(name === 'valkey-8.1' ? NODE_FAIL : NODE_PFAIL);
    }
  });
});
