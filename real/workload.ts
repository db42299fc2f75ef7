/**
 * The client traffic of a run: an ioredis cluster client writes `SET key <seq>` at the scenario's
 * rate, each followed by `WAIT <n> <timeout>` and `CLUSTER MYID` in the same pipeline (so all
 * three run on the node that took the SET). A write counts as acknowledged when SET said OK and
 * WAIT reached n replicas; it becomes a 'write-acked' event naming that node, the shard's nodes
 * as holders and 1 + WAIT's count as sure copies. At the end every acknowledged key is read back
 * from the primary that owns it ('read-back').
 *
 * One write per key in flight at a time: a write that timed out on our side could otherwise land
 * after a later one and look like a lost write. The client talks to the announced ports (through
 * the proxies, from 127.0.0.1, which no fault touches), as any cluster client would.
 */
import { setMaxListeners } from 'node:events';
import { Cluster, type ClusterOptions } from 'ioredis';
import type { ObservedEvent } from '../core/events.ts';
import type { Rng } from '../core/rng.ts';
import type { Workload } from '../core/scenario/types.ts';
import { DISCONNECT_TIMEOUT_MS } from './admin-client.ts';
import type { RealCluster } from './cluster.ts';
import { allSettledWithin, settleWithin } from './settle-within.ts';

export interface WorkloadHooks {
  /** Run time now (ms since ready). */
  nowMs: () => number;
  emit: (event: ObservedEvent) => void;
  /** Node name for a node id. */
  nameOfId: (id: string) => string;
  /** The shard's nodes (the primary and its replicas) as the latest poll knows them. */
  holdersOf: (primaryName: string) => string[];
  /**
   * A key that could not be read back (every attempt failed or timed out): the cluster did not
   * serve it after it converged, which is a finding about the cluster, not a busfuzz error.
   */
  unreadable: (key: string, message: string) => void;
  /** Whether the key's owner is down at the end (a kill without restart): its read-back is skipped. */
  ownerDown?: (key: string) => boolean;
  /** The run's abort: `stop()` stops waiting for writes in flight when it fires. */
  signal?: AbortSignal;
}

/** Writes in flight at once (the rate decides how many are issued). */
const MAX_IN_FLIGHT = 16;
const TICK_MS = 10;
const KEY_PREFIX = 'busfuzz:';
const READ_ATTEMPTS = 5;
/** Keys read back at once. */
const READ_BATCH = 50;
/** Beyond the command timeout, what a write or read may take (redirections, retries, a slow box). */
const DEADLINE_SLACK_MS = 3000;

export class WorkloadClient {
  private client: Cluster;
  private readonly connectClient: () => Cluster;
  private readonly lastSeq = new Map<string, number>();
  private readonly ackedKeys = new Set<string>();
  /** Per key, the seq of its last acknowledged write. */
  private readonly lastAcked = new Map<string, number>();
  private readonly inFlightKeys = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private startedAtMs = 0;
  private issued = 0;
  /** A key could not be read back: the run has its finding, the rest of the read-back stops. */
  private unreadableSeen = false;
  /** How long a write or read waits for its pipeline before it counts as failed. */
  private readonly deadlineMs: number;
  /** `lost`: keys whose read-back missed their last acknowledged write (a figure, not a verdict). */
  readonly counts = { attempted: 0, acked: 0, failed: 0, lost: 0 };

  constructor(
    cluster: RealCluster,
    private readonly workload: Workload,
    private readonly rng: Rng,
    private readonly hooks: WorkloadHooks,
    private readonly waitTimeoutMs: number,
  ) {
    // settleWithin listens on the run's abort once per write and read in flight.
    if (hooks.signal !== undefined) setMaxListeners(MAX_IN_FLIGHT + READ_BATCH + 64, hooks.signal);
    const commandTimeoutMs = Math.max(1000, waitTimeoutMs + 500);
    this.deadlineMs = 2 * commandTimeoutMs + DEADLINE_SLACK_MS;
    const startupNodes = cluster.nodes.map((node) => ({ host: node.host.host, port: node.host.ports.clientProxyPort }));
    this.connectClient = () => {
      const client = new Cluster(startupNodes, {
        scaleReads: 'master',
        maxRedirections: 8,
        retryDelayOnFailover: 50,
        retryDelayOnClusterDown: 50,
        retryDelayOnTryAgain: 50,
        slotsRefreshTimeout: 1000,
        clusterRetryStrategy: () => 100,
        redisOptions: {
          disconnectTimeout: DISCONNECT_TIMEOUT_MS,
          disableClientInfo: true,
          commandTimeout: commandTimeoutMs,
          connectTimeout: 1000,
          maxRetriesPerRequest: 0,
        } as NonNullable<ClusterOptions['redisOptions']>,
      });
      client.on('error', () => {});
      return client;
    };
    this.client = this.connectClient();
  }

  /** Starts writing at the scenario's rate. */
  start(): void {
    if (this.workload.writesPerSec <= 0 || this.workload.keys <= 0) return;
    this.startedAtMs = Date.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /**
   * Stops issuing writes and waits for those in flight: each settles within its deadline, and
   * the run's abort ends the wait at once.
   */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await allSettledWithin([...this.inFlight], this.deadlineMs + 1000, this.hooks.signal);
  }

