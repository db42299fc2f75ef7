/**
 * SIGTERM as Valkey 8.0.1 handles it (server.c): the signal handler only sets `shutdown_asap`
 * (sigShutdownHandler, lines 6215-6239); the next serverCron (every 100 ms at hz 10) runs
 * prepareForShutdown (lines 1324-1331). A server whose replicas have all acknowledged its offset
 * exits there and then. Otherwise (lines 4244-4250) it sets a deadline shutdown-timeout (10 s)
 * away, feeds REPLCONF GETACK into the stream, pauses client writes, and goes on running: gossip,
 * votes, failure reports, its replication stream. Each later serverCron exits once every replica
 * has acknowledged its offset, or at the deadline (lines 1332-1335, isReadyToShutdown at lines
 * 4262-4273). finishShutdown saves nodes.conf on the way out (clusterHandleServerShutdown,
 * cluster_legacy.c line 1198).
 *
 * Which acknowledgements count: every replica of `server.replicas` must report exactly
 * `primary_repl_offset`. The answer to the GETACK cannot do it: a replica answers while it runs the
 * GETACK, with the offset before it (replication.c line 1349, networking.c lines 2927-2931), and
 * the GETACK's own 37 bytes already moved the primary's offset. What ends the wait is the ACK a
 * replica sends from replicationCron once a second (replication.c line 4534), after it has read the
 * GETACK: a healthy replica lets its primary go within about a second, a stopped or cut-off one
 * keeps it up for the whole shutdown-timeout. Those periodic ACKs are modelled in replication.ts
 * (`periodicAckOf`).
 *
 * Not modelled: shutdown-timeout, shutdown-on-sigterm and SHUTDOWN ABORT from server_config (the
 * defaults hold: 10 s, wait for replicas); a failed RDB or AOF save that cancels the shutdown
 * (the simulated nodes have no persistence).
 */
import { REPLCONF_GETACK_BYTES, SHUTDOWN_TIMEOUT_MS } from './constants.ts';
import { saveConfig } from './nodes-conf.ts';
import { feedStream, periodicAckOf } from './replication.ts';
import type { ValkeyServer } from './server.ts';

/** What the cron's shutdown step did (the world traces it and, on an exit, ends the process). */
export const SHUTDOWN_NONE = 0;
export const SHUTDOWN_WAITING = 1;
export const SHUTDOWN_EXIT_READY = 2;
export const SHUTDOWN_EXIT_TIMEOUT = 3;
export type ShutdownStep =
  | typeof SHUTDOWN_NONE
  | typeof SHUTDOWN_WAITING
  | typeof SHUTDOWN_EXIT_READY
  | typeof SHUTDOWN_EXIT_TIMEOUT;

/** sigShutdownHandler: note the signal; the next cron acts on it. */
export function onSigterm(server: ValkeyServer): void {
  server.shutdownAsap = true;
}

/** isShutdownInitiated: the wait for replicas has begun (client writes are paused). */
export function shutdownInitiated(server: ValkeyServer): boolean {
  return server.shutdownDeadlineAtMs !== 0;
}

/**
 * serverCron's shutdown step, before anything else the cron does. SHUTDOWN_EXIT_*: the process
 * exits now (nodes.conf saved), and the rest of the cron does not run.
 */
export function shutdownCron(server: ValkeyServer): ShutdownStep {
  if (!server.shutdownAsap) return SHUTDOWN_NONE;
  if (!shutdownInitiated(server)) return prepareForShutdown(server);
  if (isReadyToShutdown(server)) return finishShutdown(server, SHUTDOWN_EXIT_READY);
  if (server.nowMs >= server.shutdownDeadlineAtMs) return finishShutdown(server, SHUTDOWN_EXIT_TIMEOUT);
  return SHUTDOWN_NONE;
}

/**
 * prepareForShutdown: exit if the replicas are in sync, else wait for them. The GETACK is not
 * sent while a manual failover has paused replica traffic (`isPausedActions(PAUSE_ACTION_REPLICA)`,
 * the MFSTART pause here); it goes into the stream as bytes only, since its answer cannot end the
 * wait (see the header) and WAIT's clients get their acks from their own GETACKs (wait.ts).
 */
function prepareForShutdown(server: ValkeyServer): ShutdownStep {
  if (isReadyToShutdown(server)) return finishShutdown(server, SHUTDOWN_EXIT_READY);
  // mstime() + shutdown_timeout * 1000; never 0 (the simulated clock starts at VALKEY_CLOCK_OFFSET_MS).
  server.shutdownDeadlineAtMs = server.nowMs + SHUTDOWN_TIMEOUT_MS;
  if (server.nowMs >= server.writesPausedUntilMs) feedStream(server, REPLCONF_GETACK_BYTES);
  return SHUTDOWN_WAITING;
}

/** isReadyToShutdown: no replicas, or each one's last ACK reports exactly my offset. */
function isReadyToShutdown(server: ValkeyServer): boolean {
  const replication = server.replication;
  for (const connection of replication.replicaConnections) {
    if (periodicAckOf(connection) !== replication.offset) return false;
  }
  return true;
}

/** finishShutdown: save nodes.conf (clusterHandleServerShutdown); exit(0) follows. */
function finishShutdown(server: ValkeyServer, step: ShutdownStep): ShutdownStep {
  saveConfig(server);
  return step;
}
