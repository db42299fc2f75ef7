/**
 * The simulator's side of a run's event record (core/report/record.ts), attached only when a
 * report is asked for. It listens where the simulator already knows everything: the trace (process
 * changes, plan phases, drops, observed events), the network (each bus message delivered, with the
 * send time and the claim it carried) and the end of each server turn (how that node now sees its
 * peers). It only reads: it draws no random numbers and schedules nothing, so a recorded run takes
 * the same steps and gives the same trace hash as an unrecorded one.
 */
import {
  BELIEF_FAIL,
  BELIEF_HANDSHAKE,
  BELIEF_PFAIL,
  BELIEF_PRIMARY,
  BELIEF_UNKNOWN,
  MARK_DROPPED,
  MARK_LOST,
  MARK_STALE,
  MARK_WAITED,
  RecordBuilder,
  type ProcessStateName,
} from '../core/report/record.ts';
import type { ObservedEvent } from '../core/events.ts';
import { MESSAGE_TYPE_NAMES, type Message } from './message.ts';
import { CONN_BUS } from './connection.ts';
import { PROCESS_STATE_NAMES } from './process.ts';
import { T_DROP, T_LOST, T_PLAN, T_PROCESS } from './trace.ts';
import * as valkey from './valkey/index.ts';
import type { World } from './world.ts';

/** What the trace hands a tap: every record, and every observed event. */
export interface TraceTap {
  record(atMs: number, code: number, a: number, b: number, c: number): void;
  event(event: ObservedEvent): void;
}

/** What the network hands a tap: each message as it is delivered to its receiver. */
export interface NetworkTap {
  delivered(from: number, to: number, message: Message, connectionKind: number, nowMs: number): void;
}

/** A message this much later than sent counts as waited (held by a pause or a partition). */
const WAITED_MS = 500;

export class SimRecorder implements TraceTap, NetworkTap {
  readonly builder = new RecordBuilder();
  private readonly typeOf = new Int16Array(256).fill(-1);
  private readonly seen: Uint8Array;
  /** The last belief code passed on per (observer, subject): most turns change none, and this skips the builder's map. */
  private readonly lastCode: Int8Array;

  constructor(private readonly world: World) {
    this.seen = new Uint8Array(world.capacity);
    this.lastCode = new Int8Array(world.capacity * world.capacity).fill(-1);
    for (let i = 0; i < world.capacity; i++) this.builder.node(`node-${i}`);
    world.trace.tap = this;
    world.network.tap = this;
    world.tap = this;
  }

  /** Names the plan's steps (the runner knows them once the plan exists). */
  planAction: (faultId: number) => string = () => '?';

  record(atMs: number, code: number, a: number, b: number, c: number): void {
    switch (code) {
      case T_PROCESS:
        this.builder.process(atMs, `node-${a}`, PROCESS_STATE_NAMES[b] as ProcessStateName);
        return;
      case T_PLAN:
        this.builder.plan(atMs, a, b, this.planAction(a));
        return;
      case T_DROP:
        this.builder.message(atMs, atMs, a, b, this.type(c & 255), MARK_DROPPED, -1);
        return;
      case T_LOST:
        if (c >> 8 === CONN_BUS && (c & 255) < 16)
          this.builder.message(atMs, atMs, a, b, this.type(c & 255), MARK_LOST, -1);
        return;
    }
  }

  event(event: ObservedEvent): void {
    this.builder.event(event);
  }

  delivered(from: number, to: number, message: Message, connectionKind: number, nowMs: number): void {
    if (connectionKind !== CONN_BUS) return;
    const claimsPrimary = message.replicaOf === -1;
    const claim = (claimsPrimary ? 1 : 0) + 2 * message.configEpoch;
    let mark = nowMs - message.sentAtMs >= WAITED_MS ? MARK_WAITED : 0;
    // Stale: the sender no longer is what the message says (its role or its epoch moved on).
    const sender = this.world.processes[from]?.server ?? null;
    if (sender !== null) {
      const myself = sender.myself;
      if (valkey.isPrimary(myself) !== claimsPrimary || valkey.nodeEpoch(myself) > message.configEpoch)
        mark |= MARK_STALE;
    }
    this.builder.message(message.sentAtMs, nowMs, from, to, this.type(message.type), mark, claim);
  }

  /** The end of a server turn: how `index` now sees each peer (recorded when that changed). */
  turnEnded(index: number): void {
    const server = this.world.processes[index]?.server ?? null;
    if (server === null) return;
    const atMs = this.world.nowMs;
    const seen = this.seen;
    seen.fill(0);
    for (const node of server.nodes) {
      if (node === server.myself) continue;
      const subject = this.world.identities.processOf(node.identity);
      if (subject < 0 || subject === index) continue;
      seen[subject] = 1;
      const flags = node.flags;
      const code =
        ((flags & valkey.NODE_PFAIL) !== 0 ? BELIEF_PFAIL : 0) |
        ((flags & valkey.NODE_FAIL) !== 0 ? BELIEF_FAIL : 0) |
        ((flags & (valkey.NODE_HANDSHAKE | valkey.NODE_NOADDR)) !== 0 ? BELIEF_HANDSHAKE : 0) |
        (valkey.isPrimary(node) ? BELIEF_PRIMARY : 0);
      this.believe(atMs, index, subject, code);
    }
    for (let subject = 0; subject < this.world.processes.length; subject++) {
      if (subject !== index && seen[subject] === 0) this.believe(atMs, index, subject, BELIEF_UNKNOWN);
    }
  }

  private believe(atMs: number, observer: number, subject: number, code: number): void {
    const at = observer * this.world.capacity + subject;
    if (this.lastCode[at] === code) return;
    this.lastCode[at] = code;
    this.builder.belief(atMs, observer, subject, code);
  }

  private type(code: number): number {
    let index = this.typeOf[code]!;
    if (index < 0) {
      index = this.builder.messageType(MESSAGE_TYPE_NAMES[code] ?? `type-${code}`);
      this.typeOf[code] = index;
    }
    return index;
  }
}
