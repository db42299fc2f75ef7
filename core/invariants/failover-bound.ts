/**
 * failover-bound: a primary that went down for good, while it had a replica that could take over,
 * is replaced by an election of a node of its shard within `failoverBoundMs` (protocol reference
 * §9.2, §9.3 "every shard whose primary died and which has an eligible replica (data age ok,
 * quorum alive) has been failed over within the bound").
 *
 * Measured after the last 'healed' event: the clock starts at max(down, healed), since faults may
 * have kept the shard from deciding before. Excused, because Valkey's rules forbid the failover:
 * - no eligible replica still runs unharmed (not restarted, reset or re-pointed since: §3.1, a
 *   restarted replica never reconnected and cannot fail over);
 * - fewer than size/2+1 voting primaries were alive (no FAIL, no votes: §2.3);
 * - the data-age gate would refuse by the deadline (§3.1);
 * - fewer than size/2+1 of the live voting primaries know any of the eligible replicas (a FORGET
 *   that spread with the forgotten-node gossip, §5.2): a voter drops an auth request from a
 *   sender it does not know (§1.8 step 1), so no such replica can gather a quorum.
 * And the clock starts no earlier than the time an eligible replica can know a quorum of the live
 * voting primaries again: one made to CLUSTER FORGET a voter cannot learn it back while the ban lasts
 * (60 s, clusterBlacklistExists in clusterProcessGossipSection), and clusterRequestFailoverAuth
 * sends the auth request only to the nodes in its own table, so that vote is out of its reach;
 * nor before a quorum of them can know the dead primary again: a voter made to CLUSTER FORGET it
 * neither reports it failing nor votes for a replica of a primary it does not know (primaryBans).
 * Not judged before the deadline: a failover still under way is not a violation.
 */
import { clockBehindPast } from './clock-facts.ts';
import type { ObservedEvent } from '../events.ts';
import type { ClusterConfig } from '../scenario/types.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { isRestartingDown } from './one-vote-per-epoch.ts';
import { NodeDirectory, lastView, liveNodes } from './view-facts.ts';

/** clusterCron period. */
const CRON_PERIOD_MS = 100;
/** Round trip of an auth request and its ACK; loopback and the simulator's links are far below. */
const ROUND_TRIP_ALLOWANCE_MS = 100;
/** repl-ping-replica-period (10 s default) in the data-age limit of §3.1. */
const REPL_PING_REPLICA_PERIOD_MS = 10000;
/**
 * How long a CLUSTER FORGET keeps the forgotten node out of the table of the node that ran it:
 * clusterBlacklistAddNode bans it until time(NULL) + cluster-blacklist-ttl (60 s by default; no
 * scenario sets it), and clusterBlacklistCleanup drops the entry only once that second is in the
 * past, so up to one second more. A node that reads the FORGOTTEN_NODE extension late (paused)
 * re-arms the ban from its own reading (server.unixtime + TTL); that longer ban is not counted.
 */
const FORGET_BAN_MS = 61_000;
/** Admin actions after which a replica no longer replicates the dead primary. */
const RE_POINTING_ACTIONS = new Set(['reset', 'replicate', 'kill', 'terminate']);

/**
 * The time within which an automatic failover must happen (§9.2): node_timeout, a ping interval
 * to reach PFAIL, one gossip round for failure reports, a cron tick, the longest election delay
 * (500 + 499 + 1000 × rank, rank at most replicas − 1) and a round trip; doubled, plus one
 * split-vote retry (4 × auth timeout, auth timeout = max(2 × node_timeout, 2000)).
 */
export function failoverBoundMs(cluster: ClusterConfig, replicasPerShard: number = cluster.replicasPerShard): number {
  const nodeTimeoutMs = cluster.nodeTimeoutMs;
  const pingIntervalMs = cluster.pingIntervalMs > 0 ? cluster.pingIntervalMs : Math.floor(nodeTimeoutMs / 2);
  const maxRank = Math.max(replicasPerShard, 1) - 1;
  const electionDelayMaxMs = 500 + 499 + 1000 * maxRank;
  const oneAttemptMs =
    nodeTimeoutMs + pingIntervalMs + pingIntervalMs + CRON_PERIOD_MS + electionDelayMaxMs + ROUND_TRIP_ALLOWANCE_MS;
  const authTimeoutMs = Math.max(2 * nodeTimeoutMs, 2000);
  return 2 * oneAttemptMs + 4 * authTimeoutMs;
}

