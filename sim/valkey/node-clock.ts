/**
 * A node's own wall clock, for the clock fault. Valkey 8.0.1 reads two clocks:
 * - the wall clock (gettimeofday through ustime()/mstime(), and server.unixtime / server.mstime
 *   cached from it): every cluster-bus timestamp (ping_sent, pong_received, data_received,
 *   fail_time, failure reports' time, voted_time, failover_auth_time, mf_end, orphaned_time,
 *   handshake and link ctime, clusterUpdateState's first_call_time and among_minority_time), the
 *   gossiped pong_received seconds, the replica's data age (server.unixtime against
 *   repl_down_since / the primary's lastinteraction), the replication timeouts, WAIT's deadline
 *   (commandTimeSnapshot) and the client pause of a manual failover;
 * - the monotonic clock (getMonotonicUs, clock_gettime(CLOCK_MONOTONIC) in a default build:
 *   USE_PROCESSOR_CLOCK is off in src/monotonic.c): the event loop's timers, so when serverCron
 *   and with it clusterCron run.
 * The simulator's servers read the wall clock through ValkeyServer.nowMs and nodes-conf.ts's load
 * times; the cron is scheduled on the world's clock, which stands for the monotonic one. So a
 * jump or a drift moves what the node's cluster code sees as "now", never when its cron runs.
 *
 * The clock belongs to the node's machine, not its process: it survives a restart, and neither a
 * jump nor a finished drift is undone by itself (`skewMs` says how far off it ended).
 */
export class NodeClock {
  /** Jumps so far plus the drift of finished drift periods, whole ms. */
  private offsetMs = 0;
  /** The drift under way (0: none), parts per million, since world time `driftSinceMs`. */
  private driftPpm = 0;
  private driftSinceMs = 0;
  /** The fault whose drift is under way (a later drift step replaces it). */
  private driftOwner = -1;

  /** True while the clock reads the world's time unchanged (the hot path skips the sums). */
  exact = true;

  /** The node's wall clock at world time `worldMs` (whole ms). */
  wallMs(worldMs: number): number {
    if (this.driftPpm === 0) return worldMs + this.offsetMs;
    return worldMs + this.offsetMs + Math.trunc(((worldMs - this.driftSinceMs) * this.driftPpm) / 1_000_000);
  }

  /** How far the node's clock is off the world's at `worldMs` (whole ms). */
  skewMs(worldMs: number): number {
    return this.wallMs(worldMs) - worldMs;
  }

  /** settimeofday(now + ms). */
  jump(ms: number): void {
    this.offsetMs += ms;
    this.exact = this.offsetMs === 0 && this.driftPpm === 0;
  }

  /** From `worldMs` on the clock runs `ppm` fast (or slow, when negative), for fault `owner`. */
  startDrift(worldMs: number, ppm: number, owner: number): void {
    this.fold(worldMs);
    this.driftPpm = ppm;
    this.driftSinceMs = worldMs;
    this.driftOwner = owner;
    this.exact = false;
  }

  /** The drift of fault `owner` ends (the skew it built up stays); another fault's drift goes on. */
  stopDrift(worldMs: number, owner: number): void {
    if (this.driftOwner !== owner) return;
    this.fold(worldMs);
    this.driftPpm = 0;
    this.driftOwner = -1;
    this.exact = this.offsetMs === 0;
  }

  private fold(worldMs: number): void {
    this.offsetMs = this.wallMs(worldMs) - worldMs;
    this.driftSinceMs = worldMs;
  }
}
