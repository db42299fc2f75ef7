/**
 * The features of one simulator run, for guided fuzzing (core/features.ts holds the map). Fed by
 * the runner's observed events and the network's delivery tap; it only reads the world, so a run
 * with it has the trace hash and outcome of a run without it.
 *
 * Four families, each hashed with a kind number into the map and counted per run (the counts go
 * into AFL-style buckets at the end):
 * - role transitions: a node's role before and after, how far its currentEpoch jumped, whether its
 *   configEpoch went up, down or stayed;
 * - protocol state, sampled at each significant event: per shard the count of claimed primaries,
 *   elections in progress, the order of the candidates' election epoch against the voters'
 *   currentEpoch and lastVoteEpoch, a manual failover in progress; per node the count of peers
 *   that flag it PFAIL and FAIL, by whether it is running, paused or down;
 * - event sequences: the last two and three significant events (faults by action, elections,
 *   votes, nodes going down and up, role changes), Mallory's timeline abstraction in small;
 * - happens-before: a bus message delivered after fault or role boundaries that came after it was
 *   sent (a PING from before a pause delivered after a failover), by message type, the first and
 *   the last boundary it crossed and how many.
 */
import type { ObservedEvent } from '../../core/events.ts';
import { bucketedIndex, bucketOf, featureIndex } from '../../core/features.ts';
import { ACTIONS } from '../../core/scenario/types.ts';
import type { Message } from '../message.ts';
import { PROCESS_DOWN, PROCESS_PAUSED, PROCESS_RUNNING, type SimProcess } from '../process.ts';
import * as valkey from '../valkey/index.ts';
import type { NetworkTap } from '../recorder.ts';

const K_ROLE = 1;
const K_PAIR = 2;
const K_TRIPLE = 3;
const K_SHARD = 4;
const K_FLAGS = 5;
const K_CROSSED = 6;
const K_VOTE = 7;
const K_WIN = 8;

/** Event codes in sequences and boundaries: fault actions 1..40, the rest from 64. */
const C_ELECTION = 64;
const C_TAKEOVER = 65;
const C_VOTE = 66;
const C_DOWN = 67; // + cause (0 kill, 1 terminate, 2 pause) * 2 + wasPrimary
const C_UP = 74;
const C_DATA_LOST = 75;
const C_HEALED = 76;
const C_TO_PRIMARY = 77;
const C_TO_REPLICA = 78;

/** Boundaries a delivery looks back over. */
const BOUNDARIES = 16;
/** Bus message types (PING..MFSTART); TCP control and replication are left out. */
const LAST_BUS_TYPE = 8;

/** What the collector reads of the world (sim/world.ts). */
export interface CoverageWorld {
  readonly processes: readonly SimProcess[];
  readonly identities: { processOf(identity: number): number };
}

/** `count` of `total` as none, one, under half, half or more, all: 0..4. */
function shareOf(count: number, total: number): number {
  if (count <= 0) return 0;
  if (count >= total) return 4;
  if (count === 1) return 1;
  return 2 * count < total ? 2 : 3;
}

export class FeatureCollector implements NetworkTap {
  /**
   * This run's count of each feature it reached, by map index: a Map, since a run reaches a few
   * hundred of the map's million entries, and a dense array would be zeroed for every run.
   */
  private readonly counts = new Map<number, number>();
  private readonly lastRole: Int8Array;
  private readonly lastCurrentEpoch: Float64Array;
  private readonly lastConfigEpoch: Float64Array;
  private readonly pfailSeen: Int16Array;
  private readonly failSeen: Int16Array;
  private readonly actionCodes = new Map<string, number>();
  private previous = 0;
  private beforePrevious = 0;
  /** Ring of boundaries: when (ms) and what; `boundaryCount` ever recorded. */
  private readonly boundaryAtMs = new Float64Array(BOUNDARIES);
  private readonly boundaryCode = new Int16Array(BOUNDARIES);
  private boundaryCount = 0;
  /** The newest boundary's time: a delivery sent after it crossed none (the common case). */
  private lastBoundaryAtMs = Number.NEGATIVE_INFINITY;
  /** Per epoch: votes granted and wins seen (the latest epoch only: elections come one by one). */
  private voteEpoch = -1;
  private votesInEpoch = 0;
  private winEpoch = -1;
  private winsInEpoch = 0;
  private maxEpochSeen = 0;

  constructor(
    private readonly world: CoverageWorld,
    capacity: number,
  ) {
    this.lastRole = new Int8Array(capacity).fill(-1);
    this.lastCurrentEpoch = new Float64Array(capacity);
    this.lastConfigEpoch = new Float64Array(capacity);
    this.pfailSeen = new Int16Array(capacity);
    this.failSeen = new Int16Array(capacity);
  }