/** §3.1: would a replica whose primary went silent at `lastContactAtMs` refuse at `atMs`? */
export function dataAgeGateRefuses(cluster: ClusterConfig, lastContactAtMs: number, atMs: number): boolean {
  if (cluster.replicaValidityFactor === 0) return false;
  let dataAgeMs = atMs - lastContactAtMs;
  if (dataAgeMs > cluster.nodeTimeoutMs) dataAgeMs -= cluster.nodeTimeoutMs;
  return dataAgeMs > REPL_PING_REPLICA_PERIOD_MS + cluster.nodeTimeoutMs * cluster.replicaValidityFactor;
}

type NodeDown = Extract<ObservedEvent, { kind: 'node-down' }>;

interface DownPrimary {
  event: NodeDown;
  index: number;
}

/** Primaries whose last 'node-down' had no 'node-up' after it. */
function primariesStillDown(events: readonly ObservedEvent[]): DownPrimary[] {
  const lastDown = new Map<string, DownPrimary | null>();
  events.forEach((event, index) => {
    if (event.kind === 'node-down') lastDown.set(event.node, { event, index });
    if (event.kind === 'node-up') lastDown.set(event.node, null);
  });
  return [...lastDown.values()].filter((down): down is DownPrimary => down?.event.wasPrimary === true);
}

/** Eligible replicas that still run and were not restarted, reset or moved to another primary. */
function unharmedReplicas(context: InvariantContext, down: DownPrimary, running: ReadonlySet<string>): string[] {
  const harmed = new Set<string>();
  const { events } = context;
  for (let index = down.index + 1; index < events.length; index++) {
    const event = events[index]!;
    if (isRestartingDown(event)) harmed.add(event.node);
    if (event.kind === 'fault' && RE_POINTING_ACTIONS.has(event.action))
      for (const node of event.nodes) harmed.add(node);
    if (event.kind === 'node-state' && event.role === 'replica' && event.primary !== down.event.node)
      harmed.add(event.node);
  }
  return down.event.eligibleReplicas.filter((replica) => running.has(replica) && !harmed.has(replica));
}

/**
 * Voting primaries (role primary with slots, from 'node-state') up to `atMs`, and how many are up.
 * A primary whose replica won an election no longer counts (its slots moved). Without any
 * 'node-state' the scenario's shard count stands in for the size.
 */
function quorumAt(context: InvariantContext, atMs: number): { size: number; alive: number; aliveVoters: string[] } {
  const voting = new Map<string, boolean>();
  const downNodes = new Set<string>();
  const formerPrimary = new Map<string, string | null>();
  let downPrimaries = 0;
  for (const event of context.events) {
    if (event.atMs > atMs) break;
    if (event.kind === 'node-state') {
      voting.set(event.node, event.role === 'primary' && event.slotCount > 0);
      if (event.role === 'replica') formerPrimary.set(event.node, event.primary);
    } else if (event.kind === 'election-won') {
      const former = formerPrimary.get(event.node);
      if (former !== undefined && former !== null) voting.set(former, false);
    } else if (event.kind === 'node-down') {
      downNodes.add(event.node);
      if (event.wasPrimary) downPrimaries++;
    } else if (event.kind === 'node-up') {
      downNodes.delete(event.node);
    }
  }
  const votingNodes = [...voting].filter(([, isVoting]) => isVoting).map(([node]) => node);
  if (votingNodes.length === 0) {
    const size = context.scenario.cluster.numShards;
    return { size, alive: size - Math.min(size, downPrimaries), aliveVoters: [] };
  }
  const aliveVoters = votingNodes.filter((node) => !downNodes.has(node));
  return { size: votingNodes.length, alive: aliveVoters.length, aliveVoters };
}

