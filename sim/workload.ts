/**
 * The client workload: writes at `writes_per_sec`, each `SET key:<n> <seq>` to a random key, sent
 * to the node the client believes owns the key's slot (a slot map refreshed on MOVED, CLUSTERDOWN or
 * an unreachable node, as cluster clients do), then `WAIT <wait_replicas> <timeout>`. A write is
 * acknowledged when SET succeeded and WAIT reached that many replicas: a 'write-acked' event with
 * the nodes that then hold it (exactly: the simulator knows every node's data) as `holders` and
 * `copies`. At the end of a run that converged, every acknowledged key is read back from the
 * primary that owns its slot ('read-back'), with the history of the value read, so that a write
 * lost on a branch that a later write hides is still seen (write-lineage.ts).
 *
 * Many clients in effect: writes are issued at the rate whatever the waits in flight. One write
 * is one scheduler event; its WAIT ends in an event of the primary (wait.ts).
 */
import type { ObservedEvent } from '../core/events.ts';
import type { Rng } from '../core/rng.ts';
import type { Workload } from '../core/scenario/types.ts';
import { T_WRITE } from './trace.ts';
import * as valkey from './valkey/index.ts';
import { CLUSTER_OK, CLUSTER_SLOTS } from './valkey/index.ts';
import { WriteLineage } from './write-lineage.ts';
import { EV_WORKLOAD, type World, type WorldWorkload } from './world.ts';

/** A client refreshes its whole slot map at most this often (cluster clients throttle it). */
export const ROUTE_REFRESH_MS = 1000;
/** WAIT's timeout: the real backend's choice, min(node_timeout, 1 s). */
export function waitTimeoutMs(nodeTimeoutMs: number): number {
  return Math.min(nodeTimeoutMs, 1000);
}

/** The last field of a T_WRITE trace record. */
const WRITE_REFUSED = 0;
const WRITE_ACCEPTED = 1;
const WRITE_BLOCKED = 2;
/** writableServer's answer for a write that blocks (a shutdown paused writes). */
const BLOCKED = 'blocked';

export class ClientWorkload implements WorldWorkload {
  /** The client's slot map: process index per slot, -1 unknown. */
  private readonly route = new Int16Array(CLUSTER_SLOTS).fill(-1);
  private readonly keyNames: string[];
  /** Per key, the oldest acknowledged seq (0: none yet): read-back histories reach down to it. */
  private readonly oldestAckedSeq: Float64Array;
  /** Per key, the last acknowledged seq (0: none yet), a shortcut for the lineage walk. */
  private readonly lastAckedSeq: Float64Array;
  private readonly lineage = new WriteLineage();
  private readonly soleHolders: string[][] = [];
  private readonly ackEvent: Extract<ObservedEvent, { kind: 'write-acked' }> = {
    kind: 'write-acked',
    atMs: 0,
    key: '',
    seq: 0,
    node: '',
    holders: [],
    copies: 0,
    extendsSeq: null,
  };
  private readonly waitTimeout: number;
  private writes = 0;
  private startAtMs = 0;
  private refreshedAtMs = -ROUTE_REFRESH_MS;
  accepted = 0;
  refused = 0;
  /** Writes sent to a node whose shutdown paused writes: they never ran (see writableServer). */
  blocked = 0;
  acked = 0;
  /** Keys whose last acknowledged write the read-back did not find (set by readBack; a figure, not a verdict). */
  lostKeys = 0;

  constructor(
    private readonly world: World,
    private readonly workload: Workload,
    private readonly rng: Rng,
  ) {
    const keys = Math.max(1, workload.keys);
    this.keyNames = [];
    for (let key = 0; key < keys; key++) this.keyNames.push(`key:${key}`);
    this.oldestAckedSeq = new Float64Array(keys);
    this.lastAckedSeq = new Float64Array(keys);
    this.waitTimeout = waitTimeoutMs(world.cluster.nodeTimeoutMs);
  }

  /** Begins writing now, with the slot map learned from `seedProcess`'s view. */
  start(seedProcess: number): void {
    if (this.workload.writesPerSec <= 0 || this.workload.keys <= 0) return;
    this.refreshRoute(seedProcess);
    this.startAtMs = this.world.nowMs;
    this.world.workload = this;
    this.scheduleNext();
  }

