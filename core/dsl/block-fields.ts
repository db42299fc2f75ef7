/**
 * Reading the scenario's blocks other than the timeline: `cluster`, `workload`, our `chaos` form
 * and `validation` (including valkey-fuzzer's `check_*` switches). Each fills its defaults and
 * returns undefined if any of its fields had a problem.
 */
import {
  DEFAULT_CLUSTER,
  DEFAULT_CONVERGENCE_TIMEOUT_MS,
  FAULT_ACTIONS,
  INVARIANT_NAMES,
  type Chaos,
  type ChaosTargets,
  type ClusterConfig,
  type InvariantName,
  type Validation,
  type Workload,
} from '../scenario/types.ts';
import { DEFAULT_CHAOS, defaultWorkload } from './defaults.ts';
import { childPath } from './paths.ts';
import { describe, type Fields, type Reader } from './reader.ts';

const CLUSTER_KEYS = [
  'num_shards',
  'replicas_per_shard',
  'node_timeout',
  'ping_interval',
  'replica_validity_factor',
  'allow_replica_migration',
  'migration_barrier',
  'require_full_coverage',
  'server_config',
  'base_port',
] as const;
const WORKLOAD_KEYS = ['keys', 'writes_per_sec', 'wait_replicas'] as const;
export const CHAOS_KEYS = [
  'rate',
  'types',
  'targets',
  'max_concurrent',
  'keep_quorum',
  'until',
  'fault_duration_min',
  'fault_duration_max',
] as const;
/** valkey-fuzzer's validation switches and the invariant each one turns off when false. */
export const CHECK_SWITCHES: Record<string, InvariantName> = {
  check_slot_coverage: 'slot-coverage',
  check_slot_conflicts: 'views-agree',
  check_replica_sync: 'replicas-consistent',
  check_node_connectivity: 'membership-symmetric',
  check_data_consistency: 'acked-writes-durable',
};
const VALIDATION_KEYS = ['convergence_timeout', 'invariants', 'max_replication_lag', ...Object.keys(CHECK_SWITCHES)];

const MAX_SHARDS = 64;
const MAX_REPLICAS = 8;
const MAX_COUNT = 1_000_000;
/** Faults per minute: 1000/s is far past anything a run can apply; the bound stops typos. */
const MAX_CHAOS_RATE = 60_000;

/**
 * Reads `key` of `fields` with `read` when present; the default otherwise. `bad.value` turns false
 * when the present value had a problem.
 */
function optional<T>(
  fields: Fields,
  key: string,
  fallback: T,
  bad: { value: boolean },
  read: (value: unknown) => T | undefined,
): T {
  const value = fields[key];
  if (value === undefined || value === null) return fallback;
  const out = read(value);
  if (out === undefined) {
    bad.value = false;
    return fallback;
  }
  return out;
}

export function readCluster(reader: Reader, path: string, value: unknown): ClusterConfig | undefined {
  if (value === undefined || value === null) return { ...DEFAULT_CLUSTER, serverConfig: {} };
  const fields = reader.map(path, value);
  if (fields === undefined) return undefined;
  reader.knownKeys(path, fields, CLUSTER_KEYS);
  const ok = { value: true };
  const at = (key: string) => childPath(path, key);
  const d = DEFAULT_CLUSTER;
  const cluster: ClusterConfig = {
    numShards: optional(fields, 'num_shards', d.numShards, ok, (v) =>
      reader.integer(at('num_shards'), v, 1, MAX_SHARDS),
    ),
    replicasPerShard: optional(fields, 'replicas_per_shard', d.replicasPerShard, ok, (v) =>
      reader.integer(at('replicas_per_shard'), v, 0, MAX_REPLICAS),
    ),
    nodeTimeoutMs: optional(fields, 'node_timeout', d.nodeTimeoutMs, ok, (v) =>
      positiveDuration(reader, at('node_timeout'), v),
    ),
    pingIntervalMs: optional(fields, 'ping_interval', d.pingIntervalMs, ok, (v) =>
      reader.duration(at('ping_interval'), v),
    ),
    replicaValidityFactor: optional(fields, 'replica_validity_factor', d.replicaValidityFactor, ok, (v) =>
      reader.integer(at('replica_validity_factor'), v, 0, MAX_COUNT),
    ),
    allowReplicaMigration: optional(fields, 'allow_replica_migration', d.allowReplicaMigration, ok, (v) =>
      reader.boolean(at('allow_replica_migration'), v),
    ),
    migrationBarrier: optional(fields, 'migration_barrier', d.migrationBarrier, ok, (v) =>
      reader.integer(at('migration_barrier'), v, 0, MAX_COUNT),
    ),
    requireFullCoverage: optional(fields, 'require_full_coverage', d.requireFullCoverage, ok, (v) =>
      reader.boolean(at('require_full_coverage'), v),
    ),
    serverConfig: optional(fields, 'server_config', {}, ok, (v) => readServerConfig(reader, at('server_config'), v)),
  };
  const basePort = optional(fields, 'base_port', undefined, ok, (v) => reader.integer(at('base_port'), v, 1, 65535));
  if (basePort !== undefined) cluster.basePort = basePort;
  return ok.value ? cluster : undefined;
}

