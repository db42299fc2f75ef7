/**
 * WAIT numreplicas timeout on a primary (replication.c: waitCommand, processClientsWaitingReplicas,
 * replicationCountAcksByOffset): the client that wrote is blocked until `needed` replicas acked
 * an offset at least that of its write, or until the timeout (then it gets fewer, and the write is
 * not acknowledged). Replicas ack with REPLCONF ACK <offset>, answering the GETACK the primary
 * puts in the stream behind a write whose client waits (replication.ts).
 *
 * Waits are served in order (offsets and deadlines both grow), and dropped when the primary turns
 * into a replica (disconnectAllBlockedClients) or dies with it. Bounded by the write rate times
 * the timeout, and expired at least once a second by replicationCron.
 */
import type { Connection } from '../connection.ts';
import type { ValkeyServer } from './server.ts';

export type { ClientWait } from './blocked-clients.ts';

/** WAIT after a write to `key` that just went into the stream. */
export function blockForReplicas(
  server: ValkeyServer,
  key: number,
  seq: number,
  needed: number,
  timeoutMs: number,
): void {
  const replication = server.replication;
  replication.waits.push({ key, seq, offset: replication.offset, needed, deadlineAtMs: server.nowMs + timeoutMs });
  serveWaits(server);
}

/** REPLCONF ACK <offset> from the replica on `connection`. */
export function onReplicaAckForWait(server: ValkeyServer, connection: Connection, offset: number): void {
  const acked = server.replication.ackedOffsets;
  if ((acked.get(connection) ?? -1) < offset) acked.set(connection, offset);
  serveWaits(server);
}

/** Unblock waits whose replicas acked, drop those past their deadline (timed out: not acked). */
export function serveWaits(server: ValkeyServer): void {
  const waits = server.replication.waits;
  let served = 0;
  while (served < waits.length) {
    const wait = waits[served]!;
    if (server.nowMs > wait.deadlineAtMs) {
      served++;
      continue;
    }
    if (countAcks(server, wait.offset) < wait.needed) break;
    served++;
    server.env.writeAcked(server.processIndex, wait.key, wait.seq);
  }
  if (served > 0) waits.splice(0, served);
}

/** disconnectAllBlockedClients: a primary that becomes a replica answers its waiters with an error. */
export function unblockWaits(server: ValkeyServer): void {
  server.replication.waits.length = 0;
}

/** replicationCountAcksByOffset over the replicas that are online. */
function countAcks(server: ValkeyServer, offset: number): number {
  const replication = server.replication;
  let count = 0;
  for (const connection of replication.replicaConnections) {
    if ((replication.ackedOffsets.get(connection) ?? -1) >= offset) count++;
  }
  return count;
}
