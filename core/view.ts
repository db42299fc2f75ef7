/**
 * The backend-neutral cluster view: what each node reports about itself and about the others,
 * at one moment. The simulator builds it from its model, the real backend from CLUSTER NODES,
 * CLUSTER INFO and INFO replication. Invariants (core/invariants) read only this and the events.
 */

export type Role = 'primary' | 'replica';

/** Process state as the backend injected it (not as peers believe it). */
export type ProcessState = 'running' | 'paused' | 'down';

/** A slot range, both ends inclusive, as CLUSTER NODES prints it. */
export type SlotRange = readonly [start: number, end: number];

/** How one node sees another (one line of its CLUSTER NODES). */
export interface PeerView {
  id: string;
  /** Valkey's flag words: myself, master, slave, fail?, fail, handshake, noaddr, nofailover. */
  flags: string[];
  role: Role;
  /** Node id of its primary, or null. */
  replicaOf: string | null;
  /** The epoch column: a replica shows its primary's configEpoch. */
  configEpoch: number;
  slots: SlotRange[];
  /** ip:port@cport, or ':0@0' for noaddr. */
  address: string;
  /** Whether the observing node has an outbound link to it (`connected`). */
  linkConnected: boolean;
}

export interface NodeView {
  /** Stable scenario name, `node-K` in creation order. */
  name: string;
  /** Scenario shard index the node was created in (or added to); null for a node added as empty primary. */
  createdShard: number | null;
  process: ProcessState;
  /** Below here: what the node reports. Absent (null) for a node that is down or does not answer. */
  report: NodeReport | null;
}

export interface NodeReport {
  id: string;
  shardId: string;
  address: string;
  role: Role;
  replicaOf: string | null;
  flags: string[];
  configEpoch: number;
  currentEpoch: number;
  /** Not visible on the real backend (null there); the simulator reports it. */
  lastVoteEpoch: number | null;
  /** Slots this node owns in its own view. */
  slots: SlotRange[];
  clusterState: 'ok' | 'fail';
  /** primary: master_repl_offset; replica: processed offset. */
  replOffset: number;
  /** Replicas: master_link_status up. Primaries: null. */
  replLinkUp: boolean | null;
  /** Every node it knows, itself included (flag `myself`). */
  peers: PeerView[];
  /**
   * A digest of the node's data set (keys and values), so replicas can be compared with their
   * primary. Null when the backend cannot read it (a paused node, for instance).
   */
  dataDigest: string | null;
}

export interface ClusterView {
  /** Simulated ms on the simulator, ms since the cluster was ready on the real backend. */
  atMs: number;
  step: number;
  nodes: NodeView[];
}