/** node_timeout 0 would make every node fail at once; Valkey itself rejects it (min 1). */
function positiveDuration(reader: Reader, path: string, value: unknown, numberUnitMs = 1): number | undefined {
  const ms = reader.duration(path, value, numberUnitMs);
  if (ms === 0) {
    reader.problem(path, 'expected a duration above 0, found 0');
    return undefined;
  }
  return ms;
}

/** valkey.conf names and values: one line each, so no line breaks; values kept as text. */
function readServerConfig(reader: Reader, path: string, value: unknown): Record<string, string> | undefined {
  const fields = reader.map(path, value);
  if (fields === undefined) return undefined;
  const out: Record<string, string> = {};
  let ok = true;
  for (const [key, item] of Object.entries(fields)) {
    const at = childPath(path, key);
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) {
      reader.problem(at, `expected a valkey.conf option name (letters, digits, - _ .), found '${key}'`, true);
      ok = false;
    } else if (typeof item === 'string' && !/[\r\n]/.test(item)) {
      out[key] = item;
    } else if (typeof item === 'number' && Number.isFinite(item)) {
      out[key] = String(item);
    } else if (typeof item === 'boolean') {
      out[key] = item ? 'yes' : 'no'; // valkey.conf spells booleans yes/no
    } else {
      reader.problem(at, `expected a one-line string, a number or true/false, found ${describe(item)}`);
      ok = false;
    }
  }
  return ok ? Object.fromEntries(Object.entries(out)) : undefined;
}

export function readWorkload(
  reader: Reader,
  path: string,
  value: unknown,
  replicasPerShard: number | null,
): Workload | null | undefined {
  if (value === undefined || value === null) return null;
  const fields = reader.map(path, value);
  if (fields === undefined) return undefined;
  reader.knownKeys(path, fields, WORKLOAD_KEYS);
  const ok = { value: true };
  const at = (key: string) => childPath(path, key);
  const d = defaultWorkload(replicasPerShard ?? 0);
  const workload: Workload = {
    keys: optional(fields, 'keys', d.keys, ok, (v) => reader.integer(at('keys'), v, 1, MAX_COUNT)),
    writesPerSec: optional(fields, 'writes_per_sec', d.writesPerSec, ok, (v) =>
      reader.number(at('writes_per_sec'), v, 0, MAX_COUNT),
    ),
    waitReplicas: optional(fields, 'wait_replicas', d.waitReplicas, ok, (v) => {
      if (replicasPerShard !== null && typeof v === 'number' && Number.isInteger(v) && v > replicasPerShard) {
        reader.problem(
          at('wait_replicas'),
          `expected an integer 0..${replicasPerShard} (replicas_per_shard), found ${v}`,
        );
        return undefined;
      }
      return reader.integer(at('wait_replicas'), v, 0, replicasPerShard ?? MAX_REPLICAS);
    }),
  };
  return ok.value ? workload : undefined;
}