/**
 * The spans during which `replica` had forgotten each voter by its own CLUSTER FORGET (the `forget`
 * step reports `<replica>: OK`): from the FORGET to the end of its ban, or to a CLUSTER MEET between
 * the two that succeeded before then.
 */
function bansOn(
  events: readonly ObservedEvent[],
  replica: string,
  voters: readonly string[],
): { voter: string; fromMs: number; toMs: number }[] {
  const bans: { voter: string; fromMs: number; toMs: number }[] = [];
  for (const event of events) {
    if (event.kind !== 'fault') continue;
    if (event.action === 'forget') {
      const voter = event.nodes[0];
      if (voter === undefined || !voters.includes(voter)) continue;
      const outcomes = event.detail.replace(/^CLUSTER FORGET \S+ on /, '').split('; ');
      if (!outcomes.includes(`${replica}: OK`)) continue;
      bans.push({ voter, fromMs: event.atMs, toMs: event.atMs + FORGET_BAN_MS });
    } else if (event.action === 'meet' && / OK$/.test(event.detail) && event.nodes.includes(replica)) {
      for (const ban of bans)
        if (event.nodes.includes(ban.voter) && event.atMs >= ban.fromMs && event.atMs < ban.toMs) ban.toMs = event.atMs;
    }
  }
  return bans;
}

/**
 * The spans during which a voter had forgotten the dead primary `primary` by a CLUSTER FORGET (the
 * `forget` step of `primary` reports `<voter>: OK`). A voter without the primary in its table can
 * neither flag it FAIL nor vote for its replica: clusterSendFailoverAuthIfNeeded refuses a candidate
 * whose primary it does not know ("I don't know its primary"), and the replica waits for a FAIL
 * that needs a quorum of primaries' failure reports. A step that comes while an earlier step's ban
 * still runs does not re-arm it: the voter may hold that ban from the FORGOTTEN_NODE gossip, and
 * CLUSTER FORGET of a node already gone and banned answers OK and changes nothing ("Already
 * forgotten" in clusterCommandSpecial), so the ban ends with the earlier step's. A ban also ends
 * at a successful CLUSTER MEET between the two, or when the voter restarts or is reset (the ban
 * list lives in memory only, and a reset clears it).
 */
function primaryBans(
  events: readonly ObservedEvent[],
  primary: string,
  voters: readonly string[],
): { voter: string; fromMs: number; toMs: number }[] {
  const bans: { voter: string; fromMs: number; toMs: number }[] = [];
  let chainEndMs = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    if (event.kind !== 'fault') continue;
    if (event.action === 'forget' && event.nodes[0] === primary) {
      const outcomes = event.detail.replace(/^CLUSTER FORGET \S+ on /, '').split('; ');
      const okVoters = voters.filter((voter) => outcomes.includes(`${voter}: OK`));
      if (okVoters.length === 0) continue;
      if (event.atMs >= chainEndMs) chainEndMs = event.atMs + FORGET_BAN_MS;
      for (const voter of okVoters) bans.push({ voter, fromMs: event.atMs, toMs: chainEndMs });
    } else {
      const ends =
        (event.action === 'meet' && / OK$/.test(event.detail) && event.nodes.includes(primary)) ||
        event.action === 'restart' ||
        event.action === 'reset';
      if (!ends) continue;
      for (const ban of bans)
        if (event.nodes.includes(ban.voter) && event.atMs >= ban.fromMs && event.atMs < ban.toMs) ban.toMs = event.atMs;
    }
  }
  return bans;
}

/**
 * The earliest time from `fromMs` at which, for some eligible replica, `needed` of the live voting
 * primaries are neither banned by the replica (bansOn) nor banning the dead primary (primaryBans):
 * before it none of them can gather a quorum of votes.
 */
