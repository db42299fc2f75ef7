/**
 * The client workload: writes at `writes_per_sec`, each to a random key, sent to the node the
 * client believes owns the key's slot (a slot map refreshed on MOVED or an unreachable node, as
 * cluster clients do). An accepted write grows the primary's replication offset, which the
 * replicas follow. One write is one scheduler event.
 *
 * Not yet (the writes issue): WAIT, acknowledged writes and read-backs, and data as history.
 */
import type { Workload } from '../core/scenario/types.ts';
import type { Rng } from '../core/rng.ts';
import { keySlot } from './key-slot.ts';
import { T_WRITE } from './trace.ts';
import * as valkey from './valkey/index.ts';
import { CLUSTER_OK, CLUSTER_SLOTS } from './valkey/index.ts';
import { EV_WORKLOAD, type World } from './world.ts';

/** Bytes one SET adds to the replication stream (a short key and value). */
export const WRITE_BYTES = 40;
/** A client refreshes its whole slot map at most this often (cluster clients throttle it). */
export const ROUTE_REFRESH_MS = 1000;

export class ClientWorkload {
  private readonly slotOfKey: Int16Array;
  /** The client's slot map: process index per slot, -1 unknown. */
  private readonly route = new Int16Array(CLUSTER_SLOTS).fill(-1);
  private writes = 0;
  private startAtMs = 0;
  private refreshedAtMs = -ROUTE_REFRESH_MS;
  accepted = 0;
  refused = 0;

  constructor(
    private readonly world: World,
    private readonly workload: Workload,
    private readonly rng: Rng,
  ) {
    this.slotOfKey = new Int16Array(Math.max(1, workload.keys)).fill(-1);
  }

  /** Begins writing now, with the slot map learned from `seedProcess`'s view. */
  start(seedProcess: number): void {
    if (this.workload.writesPerSec <= 0 || this.workload.keys <= 0) return;
    this.refreshRoute(seedProcess);
    this.startAtMs = this.world.nowMs;
    this.world.onWorkloadEvent = () => this.write();
    this.scheduleNext();
  }

  private scheduleNext(): void {
    const atMs = this.startAtMs + Math.floor(((this.writes + 1) * 1000) / this.workload.writesPerSec);
    this.world.scheduler.schedule(Math.max(atMs, this.world.nowMs), EV_WORKLOAD, 0, null);
  }

  private write(): void {
    this.writes++;
    const key = this.rng.int(this.workload.keys);
    const slot = this.slotOf(key);
    const target = this.route[slot]!;
    const accepted = target >= 0 && this.tryWrite(target, slot);
    if (accepted) this.accepted++;
    else this.refused++;
    this.world.trace.record(this.world.nowMs, T_WRITE, key, target, accepted ? 1 : 0);
    this.scheduleNext();
  }

  /** A SET on `target`: accepted by a primary that owns the slot, is ok and not paused for MF. */
  private tryWrite(target: number, slot: number): boolean {
    const process = this.world.processes[target]!;
    const server = process.server;
    if (!process.running || server === null) {
      this.refreshFromRandomNode();
      return false;
    }
    const owner = server.slots[slot];
    if (owner !== server.myself || !valkey.isPrimary(server.myself)) {
      // -MOVED <slot> <owner>: the client fixes that slot (or, with no owner, asks for all).
      if (owner === null || owner === undefined) this.refreshRoute(target);
      else this.route[slot] = owner.address;
      return false;
    }
    if (server.state !== CLUSTER_OK || server.nowMs < server.writesPausedUntilMs) return false;
    valkey.feedStream(server, WRITE_BYTES);
    return true;
  }

  private slotOf(key: number): number {
    let slot = this.slotOfKey[key]!;
    if (slot < 0) {
      slot = keySlot(`key:${key}`);
      this.slotOfKey[key] = slot;
    }
    return slot;
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
    const running = this.world.processes.filter((process) => process.running);
    if (running.length > 0) this.refreshRoute(this.rng.pick(running).index);
  }
}