/** Our `chaos` form (the valkey-fuzzer form, with a `type` key, is read in valkey-fuzzer.ts). */
export function readChaos(reader: Reader, path: string, fields: Fields): Chaos | undefined {
  reader.knownKeys(path, fields, CHAOS_KEYS);
  const ok = { value: true };
  const at = (key: string) => childPath(path, key);
  const d = DEFAULT_CHAOS;
  const chaos: Chaos = {
    rate: optional(fields, 'rate', d.rate, ok, (v) => reader.number(at('rate'), v, 0, MAX_CHAOS_RATE)),
    types: optional(fields, 'types', [...d.types], ok, (v) => reader.subset(at('types'), v, FAULT_ACTIONS, false)),
    targets: optional(fields, 'targets', d.targets, ok, (v) =>
      reader.oneOf<ChaosTargets>(at('targets'), v, ['any', 'primaries', 'replicas']),
    ),
    maxConcurrent: optional(fields, 'max_concurrent', d.maxConcurrent, ok, (v) =>
      reader.integer(at('max_concurrent'), v, 1, MAX_COUNT),
    ),
    keepQuorum: optional(fields, 'keep_quorum', d.keepQuorum, ok, (v) => reader.boolean(at('keep_quorum'), v)),
    untilMs: optional(fields, 'until', d.untilMs, ok, (v) => reader.duration(at('until'), v)),
    faultDurationMsMin: optional(fields, 'fault_duration_min', d.faultDurationMsMin, ok, (v) =>
      reader.duration(at('fault_duration_min'), v),
    ),
    faultDurationMsMax: optional(fields, 'fault_duration_max', d.faultDurationMsMax, ok, (v) =>
      reader.duration(at('fault_duration_max'), v),
    ),
  };
  if (ok.value && chaos.faultDurationMsMin > chaos.faultDurationMsMax) {
    reader.problem(
      at('fault_duration_max'),
      `expected at least fault_duration_min (${chaos.faultDurationMsMin}ms), found ${chaos.faultDurationMsMax}ms`,
    );
    return undefined;
  }
  return ok.value ? chaos : undefined;
}

/**
 * `validation`. `numberUnitMs` is 1000 in valkey-fuzzer documents, where a bare
 * `convergence_timeout: 60.0` means seconds. `max_replication_lag` is accepted and checked for
 * valkey-fuzzer's sake but not kept: replicas-consistent compares data after convergence instead.
 */
export function readValidation(
  reader: Reader,
  path: string,
  value: unknown,
  numberUnitMs: number,
): Validation | undefined {
  const fallback: Validation = {
    convergenceTimeoutMs: DEFAULT_CONVERGENCE_TIMEOUT_MS,
    invariants: [...INVARIANT_NAMES],
  };
  if (value === undefined || value === null) return fallback;
  const fields = reader.map(path, value);
  if (fields === undefined) return undefined;
  reader.knownKeys(path, fields, VALIDATION_KEYS);
  const ok = { value: true };
  const at = (key: string) => childPath(path, key);
  const convergenceTimeoutMs = optional(fields, 'convergence_timeout', fallback.convergenceTimeoutMs, ok, (v) =>
    positiveDuration(reader, at('convergence_timeout'), v, numberUnitMs),
  );
  optional(fields, 'max_replication_lag', 0, ok, (v) => reader.duration(at('max_replication_lag'), v, numberUnitMs));
  let invariants = optional(fields, 'invariants', fallback.invariants, ok, (v) =>
    readInvariants(reader, at('invariants'), v),
  );
  for (const [key, invariant] of Object.entries(CHECK_SWITCHES)) {
    const on = optional(fields, key, true, ok, (v) => reader.boolean(at(key), v));
    if (!on) invariants = invariants.filter((name) => name !== invariant);
  }
  return ok.value ? { convergenceTimeoutMs, invariants } : undefined;
}

function readInvariants(reader: Reader, path: string, value: unknown): InvariantName[] | undefined {
  if (value === 'all') return [...INVARIANT_NAMES];
  if (!Array.isArray(value)) {
    reader.problem(path, `expected 'all' or a list of invariant names, found ${describe(value)}`);
    return undefined;
  }
  return reader.subset(path, value, INVARIANT_NAMES, true);
}