function votersReachableAt(
  context: InvariantContext,
  primary: string,
  replicas: readonly string[],
  voters: readonly string[],
  needed: number,
  fromMs: number,
): number {
  let earliest = Number.POSITIVE_INFINITY;
  const ofPrimary = primaryBans(context.events, primary, voters);
  for (const replica of replicas) {
    const bans = [...bansOn(context.events, replica, voters), ...ofPrimary];
    // The times at which the set of banned voters can shrink, in order; the first that leaves a quorum.
    const times = [fromMs, ...bans.map((ban) => ban.toMs).filter((at) => at > fromMs)].sort((a, b) => a - b);
    for (const at of times) {
      const banned = new Set(bans.filter((ban) => ban.fromMs <= at && at < ban.toMs).map((ban) => ban.voter));
      if (voters.filter((voter) => !banned.has(voter)).length >= needed) {
        earliest = Math.min(earliest, at);
        break;
      }
    }
  }
  return earliest === Number.POSITIVE_INFINITY ? fromMs : earliest;
}

/** The first election won after the primary went down by a node of its shard. */
function replacingWin(
  context: InvariantContext,
  down: DownPrimary,
): Extract<ObservedEvent, { kind: 'election-won' }> | null {
  const directory = new NodeDirectory(context);
  const downShard = directory.shardOf(down.event.node);
  const formerPrimary = new Map<string, string | null>();
  const { events } = context;
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (event.kind === 'node-state' && event.role === 'replica') formerPrimary.set(event.node, event.primary);
    if (index <= down.index || event.kind !== 'election-won') continue;
    const inShard =
      down.event.eligibleReplicas.includes(event.node) ||
      formerPrimary.get(event.node) === down.event.node ||
      (downShard !== undefined && directory.shardOf(event.node) === downShard);
    if (inShard) return event;
  }
  return null;
}

/** Why Valkey's rules forbid replacing a primary that went down for good, or null if they allow it. */
type Forbidden = 'no-eligible-replica' | 'data-age' | 'no-quorum' | 'replicas-unknown-to-voters';

/** Whether no replica is known (in CLUSTER NODES of the last view) to `needed` live voting primaries. */
function replicasUnknownToVoters(context: InvariantContext, replicas: readonly string[], needed: number): boolean {
  const view = lastView(context.views);
  if (view === null) return false;
  const live = liveNodes(view);
  for (const replica of replicas) {
    const id = live.find((node) => node.name === replica)?.report.id;
    if (id === undefined) continue;
    let knowing = 0;
    for (const voter of live) {
      if (voter.report.role !== 'primary' || voter.report.slots.length === 0) continue;
      for (const peer of voter.report.peers) {
        if (peer.id === id) {
          knowing++;
          break;
        }
      }
    }
    if (knowing >= needed) return false;
  }
  return true;
}

interface Deadline {
  startMs: number;
  boundMs: number;
  deadlineMs: number;
  /** Set when a FORGET ban (replicas' or voters') moved the start past max(down, healed). */
  bannedUntilMs: number | null;
}

function deadlineOf(
  context: InvariantContext,
  down: DownPrimary,
  healedAtMs: number,
  replicas: readonly string[],
): Deadline {
  const { cluster } = context.scenario;
  const fromMs = Math.max(down.event.atMs, healedAtMs);
  const quorum = quorumAt(context, fromMs);
  const needed = Math.floor(quorum.size / 2) + 1;
  const startMs = votersReachableAt(context, down.event.node, replicas, quorum.aliveVoters, needed, fromMs);
  const boundMs = failoverBoundMs(cluster, Math.max(cluster.replicasPerShard, down.event.eligibleReplicas.length));
  return { startMs, boundMs, deadlineMs: startMs + boundMs, bannedUntilMs: startMs > fromMs ? startMs : null };
}

function forbidden(
  context: InvariantContext,
  down: DownPrimary,
  deadline: Deadline,
  replicas: readonly string[],
): Forbidden | null {
  if (replicas.length === 0) return 'no-eligible-replica';
  if (dataAgeGateRefuses(context.scenario.cluster, down.event.atMs, deadline.deadlineMs)) return 'data-age';
  const quorum = quorumAt(context, deadline.startMs);
  const needed = Math.floor(quorum.size / 2) + 1;
  if (quorum.alive < needed) return 'no-quorum';
  if (replicasUnknownToVoters(context, replicas, needed)) return 'replicas-unknown-to-voters';
  return null;
}

