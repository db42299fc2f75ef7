/**
 * Events both backends report, in the order they happened. The simulator emits them from its
 * model; the real backend derives them from server logs ("Failover auth granted", "Failover
 * election won") and from what it did itself (faults, acknowledged writes, read-backs).
 * The invariants consume them together with cluster views.
 */

interface EventBase {
  atMs: number;
}

export type ObservedEvent =
  /** A voter granted its vote for `epoch` to `candidate` (node names). */
  | (EventBase & { kind: 'vote-granted'; voter: string; candidate: string; epoch: number })
  /** A replica won an election (consensus) or took over (`consensus: false`, TAKEOVER/bump). */
  | (EventBase & { kind: 'election-won'; node: string; epoch: number; consensus: boolean })
  /**
   * A node's own role, primary or epochs changed (the simulator reports each change as it happens;
   * the real backend on each poll). `primary` is the node name of its primary, or null. `id` is the
   * node's cluster id then (a hard reset gives it a new one), so every id a node ever had has a name.
   */
  | (EventBase & {
      kind: 'node-state';
      node: string;
      id?: string;
      role: 'primary' | 'replica';
      primary: string | null;
      currentEpoch: number;
      configEpoch: number;
      slotCount: number;
    })
  /**
   * A write acknowledged to the client after WAIT. Writes to one key carry increasing `seq`.
   * `holders` are the nodes that may hold it at ack time, `copies` how many of them surely do
   * (the simulator knows exactly; the real backend knows the shard and WAIT's count).
   * `extendsSeq` (optional, the simulator's): the newest earlier acknowledged write of the key that
   * this write's value descends from (null: none); absent when the backend cannot tell, and then
   * a key's writes are taken as one line, each descending from the one before.
   */
  | (EventBase & {
      kind: 'write-acked';
      key: string;
      seq: number;
      node: string;
      holders: string[];
      copies: number;
      extendsSeq?: number | null;
    })
  /**
   * MIGRATE moved these keys (their values as they were on `from`) to `to`: a slot migration an
   * admin ran. A key's acknowledged writes then live on in the target shard, with no WAIT behind them.
   */
  | (EventBase & { kind: 'keys-migrated'; keys: string[]; from: string; to: string })
  /** A node lost its data set through an injected fault (kill without persistence, reset, ...). */
  | (EventBase & { kind: 'data-lost'; node: string; cause: string })
  /**
   * A fault or admin action applied by the runner (resolved targets). `untilMs`, on a network fault
   * with a duration (partition, latency, drop): when it ends by itself; absent when it lasts until
   * a heal (or, for hold, a release).
   */
  | (EventBase & {
      kind: 'fault';
      action: string;
      nodes: string[];
      detail: string;
      untilMs?: number;
      /** A `clock` step or its end: how far the node's wall clock is then off true time (ms, signed). */
      skewMs?: number;
      /** A `clock` step with a jump: the jump (ms, signed); skewMs already counts it. */
      jumpMs?: number;
    })
  /**
   * A node became unavailable (killed, terminated, paused). `wasPrimary`: it owned slots then.
   * `eligibleReplicas`: its replicas that were running with their replication link up then.
   */
  | (EventBase & {
      kind: 'node-down';
      node: string;
      cause: 'kill' | 'terminate' | 'pause';
      wasPrimary: boolean;
      eligibleReplicas: string[];
    })
  | (EventBase & { kind: 'node-up'; node: string })
  /** Every fault has healed: the convergence clock starts. */
  | (EventBase & { kind: 'healed' })
  /**
   * The final read-back of a key from the primary that owns its slot (null: key missing).
   * `history` (optional): the seqs of the writes the value read descends from, newest first (the
   * value's own seq first), complete down to its last entry, and ending in 0 when it reaches the
   * key's creation; an acked write older than the last entry counts as held. Without it, a value
   * holds every write of the key with a seq up to its own.
   */
  | (EventBase & { kind: 'read-back'; key: string; seq: number | null; node: string; history?: number[] });

export type EventKind = ObservedEvent['kind'];

type WriteAcked = Extract<ObservedEvent, { kind: 'write-acked' }>;

/** What a keeper of a 'write-acked' event copies out of it (the simulator reuses the event object). */
export interface WriteAckedCopy {
  key: string;
  seq: number;
  node: string;
  holders: readonly string[];
  copies: number;
  extendsSeq: number | null | undefined;
}

/** Copies the ack's own fields (not its time) into `target`. */
export function copyWriteAcked(target: WriteAckedCopy, event: WriteAcked): void {
  target.key = event.key;
  target.seq = event.seq;
  target.node = event.node;
  target.holders = event.holders;
  target.copies = event.copies;
  target.extendsSeq = event.extendsSeq;
}
