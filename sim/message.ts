/**
 * What travels on the simulated wire: cluster-bus messages (the fields of Valkey's `clusterMsg`
 * header and the gossip entries the model reads), TCP control segments (connect, refuse, close)
 * and the replication stream, all as one pooled object type so that sending allocates nothing
 * once the pool is warm.
 *
 * A message is a snapshot taken at send time: the sender's epochs, flags, offset and slot claim
 * (`SlotSet`, immutable and shared) as they were then, which is what makes stale packets possible.
 * The network links messages into per-direction FIFO queues through `next`.
 */
import { BUS_MESSAGE_TYPES, busMessageTypeNumber } from '../core/scenario/semantics/message-types.ts';
import type { SlotSet } from './valkey/slot-set.ts';

/** Bus message types, numbered as Valkey numbers them (CLUSTERMSG_TYPE_*). */
export const MSG_PING = 0;
export const MSG_PONG = 1;
export const MSG_MEET = 2;
export const MSG_FAIL = 3;
export const MSG_PUBLISH = 4;
export const MSG_AUTH_REQUEST = 5;
export const MSG_AUTH_ACK = 6;
export const MSG_UPDATE = 7;
export const MSG_MFSTART = 8;
/** TCP control: SYN (connect), SYN-ACK (accepted), RST/FIN (refused or closed). */
export const MSG_SYN = 16;
export const MSG_SYNACK = 17;
export const MSG_CLOSE = 18;
/** Replication: the replica's PSYNC, the primary's answer, and the stream (writes and pings). */
export const MSG_REPL_PSYNC = 32;
export const MSG_REPL_REPLY = 33;
export const MSG_REPL_STREAM = 34;
/** A command other than a write in the stream (CLUSTER SETSLOT, then GETACK), and REPLCONF ACK back. */
export const MSG_REPL_COMMAND = 35;
export const MSG_REPL_ACK = 36;

/**
 * Names for the trace and the report: the bus types as core's table spells them (CLUSTER INFO
 * stats, the DSL's `drop.types`), then the model's own TCP and replication messages.
 */
export const MESSAGE_TYPE_NAMES: Record<number, string> = {
  ...Object.fromEntries(BUS_MESSAGE_TYPES.slice(0, MSG_MFSTART + 1).map((name, type) => [type, name])),
  [MSG_SYN]: 'syn',
  [MSG_SYNACK]: 'syn-ack',
  [MSG_CLOSE]: 'close',
  [MSG_REPL_PSYNC]: 'psync',
  [MSG_REPL_REPLY]: 'psync-reply',
  [MSG_REPL_STREAM]: 'repl-stream',
  [MSG_REPL_COMMAND]: 'repl-command',
  [MSG_REPL_ACK]: 'repl-ack',
};

/** The DSL's message type name to Valkey's type number. */
export function messageTypeByName(name: string): number {
  const type = busMessageTypeNumber(name);
  if (type < 0 || type > MSG_MFSTART) throw new Error(`unknown message type name ${name}`);
  return type;
}

/** mflags[0] bits. */
export const MFLAG_PAUSED = 1;
export const MFLAG_FORCEACK = 2;
export const MFLAG_EXT_DATA = 4;