  /**
   * GET of every acknowledged key from the primary that owns its slot, as the views now agree
   * (the first running node's slot table), emitted as 'read-back' events in key order.
   */
  readBack(): void {
    const world = this.world;
    const observer = world.processes.find((process) => process.running && process.server !== null)?.server ?? null;
    if (observer === null) return;
    for (let key = 0; key < this.oldestAckedSeq.length; key++) {
      const oldest = this.oldestAckedSeq[key]!;
      if (oldest === 0) continue;
      const owner = observer.ownerOf(valkey.slotOfKey(key));
      if (owner === null || owner.address < 0) continue;
      const process = world.processes[owner.address];
      if (process === undefined || !process.running || process.server === null) continue;
      const value = process.server.keyspace.get(key);
      const history = this.lineage.history(value, oldest);
      // Held as events.ts reads a history: listed, or older than its last (complete) entry.
      const last = this.lastAckedSeq[key]!;
      if (value === 0 || !(history.includes(last) || last < history[history.length - 1]!)) this.lostKeys++;
      world.emit({
        kind: 'read-back',
        atMs: world.clockMs,
        key: this.keyNames[key]!,
        seq: value === 0 ? null : value,
        node: process.name,
        history,
      });
    }
  }

  private scheduleNext(): void {
    const atMs = this.startAtMs + Math.floor(((this.writes + 1) * 1000) / this.workload.writesPerSec);
    this.world.scheduler.schedule(Math.max(atMs, this.world.nowMs), EV_WORKLOAD, 0, null);
  }

  /** WorldWorkload: the workload's timer fired, the next write. */
  onWorkloadEvent(): void {
    this.writes++;
    const key = this.rng.int(this.workload.keys);
    const slot = valkey.slotOfKey(key);
    const target = this.route[slot]!;
    const server = target >= 0 ? this.writableServer(target, slot, key) : null;
    let outcome = WRITE_REFUSED;
    if (server === BLOCKED) {
      this.blocked++;
      outcome = WRITE_BLOCKED;
    } else if (server !== null) {
      this.accepted++;
      this.apply(server, server.processIndex, key);
      outcome = WRITE_ACCEPTED;
    } else {
      this.refused++;
    }
    this.world.trace.record(this.world.clockMs, T_WRITE, key, target, outcome);
    this.scheduleNext();
  }

  /** SET on the primary, then WAIT (none to wait for with wait_replicas 0: acknowledged now). */
  private apply(server: valkey.ValkeyServer, target: number, key: number): void {
    const waitReplicas = this.workload.waitReplicas;
    const seq = this.lineage.add(server.keyspace.get(key));
    server.keyspace.clientWrite(key, seq, waitReplicas > 0);
    if (waitReplicas > 0) valkey.blockForReplicas(server, key, seq, waitReplicas, this.waitTimeout);
    else this.onWriteAcked(target, key, seq);
  }

  /**
   * The server that takes a SET on `target`: a primary that owns the slot, is ok and not paused
   * for a manual failover; while the slot migrates and the key is no longer there, the import's
   * target after -ASK (and ASKING). Else null, after what the client learns from the refusal, or
   * BLOCKED: the node is shutting down and has paused client writes (sim/valkey/shutdown.ts), so
   * the SET waits unanswered until the node exits and never runs.
   */
  private writableServer(target: number, slot: number, key: number): valkey.ValkeyServer | typeof BLOCKED | null {
    const process = this.world.processes[target]!;
    const server = process.server;
    if (!process.running || server === null) {
      this.refreshFromRandomNode();
      return null;
    }
    // The primary's own slot set says whether it owns the slot, without a read of its 16384-entry
    // owner table (a cache miss per write); the table names the owner only for the -MOVED.
    const myself = server.myself;
    if (!valkey.isPrimary(myself) || !server.slotsOf(myself).has(slot)) {
      // -MOVED <slot> <owner>: the client fixes that slot (or, with no owner, asks for all).
      const owner = server.ownerOf(slot);
      if (owner === myself && valkey.isPrimary(myself))
        throw new Error(`workload: ${myself.name}'s slot set and owner table disagree on slot ${slot}`);
      if (owner === null) this.refreshRoute(target);
      else this.route[slot] = owner.address;
      return null;
    }
    if (server.state !== CLUSTER_OK) {
      // -CLUSTERDOWN: the client asks another node for the slot map (the shard may have moved on).
      this.refreshFromRandomNode();
      return null;
    }
    if (server.nowMs < server.writesPausedUntilMs) return null;
    const migratingTo = server.migratingSlotsTo.size === 0 ? undefined : server.migratingSlotsTo.get(slot);
    if (migratingTo !== undefined && server.keyspace.get(key) === 0) return this.askedServer(migratingTo.address, slot);
    // pauseActions(PAUSE_DURING_SHUTDOWN): processCommand blocks a write it would run, after the
    // cluster redirections (server.c 8.0.1 processCommand).
    if (valkey.shutdownInitiated(server)) return BLOCKED;
    return server;
  }