  /** The run's distinct features: bucketed map indices, sorted, each once. */
  features(): number[] {
    const out = new Set<number>();
    for (const [index, count] of this.counts) out.add(bucketedIndex(index, count));
    return [...out].sort((a, b) => a - b);
  }

  private hit(index: number): void {
    this.counts.set(index, (this.counts.get(index) ?? 0) + 1);
  }

  /** An observed event (never the write acks). */
  observe(event: ObservedEvent): void {
    switch (event.kind) {
      case 'node-state':
        this.nodeState(event);
        return;
      case 'vote-granted': {
        if (event.epoch !== this.voteEpoch) {
          this.voteEpoch = event.epoch;
          this.votesInEpoch = 0;
        }
        this.votesInEpoch++;
        this.hit(featureIndex(K_VOTE, Math.sign(event.epoch - this.maxEpochSeen) + 1, bucketOf(this.votesInEpoch)));
        this.maxEpochSeen = Math.max(this.maxEpochSeen, event.epoch);
        this.significant(C_VOTE, event.atMs, false);
        return;
      }
      case 'election-won': {
        if (event.epoch !== this.winEpoch) {
          this.winEpoch = event.epoch;
          this.winsInEpoch = 0;
        }
        this.winsInEpoch++;
        this.hit(
          featureIndex(
            K_WIN,
            event.consensus ? 1 : 0,
            Math.sign(event.epoch - this.maxEpochSeen) + 1,
            this.winsInEpoch,
          ),
        );
        this.maxEpochSeen = Math.max(this.maxEpochSeen, event.epoch);
        this.significant(event.consensus ? C_ELECTION : C_TAKEOVER, event.atMs, true);
        return;
      }
      case 'fault':
        this.significant(this.actionCode(event.action), event.atMs, true);
        return;
      case 'node-down': {
        const cause = event.cause === 'kill' ? 0 : event.cause === 'terminate' ? 1 : 2;
        this.significant(C_DOWN + cause * 2 + (event.wasPrimary ? 1 : 0), event.atMs, true);
        return;
      }
      case 'node-up':
        this.significant(C_UP, event.atMs, true);
        return;
      case 'data-lost':
        this.significant(C_DATA_LOST, event.atMs, false);
        return;
      case 'healed':
        this.significant(C_HEALED, event.atMs, true);
        return;
      default:
        return;
    }
  }

  private nodeState(event: Extract<ObservedEvent, { kind: 'node-state' }>): void {
    const index = Number(event.node.slice(5));
    if (!(index >= 0 && index < this.lastRole.length)) return;
    const role = event.role === 'primary' ? 1 : 0;
    const before = this.lastRole[index]!;
    const epochJump = bucketOf(event.currentEpoch - this.lastCurrentEpoch[index]!);
    const configMove = Math.sign(event.configEpoch - this.lastConfigEpoch[index]!) + 1;
    this.hit(featureIndex(K_ROLE, before + 1, role, epochJump, configMove * 2 + (event.slotCount > 0 ? 1 : 0)));
    this.lastRole[index] = role;
    this.lastCurrentEpoch[index] = event.currentEpoch;
    this.lastConfigEpoch[index] = event.configEpoch;
    this.maxEpochSeen = Math.max(this.maxEpochSeen, event.currentEpoch);
    if (before >= 0 && before !== role) this.significant(role === 1 ? C_TO_PRIMARY : C_TO_REPLICA, event.atMs, true);
    else this.sampleState();
  }

  /** A significant event: sequences, a boundary for deliveries, and a protocol-state sample. */
  private significant(code: number, atMs: number, boundary: boolean): void {
    this.hit(featureIndex(K_PAIR, this.previous, code));
    this.hit(featureIndex(K_TRIPLE, this.beforePrevious, this.previous, code));
    this.beforePrevious = this.previous;
    this.previous = code;
    if (boundary) {
      const slot = this.boundaryCount++ % BOUNDARIES;
      this.boundaryAtMs[slot] = atMs;
      this.boundaryCode[slot] = code;
      this.lastBoundaryAtMs = atMs;
    }
    this.sampleState();
  }

  private actionCode(action: string): number {
    let code = this.actionCodes.get(action);
    if (code === undefined) {
      const known = (ACTIONS as readonly string[]).indexOf(action);
      let hash = 0;
      for (let i = 0; i < action.length; i++) hash = (hash * 31 + action.charCodeAt(i)) % 16;
      code = known >= 0 ? known + 1 : 24 + hash;
      this.actionCodes.set(action, code);
    }
    return code;
  }