/**
 * Primaries that went down for good and that Valkey's rules never let a replica replace (no
 * eligible replica left, the data-age gate, no quorum): their slots stay theirs, and with full
 * coverage the cluster stays down. slot-coverage and cluster-state-ok excuse those slots.
 */
export function unreplaceablePrimaries(context: InvariantContext): Set<string> {
  const out = new Set<string>();
  const view = lastView(context.views);
  if (view === null) return out;
  let healedAtMs: number | null = null;
  for (const event of context.events) if (event.kind === 'healed') healedAtMs = event.atMs;
  const running = new Set(view.nodes.filter((node) => node.process === 'running').map((node) => node.name));
  for (const down of primariesStillDown(context.events)) {
    if (running.has(down.event.node)) continue;
    const replicas = unharmedReplicas(context, down, running);
    const deadline = deadlineOf(context, down, healedAtMs ?? down.event.atMs, replicas);
    if (forbidden(context, down, deadline, replicas) !== null) out.add(down.event.node);
  }
  return out;
}

function judge(
  context: InvariantContext,
  down: DownPrimary,
  healedAtMs: number,
  nowMs: number,
  running: ReadonlySet<string>,
): Finding | null {
  const replicas = unharmedReplicas(context, down, running);
  const deadline = deadlineOf(context, down, healedAtMs, replicas);
  if (forbidden(context, down, deadline, replicas) !== null) return null;
  const { startMs, boundMs, deadlineMs } = deadline;
  const quorum = quorumAt(context, startMs);
  const win = replacingWin(context, down);
  if (win !== null && win.atMs <= deadlineMs) return null;
  if (win === null && nowMs < deadlineMs) return null;
  const primary = down.event.node;
  const outcome =
    win === null ? `no node of its shard has won an election by ${nowMs} ms` : `${win.node} won only at ${win.atMs} ms`;
  // A live node whose clock was set back past then never suspects a primary it last heard before.
  const behind = [...running].filter((name) => clockBehindPast(context.events, name, deadlineMs));
  const clock = behind.length > 0 ? `,clock=back` : '';
  return finding(
    'failover-bound',
    `${win === null ? 'no-election' : 'late-election'},down-by=${down.event.cause}${clock}`,
    `Primary ${primary} went down (${down.event.cause}) at ${down.event.atMs} ms and stayed down; its replicas ` +
      `${replicas.join(', ')} were eligible and still run, and ${quorum.alive} of ${quorum.size} voting primaries ` +
      `were up, but ${outcome}. The failover was due within ${boundMs} ms of ${startMs} ms (` +
      (deadline.bannedUntilMs === null
        ? 'max of down and healed'
        : 'the end of the CLUSTER FORGET bans that kept a quorum of voters from the replicas or the dead primary') +
      `), that is by ${deadlineMs} ms.` +
      (clock === ''
        ? ''
        : ` The wall clocks of ${behind.join(', ')} were set back and still read earlier than before.`),
    [primary, ...replicas, ...(win === null ? [] : [win.node])],
  );
}

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  let healedAtMs: number | null = null;
  for (const event of context.events) if (event.kind === 'healed') healedAtMs = event.atMs;
  if (healedAtMs === null) return null;
  const running = new Set(view.nodes.filter((node) => node.process === 'running').map((node) => node.name));
  for (const down of primariesStillDown(context.events)) {
    if (running.has(down.event.node)) continue;
    const found = judge(context, down, healedAtMs, view.atMs, running);
    if (found !== null) return found;
  }
  return null;
}

export const failoverBound: Invariant = {
  name: 'failover-bound',
  kind: 'convergence',
  summary: 'a dead primary with an eligible replica is failed over within the §9.2 bound',
  check,
};
