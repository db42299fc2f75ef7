/**
 * Valkey 8.0.1 cluster constants and flag bits, as `cluster_legacy.h` and `cluster.h` define
 * them (protocol reference §0, §1.2). Times in milliseconds.
 */

/** Node flag bits (clusterNode.flags, and the header's `flags`). */
export const NODE_PRIMARY = 1;
export const NODE_REPLICA = 2;
export const NODE_PFAIL = 4;
export const NODE_FAIL = 8;
export const NODE_MYSELF = 16;
export const NODE_HANDSHAKE = 32;
export const NODE_NOADDR = 64;
export const NODE_MEET = 128;
export const NODE_MIGRATE_TO = 256;
export const NODE_NOFAILOVER = 512;
export const NODE_EXTENSIONS_SUPPORTED = 1024;
export const NODE_LIGHT_HDR_SUPPORTED = 2048;

/** Flags written to nodes.conf (the CLUSTER NODES flag words). */
export const PERSISTED_FLAGS =
  NODE_MYSELF | NODE_PRIMARY | NODE_REPLICA | NODE_PFAIL | NODE_FAIL | NODE_NOADDR | NODE_NOFAILOVER;

/** clusterDoBeforeSleep flags. */
export const TODO_HANDLE_FAILOVER = 1;
export const TODO_UPDATE_STATE = 2;
export const TODO_SAVE_CONFIG = 4;
export const TODO_FSYNC_CONFIG = 8;
export const TODO_HANDLE_MANUALFAILOVER = 16;

export const CLUSTER_OK = 0;
export const CLUSTER_FAIL = 1;

/**
 * A time field's "never": 0, as Valkey's mstime() fields use it. The times such fields get later
 * are small integers too (the clock is shifted by VALKEY_CLOCK_OFFSET_MS, not to unix
 * milliseconds), so the fields stay small-integer fields of their hidden class throughout. (A
 * double "never", -0, kept from when the clock read unix milliseconds, made every one of them a
 * boxed heap-number field: an extra load at each read of a node's ping and pong times.)
 */
export const NEVER_MS = 0;

/**
 * Valkey reads `mstime()`, unix milliseconds, and uses 0 for "never" (no ping pending, never voted,
 * failover_auth_time unset, repl_down_since unset): 0 is always long ago. The simulated clock
 * starts at 0, so servers read it shifted by this much, which keeps every such window, e.g. "the
 * first election is always scheduled", as in the real server. A day and more, longer than any
 * window the protocol has, and a whole number of seconds (gossip carries pong times in seconds).
 * Small enough that a server's clock stays a small integer for weeks of simulated time: V8 keeps
 * those unboxed, where unix milliseconds were a heap number at every clock read (a fifth of the
 * simulator's allocations).
 */
export const VALKEY_CLOCK_OFFSET_MS = 100_000_000;

/** `run_with_period(100) clusterCron()`. */
export const CRON_PERIOD_MS = 100;
/** replicationCron runs once a second. */
export const REPLICATION_CRON_PERIOD_MS = 1000;
export const FAIL_REPORT_VALIDITY_MULT = 2;
export const FAIL_UNDO_TIME_MULT = 2;
/** CLUSTER_OPERATION_TIMEOUT: the floor of the election's auth timeout. */
export const OPERATION_TIMEOUT_MS = 2000;
export const MF_TIMEOUT_MS = 5000;
export const MF_PAUSE_MULT = 2;
export const REPLICA_MIGRATION_DELAY_MS = 5000;
/** CLUSTER_WRITABLE_DELAY: a primary stays in state fail this long after its first state update. */
export const WRITABLE_DELAY_MS = 2000;
export const MIN_REJOIN_DELAY_MS = 500;
export const MAX_REJOIN_DELAY_MS = 5000;
/** repl-ping-replica-period (10 s) and repl-timeout (60 s) defaults. */
export const REPL_PING_REPLICA_PERIOD_MS = 10_000;
export const REPL_TIMEOUT_MS = 60_000;
/** Bytes a replication PING adds to the stream (`*1\r\n$4\r\nPING\r\n`). */
export const REPL_PING_BYTES = 14;
/** Bytes `REPLCONF GETACK *` adds to the stream (`*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n`). */
export const REPLCONF_GETACK_BYTES = 37;
/** shutdown-timeout's default (10 s): how long a SIGTERM'd primary waits for lagging replicas. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;
/** Bytes a write adds to the stream: SET key:<n> <seq>, DEL key:<n>, and MIGRATE's RESTORE. */
export const SET_STREAM_BYTES = 40;
export const DEL_STREAM_BYTES = 27;
export const RESTORE_STREAM_BYTES = 64;
/** The default replication backlog (repl-backlog-size 1mb). */
export const REPL_BACKLOG_BYTES = 1024 * 1024;

/** The election delay's fixed and random parts and the per-rank step (clusterHandleReplicaFailover). */
export const ELECTION_FIXED_DELAY_MS = 500;
export const ELECTION_RANDOM_DELAY_MS = 500;
export const ELECTION_RANK_DELAY_MS = 1000;

/** `max(node_timeout*2, 2000)`: how long an election may collect votes. */
export function authTimeoutMs(nodeTimeoutMs: number): number {
  return Math.max(nodeTimeoutMs * 2, OPERATION_TIMEOUT_MS);
}

/** A new election may be scheduled only after twice the auth timeout. */
export function authRetryMs(nodeTimeoutMs: number): number {
  return authTimeoutMs(nodeTimeoutMs) * 2;
}

/** `max(node_timeout, 1000)`: a handshake node older than this is deleted. */
export function handshakeTimeoutMs(nodeTimeoutMs: number): number {
  return Math.max(nodeTimeoutMs, 1000);
}

/** `clamp(node_timeout, 500, 5000)`: a primary's delay before leaving state fail after a minority. */
export function rejoinDelayMs(nodeTimeoutMs: number): number {
  return Math.min(MAX_REJOIN_DELAY_MS, Math.max(MIN_REJOIN_DELAY_MS, nodeTimeoutMs));
}

/** cluster-ping-interval, or node_timeout/2 when 0. */
export function pingIntervalMs(nodeTimeoutMs: number, configuredMs: number): number {
  return configuredMs !== 0 ? configuredMs : Math.floor(nodeTimeoutMs / 2);
}