export class Message {
  type = 0;
  /** Identity (interned node id) of `hdr.sender`. */
  sender = -1;
  currentEpoch = 0;
  /** A primary's configEpoch, or a replica's primary's. */
  configEpoch = 0;
  offset = 0;
  /** Identity of `hdr.replicaof`, -1 when the sender claims to be a primary. */
  replicaOf = -1;
  /** The sender's own node flags (`myself->flags`). */
  flags = 0;
  mflags = 0;
  /** `hdr.myslots`: its own slots if primary, its primary's if replica. */
  slots: SlotSet | null = null;
  /** The SHARDID ping extension, -1 when no extensions were written. */
  shardId = -1;
  /** FORGOTTEN_NODE ping extensions: the blacklisted node ids and their remaining TTL in seconds. */
  forgottenCount = 0;
  forgottenIdentity = new Int32Array(2);
  forgottenTtlSec = new Float64Array(2);
  /** A replicated CLUSTER SETSLOT: its op and slot (the node is `about`). */
  commandOp = 0;
  commandSlot = -1;
  /** FAIL and UPDATE: the node the message is about. UPDATE also carries its epoch and slots. */
  about = -1;
  aboutConfigEpoch = 0;
  aboutSlots: SlotSet | null = null;
  /**
   * Gossip entries: identity, flags, pong_received in seconds, address. Not ping_sent: 8.0.1's
   * clusterProcessGossipSection never reads it.
   */
  gossipCount = 0;
  gossipIdentity = new Int32Array(4);
  gossipFlags = new Int32Array(4);
  /** Whole seconds of a small clock (see VALKEY_CLOCK_OFFSET_MS): int32, so times read from it stay small integers. */
  gossipPongReceivedSec = new Int32Array(4);
  gossipAddress = new Int32Array(4);
  /** Replication: the replication id and whether the reply is a full resync. */
  replId = 0;
  fullSync = false;
  /** The stream: the write it carries (key -1: none; seq 0: DEL), and a GETACK behind it. */
  key = -1;
  seq = 0;
  getAck = false;
  /** A PSYNC answer: the primary's run id, its data (full sync) or the writes missed (partial). */
  runId = 0;
  snapshot: Float64Array | null = null;
  writes: number[] | null = null;
  /** A full sync's open slots (the RDB's `cluster-slot-states`): [slot, importing 1|0, node identity]... */
  openSlots: number[] | null = null;

  /** Network bookkeeping: the next message in the direction queue and when it may arrive. */
  next: Message | null = null;
  arriveAtMs = 0;
  /** When the sender wrote it; set only while a report is recorded (sim/recorder.ts). */
  sentAtMs = 0;

  ensureGossipCapacity(count: number): void {
    if (count <= this.gossipIdentity.length) return;
    let capacity = this.gossipIdentity.length;
    while (capacity < count) capacity *= 2;
    this.gossipIdentity = growInt(this.gossipIdentity, capacity);
    this.gossipFlags = growInt(this.gossipFlags, capacity);
    this.gossipAddress = growInt(this.gossipAddress, capacity);
    this.gossipPongReceivedSec = growInt(this.gossipPongReceivedSec, capacity);
  }

  ensureForgottenCapacity(count: number): void {
    if (count <= this.forgottenIdentity.length) return;
    let capacity = this.forgottenIdentity.length;
    while (capacity < count) capacity *= 2;
    this.forgottenIdentity = growInt(this.forgottenIdentity, capacity);
    this.forgottenTtlSec = growFloat(this.forgottenTtlSec, capacity);
  }
}

/** Recycles messages: the network releases each one after delivery or loss. */
export class MessagePool {
  private readonly free: Message[] = [];
  /** Live messages (for the memory bound and leak checks). */
  live = 0;

  /**
   * A message of `type`. Only the fields some sender leaves unset are reset: every bus message
   * gets its whole header from fillHeader, and each other type sets what its receiver reads.
   */
  acquire(type: number): Message {
    const message = this.free.pop() ?? new Message();
    message.type = type;
    message.mflags = 0;
    message.shardId = -1;
    message.forgottenCount = 0;
    message.about = -1;
    message.gossipCount = 0;
    this.live++;
    return message;
  }

  release(message: Message): void {
    message.slots = null;
    message.aboutSlots = null;
    message.snapshot = null;
    message.writes = null;
    message.openSlots = null;
    message.next = null;
    this.live--;
    if (this.free.length < 4096) this.free.push(message);
  }
}

function growInt(array: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(capacity);
  out.set(array);
  return out;
}

function growFloat(array: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(capacity);
  out.set(array);
  return out;
}
