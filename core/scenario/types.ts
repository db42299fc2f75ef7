/**
 * The scenario model: what both backends run. Plain, JSON-safe data (no classes, Maps or Dates),
 * so a scenario saves to YAML or a crash file and replays unchanged.
 *
 * This is the *resolved* in-memory form produced by the DSL loader (core/dsl): camelCase names,
 * every duration in whole milliseconds (`...Ms`), every default filled in. The YAML spelling
 * (snake_case, `2s` strings) lives only in core/dsl, which converts once in each direction.
 * Targets stay symbolic (`shard-0-primary`, `random-replica`, `rest`) until a backend runs the step.
 */

/** `node-K`, `shard-I-primary`, `shard-I-replica-J`, `random`, `random-primary`, `random-replica`. */
export type Target = string;

/** A partition side: a list of targets, or `rest` (every node not named in another group). */
export type Group = Target[] | 'rest';

/** Bus message types, as Valkey names them in CLUSTER INFO stats (the `drop` action's `types`). */
import type { MessageType } from './semantics/message-types.ts';

export { MESSAGE_TYPES, type MessageType } from './semantics/message-types.ts';

export const FAILOVER_MODES = ['default', 'force', 'takeover'] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];

/** Every timeline action of the DSL (the interface page's action table). */
export const ACTIONS = [
  'kill',
  'terminate',
  'pause',
  'restart',
  'partition',
  'heal',
  'latency',
  'drop',
  'hold',
  'release',
  'kill_links',
  'failover',
  'bump_epoch',
  'meet',
  'forget',
  'reset',
  'replicate',
  'add_node',
  'migrate_slots',
  'wait',
  'clock',
  'slow',
] as const;
export type Action = (typeof ACTIONS)[number];

/** The actions that are faults (injected, healed); the rest are admin operations or control. */
export const FAULT_ACTIONS = [
  'kill',
  'terminate',
  'pause',
  'partition',
  'latency',
  'drop',
  'hold',
  'kill_links',
  'clock',
  'slow',
] as const satisfies readonly Action[];
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/**
 * The fault kinds that existed before the time and resource faults (clock, slow): the default
 * `chaos: {}` block and the generator's original draws use exactly these, so existing scenarios
 * and seeds keep their faults.
 */
export const NETWORK_PROCESS_FAULTS = FAULT_ACTIONS.filter(
  (action) => action !== 'clock' && action !== 'slow',
) as readonly FaultAction[];
/** The time and resource faults. */
export const TIME_FAULTS = ['clock', 'slow'] as const satisfies readonly FaultAction[];

export const ADMIN_ACTIONS = [
  'failover',
  'bump_epoch',
  'meet',
  'forget',
  'reset',
  'replicate',
  'add_node',
  'migrate_slots',
] as const satisfies readonly Action[];
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

/** Where a step came from: written in the timeline, expanded from `chaos`, or from `operations`. */
export type StepSource = 'timeline' | 'chaos' | 'operations';

interface StepBase {
  /** Offset from the moment the cluster is ready. */
  atMs: number;
  source?: StepSource;
  /**
   * Chaos steps of a block with `keep_quorum`: the backend skips the step when applying it would
   * take down (kill, terminate, pause, partition away) a majority of the slot-owning primaries,
   * which only it knows at run time. Absent means false.
   */
  keepQuorum?: boolean;
}

export type Step =
  | (StepBase & { action: 'kill'; target: Target; restartAfterMs?: number })
  | (StepBase & { action: 'terminate'; target: Target; restartAfterMs?: number })
  | (StepBase & { action: 'pause'; target: Target; durationMs: number })
  | (StepBase & { action: 'restart'; target: Target })
  | (StepBase & { action: 'partition'; groups: Group[]; oneway: boolean; durationMs?: number })
  | (StepBase & { action: 'heal' })
  | (StepBase & { action: 'latency'; from: Group; to: Group; delayMs: number; jitterMs: number; durationMs?: number })
  | (StepBase & {
      action: 'drop';
      from: Group;
      to: Group;
      types?: MessageType[];
      probability: number;
      durationMs?: number;
    })
  | (StepBase & { action: 'hold'; from: Group; to: Group })
  | (StepBase & { action: 'release'; from: Group; to: Group })
  | (StepBase & { action: 'kill_links'; target: Target })
  | (StepBase & { action: 'failover'; target: Target; mode: FailoverMode })
  | (StepBase & { action: 'bump_epoch'; target: Target })
  | (StepBase & { action: 'meet'; target: Target; other: Target })
  | (StepBase & { action: 'forget'; target: Target; other: Target })
  /**
   * `ifReplica`: only while the node is a replica (the generator's reset-a-replica recipe names its
   * node when the scenario is drawn; by the time the step runs a failover may have made it a
   * slot-owning primary, which an operator following the recipe would not reset).
   */
  | (StepBase & { action: 'reset'; target: Target; hard: boolean; ifReplica?: boolean })
  | (StepBase & { action: 'replicate'; target: Target; primary: Target })
  | (StepBase & { action: 'add_node'; shard?: number })
  | (StepBase & { action: 'migrate_slots'; from: Target; to: Target; count: number })
  | (StepBase & { action: 'wait'; until: 'converged'; timeoutMs: number })
  /**
   * The node's wall clock (mstime/ustime/time) moves by `jumpMs` (signed, once, at the step) and/or
   * runs `driftPpm` parts per million fast (+) or slow (-) for `durationMs`. Its monotonic clock is
   * untouched. Neither is undone: the skew stays until a later clock step moves it back.
   */
  | (StepBase & { action: 'clock'; target: Target; jumpMs?: number; driftPpm?: number; durationMs?: number })
  /** The node gets 1/factor of the time it needs for `durationMs` (CPU starved). */
  | (StepBase & { action: 'slow'; target: Target; factor: number; durationMs: number });