  /** Protocol state now: per shard and per node (module comment). */
  private sampleState(): void {
    const processes = this.world.processes;
    const pfailSeen = this.pfailSeen;
    const failSeen = this.failSeen;
    pfailSeen.fill(0);
    failSeen.fill(0);
    let shards = 0;
    for (const process of processes)
      if (process.createdShard !== null) shards = Math.max(shards, process.createdShard + 1);
    // Per viewer: whom it flags (failure flags seen by how many).
    for (const process of processes) {
      const server = process.server;
      if (server === null || process.state === PROCESS_DOWN) continue;
      for (const node of server.nodes) {
        if ((node.flags & (valkey.NODE_PFAIL | valkey.NODE_FAIL)) === 0 || node === server.myself) continue;
        const subject = this.world.identities.processOf(node.identity);
        if (subject < 0 || subject >= pfailSeen.length) continue;
        if ((node.flags & valkey.NODE_FAIL) !== 0) failSeen[subject] = failSeen[subject]! + 1;
        else pfailSeen[subject] = pfailSeen[subject]! + 1;
      }
    }
    let viewers = 0;
    for (const process of processes) if (process.server !== null && process.state !== PROCESS_DOWN) viewers++;
    for (const process of processes) {
      const state = process.state === PROCESS_RUNNING ? 0 : process.state === PROCESS_PAUSED ? 1 : 2;
      const server = process.server;
      const owner = server !== null && valkey.isVotingPrimary(server.myself) ? 1 : 0;
      const pfail = pfailSeen[process.index]!;
      const fail = failSeen[process.index]!;
      // As a share of the nodes that could see it (quorums count shares, not absolute numbers).
      const others = Math.max(1, viewers - (state === 2 ? 0 : 1));
      if (pfail > 0 || fail > 0 || state !== 0)
        this.hit(featureIndex(K_FLAGS, state * 2 + owner, shareOf(pfail, others), shareOf(fail, others)));
    }
    for (let shard = 0; shard < shards; shard++) this.sampleShard(shard);
  }

  private sampleShard(shard: number): void {
    let claimed = 0;
    let candidates = 0;
    let candidateEpoch = -1;
    let manual = 0;
    let maxVoterEpoch = 0;
    let votedAlready = 0;
    let voters = 0;
    const processes = this.world.processes;
    for (const process of processes) {
      const server = process.server;
      if (server === null || process.state === PROCESS_DOWN || process.createdShard !== shard) continue;
      if (valkey.isVotingPrimary(server.myself)) claimed++;
      else if (server.failoverAuthSent && server.failoverAuthTimeAtMs !== valkey.NEVER_MS) {
        candidates++;
        candidateEpoch = Math.max(candidateEpoch, server.failoverAuthEpoch);
      }
      if (server.mfEndAtMs !== valkey.NEVER_MS) manual = 1;
    }
    if (candidates > 0) {
      for (const process of processes) {
        const server = process.server;
        if (server === null || process.state === PROCESS_DOWN || !valkey.isVotingPrimary(server.myself)) continue;
        voters++;
        maxVoterEpoch = Math.max(maxVoterEpoch, server.currentEpoch);
        if (server.lastVoteEpoch >= candidateEpoch) votedAlready++;
      }
    }
    const order = candidates === 0 ? 0 : Math.sign(candidateEpoch - maxVoterEpoch) + 2;
    this.hit(
      featureIndex(
        K_SHARD,
        Math.min(claimed, 3),
        Math.min(candidates, 3),
        order * 2 + manual,
        shareOf(votedAlready, voters),
      ),
    );
  }

  /** NetworkTap: a delivery; a bus message sent before the newest boundary crossed some. */
  delivered(_from: number, _to: number, message: Message, _connectionKind: number, _nowMs: number): void {
    if (message.sentAtMs >= this.lastBoundaryAtMs || message.type > LAST_BUS_TYPE) return;
    const newest = this.boundaryCount - 1;
    const oldest = Math.max(0, this.boundaryCount - BOUNDARIES);
    let first = newest;
    while (first > oldest && this.boundaryAtMs[(first - 1) % BOUNDARIES]! > message.sentAtMs) first--;
    const crossed = newest - first + 1;
    this.hit(
      featureIndex(
        K_CROSSED,
        message.type,
        this.boundaryCode[first % BOUNDARIES]!,
        this.boundaryCode[newest % BOUNDARIES]!,
        bucketOf(crossed),
      ),
    );
  }
}
