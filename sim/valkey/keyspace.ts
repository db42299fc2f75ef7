/**
 * What the cluster code asks of a node's keys (8.0.1's kvstoreSize, countKeysInSlot,
 * delKeysInSlot, emptyData, and the key movement of MIGRATE), as one interface, so the cluster
 * model does not depend on how data is modelled.
 *
 * The data model (data-keyspace.ts) implements it, so the cluster rules (CLUSTER RESET and
 * REPLICATE refusing a primary that holds keys, SETSLOT NODE refusing to give away a slot that
 * still holds keys, the dirty slots a primary deletes when it loses slots, the keys migrate_slots
 * moves) act on real keys.
 */
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