export type StepOf<A extends Action> = Extract<Step, { action: A }>;

export interface ClusterConfig {
  /** 1..64 on the simulator; the real backend may cap lower and says so. */
  numShards: number;
  /** 0..8 */
  replicasPerShard: number;
  /** cluster-node-timeout. @defaultValue 15000 */
  nodeTimeoutMs: number;
  /** cluster-ping-interval; 0 means node_timeout/2. @defaultValue 0 */
  pingIntervalMs: number;
  /** cluster-replica-validity-factor. @defaultValue 10 */
  replicaValidityFactor: number;
  /** cluster-allow-replica-migration. @defaultValue true */
  allowReplicaMigration: boolean;
  /** cluster-migration-barrier. @defaultValue 1 */
  migrationBarrier: number;
  /** cluster-require-full-coverage. @defaultValue true */
  requireFullCoverage: boolean;
  /** Extra valkey.conf lines (real backend only). Keys and values as valkey.conf spells them. */
  serverConfig: Record<string, string>;
  /** valkey-fuzzer's `base_port`: accepted for compatibility; busfuzz always picks free ports. */
  basePort?: number;
}

export interface Workload {
  keys: number;
  writesPerSec: number;
  /** A write counts as acknowledged after WAIT <n> succeeded. */
  waitReplicas: number;
}

export type ChaosTargets = 'any' | 'primaries' | 'replicas';

/** Random background faults, drawn from the run's seed (the swarm mix). */
export interface Chaos {
  /** Faults per simulated minute. */
  rate: number;
  types: FaultAction[];
  targets: ChaosTargets;
  maxConcurrent: number;
  /** Never take down a majority of the slot-owning primaries at once. */
  keepQuorum: boolean;
  /** After this offset faults stop and everything heals. */
  untilMs: number;
  /** How long one fault lasts (pause, partition, latency, drop, hold; restart delay of kills). */
  faultDurationMsMin: number;
  faultDurationMsMax: number;
}

export const INVARIANT_NAMES = [
  // safety
  'epoch-order',
  'one-vote-per-epoch',
  'one-winner-per-epoch',
  'acked-writes-durable',
  // convergence
  'slot-coverage',
  'views-agree',
  'one-primary-per-shard',
  'no-replica-owns-slots',
  'no-replica-chains',
  'membership-symmetric',
  'no-failure-flags',
  'cluster-state-ok',
  'failover-bound',
  'distinct-config-epochs',
  'replicas-consistent',
  'manual-failover-completes',
] as const;
export type InvariantName = (typeof INVARIANT_NAMES)[number];

export const SAFETY_INVARIANTS: readonly InvariantName[] = [
  'epoch-order',
  'one-vote-per-epoch',
  'one-winner-per-epoch',
  'acked-writes-durable',
];

export interface Validation {
  /** After the last fault heals, the cluster must converge within this. @defaultValue 30000 */
  convergenceTimeoutMs: number;
  invariants: InvariantName[];
}

/**
 * Whose cluster-bus rules a scenario runs under: the simulator models valkey-8.0 (Valkey 8.0.1,
 * the default) and valkey-8.1 (sim/valkey/profiles.ts) and refuses redis-7.0; the real backend
 * checks its binary's version against the protocol.
 */
export const PROTOCOLS = ['valkey-8.0', 'valkey-8.1', 'redis-7.0'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface Scenario {
  scenarioId: string;
  seed: number;
  protocol: Protocol;
  cluster: ClusterConfig;
  workload: Workload | null;
  /** Sorted by atMs (stable), after merging in `operations`. */
  timeline: Step[];
  chaos: Chaos | null;
  validation: Validation;
  /** Free text kept with the scenario (why it exists, what it found). */
  description?: string;
}

export const DEFAULT_CLUSTER: ClusterConfig = {
  numShards: 3,
  replicasPerShard: 1,
  nodeTimeoutMs: 15000,
  pingIntervalMs: 0,
  replicaValidityFactor: 10,
  allowReplicaMigration: true,
  migrationBarrier: 1,
  requireFullCoverage: true,
  serverConfig: {},
};

export const DEFAULT_CONVERGENCE_TIMEOUT_MS = 30000;
