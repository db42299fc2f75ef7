/**
 * Clients a primary keeps blocked until its replicas ack an offset: WAIT after a write (wait.ts)
 * and CLUSTER SETSLOT (slot-migration.ts). The shapes only, so the server's state (server.ts) can
 * hold them without depending on the rules that serve them.
 */
import type { Connection } from '../connection.ts';

export interface ClientWait {
  key: number;
  seq: number;
  /** The stream offset right after the write. */
  offset: number;
  needed: number;
  deadlineAtMs: number;
}

export const SETSLOT_MIGRATING = 0;
export const SETSLOT_IMPORTING = 1;
export const SETSLOT_STABLE = 2;
export const SETSLOT_NODE = 3;
export type SetSlotOp =
  | typeof SETSLOT_MIGRATING
  | typeof SETSLOT_IMPORTING
  | typeof SETSLOT_STABLE
  | typeof SETSLOT_NODE;

/** A SETSLOT blocked on a primary until its replicas ack it (blockClientForReplicaAck). */
export interface SetSlotWait {
  readonly slot: number;
  readonly op: SetSlotOp;
  readonly nodeIdentity: number;
  /** Acks must reach this offset: the stream offset before the command, plus one. */
  readonly targetOffset: number;
  readonly needed: number;
  readonly acked: Connection[];
  readonly reply: (error: string | null) => void;
}
