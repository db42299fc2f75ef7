/**
 * What the cluster code asks of a node's keys (8.0.1's kvstoreSize, countKeysInSlot,
 * delKeysInSlot, emptyData, and the key movement of MIGRATE), as one interface, so the cluster
 * model does not depend on how data is modelled.
 *
 * The hook for the data model: a server starts with `UnmodelledKeyspace`; the data model replaces
 * `server.keyspace` with its own implementation when it builds a server, and the cluster rules
 * (CLUSTER RESET and REPLICATE refusing a primary that holds keys, SETSLOT NODE refusing to give
 * away a slot that still holds keys, the dirty slots a primary deletes when it loses slots, the
 * keys migrate_slots moves) then act on real keys.
 */
import type { ReplicationState } from './replication-state.ts';

export interface Keyspace {
  /** kvstoreSize(db[0].keys): how many keys the node holds. */
  keyCount(): number;
  /** countKeysInSlot. */
  countKeysInSlot(slot: number): number;
  /** delKeysInSlot: the node drops the keys of a slot it no longer serves; returns how many. */
  deleteKeysInSlot(slot: number): number;
  /** emptyData: a reset replica drops everything. */
  flush(): void;
  /**
   * MIGRATE of every key of `slot` to `target` (RESTORE there, DEL here), as migrate_slots does it
   * a batch at a time; returns how many keys moved.
   */
  migrateSlot(slot: number, target: Keyspace): number;
}

/**
 * Keys are not modelled: only whether the node holds data, read from its replication offset
 * having moved since it started or was last flushed (the offset moves with every write, and also
 * with a primary's replication PINGs, so a primary with replicas reads as holding data). Per-slot
 * counts are unknown and read as 0, so SETSLOT never refuses for keys and migrate_slots moves none.
 */
export class UnmodelledKeyspace implements Keyspace {
  private flushedAtOffset = 0;

  constructor(private readonly replication: ReplicationState) {}

  keyCount(): number {
    return this.replication.offset > this.flushedAtOffset ? 1 : 0;
  }

  countKeysInSlot(_slot: number): number {
    return 0;
  }

  deleteKeysInSlot(_slot: number): number {
    return 0;
  }

  flush(): void {
    this.flushedAtOffset = this.replication.offset;
  }

  migrateSlot(_slot: number, _target: Keyspace): number {
    return 0;
  }
}
