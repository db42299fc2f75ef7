/**
 * The shape of a saved nodes.conf (protocol reference §4.6), kept as a structured snapshot rather
 * than text: what nodes-conf.ts writes and server-boot.ts loads.
 */
import type { SlotSet } from './slot-set.ts';

export interface NodesConfEntry {
  name: string;
  /** Process index standing for ip:port@cport; -1 for noaddr. */
  address: number;
  flags: number;
  primary: string | null;
  pingSent: boolean;
  pongReceived: boolean;
  /** The epoch column: a replica's is its primary's configEpoch. */
  epoch: number;
  slots: SlotSet;
  shardId: number;
}

export interface OpenSlotEntry {
  slot: number;
  migrating: boolean;
  node: string;
}

export interface NodesConf {
  entries: NodesConfEntry[];
  /** Open slots on the myself line, by slot: `[slot->-id]` migrating, `[slot-<-id]` importing. */
  openSlots: OpenSlotEntry[];
  currentEpoch: number;
  lastVoteEpoch: number;
}
