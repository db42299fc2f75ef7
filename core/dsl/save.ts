/**
 * Saving: the resolved Scenario back to the DSL (snake_case, durations as exact readable strings
 * like `1500ms`, `2s`), so `loadScenarioText(saveScenario(s))` equals `s`. Steps expanded from
 * valkey-fuzzer operations are written as timeline steps with their `source`, never as
 * `operations` again, and durations are always strings, so no seconds-or-ms ambiguity survives.
 */
import { stringify } from 'yaml';
import { ALL_NODES } from '../scenario/targets.ts';
import {
  INVARIANT_NAMES,
  type Chaos,
  type ClusterConfig,
  type Group,
  type Scenario,
  type Step,
  type Validation,
  type Workload,
} from '../scenario/types.ts';
import { formatDuration } from './duration.ts';
import { formatDrift, formatJump } from './clock-fields.ts';

type Doc = Record<string, unknown>;

export function scenarioToDocument(s: Scenario): Doc {
  const doc: Doc = { scenario_id: s.scenarioId, seed: s.seed, protocol: s.protocol };
  if (s.description !== undefined) doc.description = s.description;
  doc.cluster = clusterDoc(s.cluster);
  if (s.workload !== null) doc.workload = workloadDoc(s.workload);
  doc.timeline = s.timeline.map(stepDoc);
  if (s.chaos !== null) doc.chaos = chaosDoc(s.chaos);
  doc.validation = validationDoc(s.validation);
  return doc;
}

export function saveScenario(s: Scenario): string {
  // lineWidth 0: never fold long strings (a description stays as written).
  return stringify(scenarioToDocument(s), { lineWidth: 0 });
}

function clusterDoc(c: ClusterConfig): Doc {
  const doc: Doc = {
    num_shards: c.numShards,
    replicas_per_shard: c.replicasPerShard,
    node_timeout: formatDuration(c.nodeTimeoutMs),
    ping_interval: formatDuration(c.pingIntervalMs),
    replica_validity_factor: c.replicaValidityFactor,
    allow_replica_migration: c.allowReplicaMigration,
    migration_barrier: c.migrationBarrier,
    require_full_coverage: c.requireFullCoverage,
    server_config: { ...c.serverConfig },
  };
  if (c.basePort !== undefined) doc.base_port = c.basePort;
  return doc;
}

function workloadDoc(w: Workload): Doc {
  return { keys: w.keys, writes_per_sec: w.writesPerSec, wait_replicas: w.waitReplicas };
}

function chaosDoc(c: Chaos): Doc {
  return {
    rate: c.rate,
    types: [...c.types],
    targets: c.targets,
    max_concurrent: c.maxConcurrent,
    keep_quorum: c.keepQuorum,
    until: formatDuration(c.untilMs),
    fault_duration_min: formatDuration(c.faultDurationMsMin),
    fault_duration_max: formatDuration(c.faultDurationMsMax),
  };
}

function validationDoc(v: Validation): Doc {
  const isAll =
    v.invariants.length === INVARIANT_NAMES.length && v.invariants.every((name, i) => name === INVARIANT_NAMES[i]);
  return { convergence_timeout: formatDuration(v.convergenceTimeoutMs), invariants: isAll ? 'all' : [...v.invariants] };
}

function side(group: Group): unknown {
  if (group === 'rest') return 'rest';
  return group.length === 1 && group[0] === ALL_NODES ? ALL_NODES : [...group];
}

function groupsDoc(groups: Group[]): unknown[] {
  return groups.map((group) => (group === 'rest' ? 'rest' : [...group]));
}

/** An optional duration field: written only when present. */
function maybe(key: string, ms: number | undefined): Doc {
  return ms === undefined ? {} : { [key]: formatDuration(ms) };
}

function stepDoc(step: Step): Doc {
  const head: Doc = { at: formatDuration(step.atMs), action: step.action };
  const tail: Doc = {
    ...(step.source === undefined ? {} : { source: step.source }),
    ...(step.keepQuorum === undefined ? {} : { keep_quorum: step.keepQuorum }),
  };
  return { ...head, ...stepParams(step), ...tail };
}

function stepParams(step: Step): Doc {
  switch (step.action) {
    case 'kill':
    case 'terminate':
      return { target: step.target, ...maybe('restart_after', step.restartAfterMs) };
    case 'pause':
      return { target: step.target, duration: formatDuration(step.durationMs) };
    case 'restart':
    case 'kill_links':
    case 'bump_epoch':
      return { target: step.target };
    case 'partition':
      return { groups: groupsDoc(step.groups), oneway: step.oneway, ...maybe('duration', step.durationMs) };
    case 'heal':
      return {};
    case 'latency':
      return {
        from: side(step.from),
        to: side(step.to),
        delay: formatDuration(step.delayMs),
        jitter: formatDuration(step.jitterMs),
        ...maybe('duration', step.durationMs),
      };
    case 'drop':
      return {
        from: side(step.from),
        to: side(step.to),
        ...(step.types === undefined ? {} : { types: [...step.types] }),
        probability: step.probability,
        ...maybe('duration', step.durationMs),
      };
    case 'hold':
    case 'release':
      return { from: side(step.from), to: side(step.to) };
    case 'failover':
      return { target: step.target, mode: step.mode };
    case 'meet':
    case 'forget':
      return { target: step.target, other: step.other };
    case 'reset':
      return { target: step.target, hard: step.hard, ...(step.ifReplica === true ? { if_replica: true } : {}) };
    case 'replicate':
      return { target: step.target, primary: step.primary };
    case 'add_node':
      return step.shard === undefined ? {} : { shard: step.shard };
    case 'migrate_slots':
      return { from: step.from, to: step.to, count: step.count };
    case 'wait':
      return { until: step.until, timeout: formatDuration(step.timeoutMs) };
    case 'clock':
      return {
        target: step.target,
        ...(step.jumpMs === undefined ? {} : { jump: formatJump(step.jumpMs) }),
        ...(step.driftPpm === undefined ? {} : { drift: formatDrift(step.driftPpm) }),
        ...maybe('duration', step.durationMs),
      };
    case 'slow':
      return { target: step.target, factor: step.factor, duration: formatDuration(step.durationMs) };
    default: {
      const never: never = step;
      throw new Error(`scenarioToDocument: unknown action in ${JSON.stringify(never)}`);
    }
  }
}
