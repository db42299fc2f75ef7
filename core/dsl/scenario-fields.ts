/**
 * The whole scenario document to the resolved Scenario: top-level fields, the blocks, the
 * timeline (plus valkey-fuzzer operations), targets checked against the cluster, steps sorted
 * stably by time. Records every problem in the Reader; returns undefined if there was any.
 */
import { PROTOCOLS, type Scenario, type Step } from '../scenario/types.ts';
import { CHAOS_PRESETS } from './chaos-presets.ts';
import { readChaos, readCluster, readValidation, readWorkload } from './block-fields.ts';
import { indexPath } from './paths.ts';
import { isFields, type Fields, type Reader } from './reader.ts';
import { readStep } from './step-fields.ts';
import type { TargetLimits } from './target-fields.ts';
import { isFuzzerChaos, readFuzzerSteps } from './valkey-fuzzer.ts';

export const TOP_LEVEL_KEYS = [
  'scenario_id',
  'seed',
  'protocol',
  'description',
  'cluster',
  'workload',
  'timeline',
  'chaos',
  'operations',
  'validation',
] as const;
const SCENARIO_ID = /^[a-z0-9._-]+$/;

export function readScenario(reader: Reader, doc: unknown): Scenario | undefined {
  const fields = reader.map('', doc);
  if (fields === undefined) return undefined;
  reader.knownKeys('', fields, TOP_LEVEL_KEYS);
  const before = reader.problems.length;
  const scenarioId = readScenarioId(reader, fields);
  const seed =
    fields.seed === undefined || fields.seed === null
      ? 0
      : reader.integer('seed', fields.seed, 0, Number.MAX_SAFE_INTEGER);
  const protocol =
    fields.protocol === undefined || fields.protocol === null
      ? 'valkey-8.0'
      : reader.oneOf('protocol', fields.protocol, PROTOCOLS);
  const description =
    fields.description === undefined || fields.description === null
      ? undefined
      : reader.string('description', fields.description);
  const cluster = readCluster(reader, 'cluster', fields.cluster);
  const workload = readWorkload(reader, 'workload', fields.workload, cluster?.replicasPerShard ?? null);
  const fuzzerChaos = isFuzzerChaos(fields.chaos) ? fields.chaos : undefined;
  const chaos = readOurChaos(reader, fields.chaos, fuzzerChaos !== undefined);
  // valkey-fuzzer documents give validation times as bare seconds.
  const fuzzerDocument = fields.operations !== undefined || fuzzerChaos !== undefined;
  const validation = readValidation(reader, 'validation', fields.validation, fuzzerDocument ? 1000 : 1);
  const limits =
    cluster === undefined ? null : targetLimits(cluster.numShards, cluster.replicasPerShard, fields.timeline);
  const timeline = readTimeline(reader, fields.timeline, limits, cluster?.numShards ?? null);
  const fuzzerSteps = readFuzzerSteps(reader, fields.operations, fuzzerChaos, limits);
  if (
    reader.problems.length > before ||
    scenarioId === undefined ||
    seed === undefined ||
    protocol === undefined ||
    cluster === undefined ||
    workload === undefined ||
    chaos === undefined ||
    validation === undefined ||
    timeline === undefined ||
    fuzzerSteps === undefined ||
    (fields.description != null && description === undefined)
  ) {
    return undefined;
  }
  const scenario: Scenario = {
    scenarioId,
    seed,
    protocol,
    cluster,
    workload,
    timeline: sortByTime([...timeline, ...fuzzerSteps]),
    chaos,
    validation,
  };
  if (description !== undefined) scenario.description = description;
  return scenario;
}

function readScenarioId(reader: Reader, fields: Fields): string | undefined {
  const value = reader.required(
    '',
    fields,
    'scenario_id',
    'an id of lowercase letters, digits, . _ - (like kill-primary)',
  );
  if (value === undefined) return undefined;
  if (typeof value === 'string' && SCENARIO_ID.test(value)) return value;
  reader.problem(
    'scenario_id',
    `expected an id of lowercase letters, digits, . _ - (like kill-primary), found ${JSON.stringify(value)}`,
  );
  return undefined;
}

/** Our chaos form; null when absent or when the block is valkey-fuzzer's (expanded into steps). */
function readOurChaos(reader: Reader, value: unknown, isFuzzerForm: boolean) {
  if (value === undefined || value === null || isFuzzerForm) return null;
  if (typeof value === 'string') {
    const preset = CHAOS_PRESETS[value];
    if (preset !== undefined) return readChaos(reader, 'chaos', { ...preset });
    reader.problem(
      'chaos',
      `expected a map of fields or a preset (${Object.keys(CHAOS_PRESETS).join(', ')}), found '${value}'`,
    );
    return undefined;
  }
  const fields = reader.map('chaos', value);
  return fields === undefined ? undefined : readChaos(reader, 'chaos', fields);
}

/**
 * add_node steps extend what targets may name: each adds a node; one with a shard adds a replica
 * to that shard, one without adds an empty primary that may come to own slots (a shard).
 */
function targetLimits(numShards: number, replicasPerShard: number, timeline: unknown): TargetLimits {
  const addNodes = Array.isArray(timeline)
    ? timeline.filter((step) => isFields(step) && step.action === 'add_node')
    : [];
  const addedReplicas = new Map<number, number>();
  let emptyPrimaries = 0;
  for (const step of addNodes as Fields[]) {
    if (typeof step.shard === 'number') addedReplicas.set(step.shard, (addedReplicas.get(step.shard) ?? 0) + 1);
    else emptyPrimaries += 1;
  }
  return {
    nodeCount: numShards * (1 + replicasPerShard) + addNodes.length,
    shardCount: numShards + emptyPrimaries,
    replicasPerShard,
    addedReplicas,
  };
}

function readTimeline(
  reader: Reader,
  value: unknown,
  limits: TargetLimits | null,
  numShards: number | null,
): Step[] | undefined {
  if (value === undefined || value === null) return [];
  const items = reader.list('timeline', value);
  if (items === undefined) return undefined;
  const steps = items.map((item, i) => readStep({ reader, limits, numShards }, indexPath('timeline', i), item));
  return steps.every((step) => step !== undefined) ? steps : undefined;
}

/** Stable: steps at the same time keep their file order (Array.prototype.sort is stable). */
function sortByTime(steps: Step[]): Step[] {
  return [...steps].sort((a, b) => a.atMs - b.atMs);
}