  /** -ASK <slot> <node>: ASKING, then the SET on the node importing the slot, if it is. */
  private askedServer(address: number, slot: number): valkey.ValkeyServer | typeof BLOCKED | null {
    const process = this.world.processes[address];
    const server = process?.server ?? null;
    if (process === undefined || !process.running || server === null) return null;
    if (!valkey.isPrimary(server.myself) || !server.importingSlotsFrom.has(slot)) return null;
    if (server.state !== CLUSTER_OK || server.nowMs < server.writesPausedUntilMs) return null;
    if (valkey.shutdownInitiated(server)) return BLOCKED;
    return server;
  }

  /** WorldWorkload: the client got its acknowledgement (WAIT satisfied): who holds the write now, exactly. */
  onWriteAcked(processIndex: number, key: number, seq: number): void {
    const world = this.world;
    this.acked++;
    const floor = this.oldestAckedSeq[key]!;
    const extendsSeq = this.lineage.newestAckedAncestor(seq, floor === 0 ? seq : floor, this.lastAckedSeq[key]!);
    this.lineage.markAcked(seq);
    this.lastAckedSeq[key] = seq;
    if (floor === 0) this.oldestAckedSeq[key] = seq;
    const node = world.processes[processIndex]!.name;
    // WAIT 0: the primary alone holds it; events never change, so they share one array per node.
    const holders = this.workload.waitReplicas === 0 ? this.soleHolder(processIndex) : this.holdersOf(key, seq);
    // extendsSeq always set (one object shape for every ack): null also when the lineage forgot.
    // One event object for every ack, refilled: the world's consumers copy what they keep (an
    // allocation per write was a fifth of the simulator's garbage).
    const event = this.ackEvent;
    event.atMs = world.clockMs;
    event.key = this.keyNames[key]!;
    event.seq = seq;
    event.node = node;
    event.holders = holders;
    event.copies = holders.length;
    event.extendsSeq = extendsSeq ?? null;
    world.emitWriteAcked(event, processIndex, key);
  }

  private soleHolder(processIndex: number): string[] {
    let holders = this.soleHolders[processIndex];
    if (holders === undefined) {
      holders = [this.world.processes[processIndex]!.name];
      this.soleHolders[processIndex] = holders;
    }
    return holders;
  }

  /** Every node (running or paused: the data is in its memory) whose value descends from the write. */
  private holdersOf(key: number, seq: number): string[] {
    const holders: string[] = [];
    for (const process of this.world.processes) {
      const server = process.server;
      if (server !== null && this.lineage.descends(server.keyspace.get(key), seq)) holders.push(process.name);
    }
    return holders;
  }

  /** CLUSTER SLOTS from one node: its owner table, as process indices. */
  private refreshRoute(from: number): void {
    const server = this.world.processes[from]!.server;
    if (server === null || this.world.nowMs - this.refreshedAtMs < ROUTE_REFRESH_MS) return;
    this.refreshedAtMs = this.world.nowMs;
    this.route.fill(-1);
    for (const node of server.nodes) {
      if (node.numSlots === 0) continue;
      const ranges = server.slotsOf(node).ranges;
      for (let i = 0; i < ranges.length; i += 2) this.route.fill(node.address, ranges[i]!, ranges[i + 1]! + 1);
    }
  }

  private refreshFromRandomNode(): void {
    if (this.world.nowMs - this.refreshedAtMs < ROUTE_REFRESH_MS) return;
    const running: number[] = [];
    for (const process of this.world.processes) if (process.running) running.push(process.index);
    if (running.length > 0) this.refreshRoute(this.rng.pick(running));
  }
}
