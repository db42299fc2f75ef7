/**
 * Replication as offsets (replication.c's state, reduced to what the cluster bus reads): the
 * replication id and offset a node serves, and, on a replica, the link to its primary with the
 * bookkeeping behind the failover data-age gate (`last_interaction`, `repl_down_since`).
 * The protocol that changes it is in replication.ts.
 */
import type { Connection } from '../connection.ts';
import { DEL_STREAM_BYTES, NEVER_MS, REPL_BACKLOG_BYTES } from './constants.ts';
import type { ClientWait } from './blocked-clients.ts';
import { WriteBacklog } from './write-backlog.ts';

/** server.repl_state, collapsed: no primary, should connect, handshake in flight, streaming. */
export const REPL_NONE = 0;
export const REPL_CONNECT = 1;
export const REPL_CONNECTING = 2;
export const REPL_CONNECTED = 3;

/**
 * The replica's end of a replication connection (the connection's initiator endpoint), with the
 * offset its last REPLCONF ACK reported: the ACK a replica sends once a second from replicationCron
 * and when a full sync ends (replication.c 8.0.1 lines 4534 and 2392). The primary reads it here
 * as the ACK's arrival (`repl_ack_off`), with no message on the wire: a message a second per
 * replica would move every run's network draws and trace, and only the shutdown rule reads these
 * ACKs (shutdown.ts); WAIT and SETSLOT get theirs from the answers to their GETACKs. What that
 * leaves out: the ACK's transit (under a millisecond), and an ACK that a partition would hold
 * until it lifts (here it is lost; the next one, a second later, says more).
 */
export class ReplicaEnd {
  /** The offset the replica last acknowledged on this connection; -1 before its first ACK. */
  ackedOffset = -1;
}

export class ReplicationState {
  /** server.replid / replid2 / second_replid_offset (ids are world-unique integers). */
  replId = 0;
  replId2 = -1;
  secondReplIdOffset = -1;
  /** server.primary_repl_offset: what this node has (a primary: written; a replica: processed). */
  offset = 0;
  /** First offset the backlog holds, -1 when there is no backlog (fresh start). */
  backlogStartOffset = -1;
  /**
   * The writes of the backlog, for the data a partial resync sends (write-backlog.ts): room for a
   * whole byte backlog of the smallest write, so the byte rule of PSYNC always decides first.
   */
  readonly writes = new WriteBacklog(Math.ceil(REPL_BACKLOG_BYTES / DEL_STREAM_BYTES) + 1);
  /** server.runid: a new one each time the process starts (its data starts empty then). */
  readonly runId: number = 0;

  /** Replica side: the primary's address (server.primary_host), -1 when none. */
  primaryAddress = -1;
  state = REPL_NONE;
  connection: Connection | null = null;
  handshakeStartedAtMs = NEVER_MS;
  /** A primary client or a cached primary exists: the replica offset is known (else it reads 0). */
  cached = false;
  lastInteractionAtMs = NEVER_MS;
  /** repl_down_since; 0 when unset (a restart), which reads as a huge data age. */
  downSinceAtMs = NEVER_MS;
  /**
   * The primary (address and run id) whose full sync last replaced my data, -1 when none since I
   * was last a primary: a full sync from the same address with another run id means my primary
   * restarted empty and I lose my data to it (replication.ts reports that as an injected loss).
   */
  syncedAddress = -1;
  syncedRunId = -1;

  /** Primary side: replicas whose PSYNC was answered and that receive the stream. */
  readonly replicaConnections: Connection[] = [];
  /** REPLCONF ACK offsets of those replicas, and the clients blocked in WAIT on them (wait.ts). */
  readonly ackedOffsets = new Map<Connection, number>();
  readonly waits: ClientWait[] = [];
  cronLoops = 0;

  constructor(replId: number) {
    this.replId = replId;
    this.runId = replId;
  }
}