  /**
   * Reads every acknowledged key back from the primary that owns it now; a key whose owner is down
   * is not read, as on the simulator (nothing could answer for it).
   */
  async readBack(): Promise<void> {
    const keys = [...this.ackedKeys].sort().filter((key) => this.hooks.ownerDown?.(key) !== true);
    // On fresh connections. The writers' connections may still hold writes we gave up on: each
    // WAIT on a primary that lost its replicas blocks its connection for the WAIT timeout, and the
    // pipelines behind it wait their turn there, so a read sent on it would wait behind seconds of
    // them and read as unavailable (no cluster client reads behind WAITs it abandoned). Closing
    // them frees those blocked clients on the servers, and the writes never acknowledged with them.
    this.client.disconnect();
    this.client = this.connectClient();
    for (
      let index = 0;
      index < keys.length && !this.unreadableSeen && this.hooks.signal?.aborted !== true;
      index += READ_BATCH
    ) {
      await Promise.all(keys.slice(index, index + READ_BATCH).map((key) => this.readOne(key)));
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.client.disconnect();
  }

  private tick(): void {
    const dueTotal = Math.floor(((Date.now() - this.startedAtMs) * this.workload.writesPerSec) / 1000);
    while (this.issued < dueTotal && this.inFlight.size < MAX_IN_FLIGHT) {
      const key = this.pickIdleKey();
      this.issued++;
      if (key === null) break;
      const write = this.writeOne(key);
      this.inFlight.add(write);
      void write.finally(() => this.inFlight.delete(write));
    }
    // Behind by more than a second (a stalled shard): skip, rather than burst, the backlog.
    this.issued = Math.max(this.issued, dueTotal - this.workload.writesPerSec);
  }

  private pickIdleKey(): string | null {
    for (let attempt = 0; attempt < 8; attempt++) {
      const key = `${KEY_PREFIX}${this.rng.int(this.workload.keys)}`;
      if (!this.inFlightKeys.has(key)) return key;
    }
    return null;
  }

  private async writeOne(key: string): Promise<void> {
    const seq = (this.lastSeq.get(key) ?? 0) + 1;
    this.lastSeq.set(key, seq);
    this.inFlightKeys.add(key);
    this.counts.attempted++;
    const exec = this.client
      .pipeline()
      .set(key, String(seq))
      .call('WAIT', String(this.workload.waitReplicas), String(this.waitTimeoutMs))
      .call('CLUSTER', 'MYID')
      .exec();
    // The key stays busy until the client gives up on the write itself: a write past its deadline
    // may still land, and must not land after a later write of the key.
    void exec.then(
      () => this.inFlightKeys.delete(key),
      () => this.inFlightKeys.delete(key),
    );
    try {
      // Past the deadline the write counts as failed (not acknowledged), whatever comes later.
      const replies = await settleWithin(exec, this.deadlineMs, this.hooks.signal);
      if (replies !== null) await this.refreshIfRedirected(replies);
      const acked = replies?.every(([error]) => error === null) === true && replies[0]![1] === 'OK';
      const replicasReached = acked ? Number(replies[1]![1]) : -1;
      if (!acked || replicasReached < this.workload.waitReplicas) {
        this.counts.failed++;
        return;
      }
      const node = this.hooks.nameOfId(String(replies[2]![1]));
      this.counts.acked++;
      this.ackedKeys.add(key);
      this.lastAcked.set(key, Math.max(seq, this.lastAcked.get(key) ?? 0));
      this.hooks.emit({
        kind: 'write-acked',
        atMs: this.hooks.nowMs(),
        key,
        seq,
        node,
        holders: this.hooks.holdersOf(node),
        copies: 1 + replicasReached,
      });
    } catch {
      this.counts.failed++;
    }
  }

  /**
   * A pipeline is not redirected as a whole when only its keyed command gets MOVED (the keyless
   * MYID succeeds on the old owner), so the client's slot map is refreshed here instead.
   */
  private async refreshIfRedirected(replies: Array<[Error | null, unknown]>): Promise<void> {
    // CLUSTERDOWN too, as cluster clients do and as the simulator's client does (sim/workload.ts):
    // a primary cut off from the bus says so, and the client looks for the slot's new owner.
    if (!replies.some(([error]) => error !== null && /^(MOVED|ASK|CLUSTERDOWN) /.test(error.message))) return;
    await new Promise<void>((resolveRefresh) => this.client.refreshSlotsCache(() => resolveRefresh()));
  }

  /** The cluster has converged when this runs; a few retries cover a slot map still refreshing. */
  private async readOne(key: string): Promise<void> {
    let lastError: unknown = null;
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      // An aborted run reads nothing more (and finds nothing unreadable).
      if (this.hooks.signal?.aborted === true) return;
      try {
        const replies = await settleWithin(
          this.client.pipeline().get(key).call('CLUSTER', 'MYID').exec(),
          this.deadlineMs,
          this.hooks.signal,
        );
        if (replies !== null) await this.refreshIfRedirected(replies);
        const failed = replies?.find(([error]) => error !== null);
        if (replies === null || failed !== undefined) throw failed?.[0] ?? new Error('pipeline aborted');
        const value = replies[0]![1];
        const number = value === null ? null : Number(value);
        const seq = number !== null && Number.isInteger(number) ? number : null;
        if (seq === null || seq < (this.lastAcked.get(key) ?? 0)) this.counts.lost++;
        this.hooks.emit({
          kind: 'read-back',
          atMs: this.hooks.nowMs(),
          key,
          seq,
          node: this.hooks.nameOfId(String(replies[1]![1])),
        });
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
      }
    }
    this.unreadableSeen = true;
    this.hooks.unreadable(key, `read-back of ${key} failed ${READ_ATTEMPTS} times: ${(lastError as Error).message}`);
  }
}
