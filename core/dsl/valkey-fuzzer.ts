/**
 * valkey-fuzzer compatibility: its `operations` list and its `chaos` block form (told apart from
 * ours by the `type` key) become ordinary timeline steps with `source: operations`, so both
 * backends run them like any other step. valkey-fuzzer's times are seconds (floats).
 *
 * Timing, following valkey-fuzzer's orchestrator: operations run one after another; each waits
 * `delay_before`, runs (failover), is given `timeout` to finish, then waits `delay_after`, and the
 * next starts there. A failover of `shard-I-primary` is sent to that shard's replica 0
 * (valkey-fuzzer picks a random live replica; a fixed one keeps the run replayable).
 * Chaos kills land `delay_before_operation` before an operation, at its start, and/or
 * `delay_after_operation` after its timeout, per the coordination flags, and the killed node
 * restarts after `chaos_duration`. A chaos block without operations injects nothing, as there.
 */
import type { Step, Target } from '../scenario/types.ts';
import { parseTarget } from '../scenario/targets.ts';
import { childPath, indexPath } from './paths.ts';
import { isFields, type Fields, type Reader } from './reader.ts';
import { readTarget, type TargetLimits } from './target-fields.ts';

const SECOND_MS = 1000;
const OPERATION_KEYS = ['type', 'target_node', 'parameters', 'timing'] as const;
const OPERATION_TIMING_KEYS = ['delay_before', 'timeout', 'delay_after'] as const;
const CHAOS_KEYS = [
  'type',
  'process_chaos_type',
  'randomize_per_operation',
  'target_selection',
  'timing',
  'coordination',
] as const;
const SELECTION_KEYS = ['strategy', 'node', 'specific_nodes'] as const;
const CHAOS_TIMING_KEYS = ['delay_before_operation', 'delay_after_operation', 'chaos_duration'] as const;
const COORDINATION_KEYS = ['chaos_before_operation', 'chaos_during_operation', 'chaos_after_operation'] as const;

/** Our chaos form has no `type`; valkey-fuzzer's always names one (`process_kill`). */
export function isFuzzerChaos(value: unknown): value is Fields {
  return isFields(value) && 'type' in value;
}

interface Operation {
  target: Target;
  force: boolean;
  delayBeforeMs: number;
  timeoutMs: number;
  delayAfterMs: number;
}

interface FuzzerChaos {
  action: 'kill' | 'terminate';
  targets: Target[];
  delayBeforeOperationMs: number;
  delayAfterOperationMs: number;
  chaosDurationMs: number;
  before: boolean;
  during: boolean;
  after: boolean;
}

/** Valkey-fuzzer's defaults (its ScenarioGenerator.parse_dsl_config). */
const DEFAULTS = { timeoutS: 30, chaosDurationS: 10 };

/** The timeline steps for `operations` and a valkey-fuzzer `chaos` block (either may be absent). */
export function readFuzzerSteps(
  reader: Reader,
  operations: unknown,
  chaos: Fields | undefined,
  limits: TargetLimits | null,
): Step[] | undefined {
  const ops =
    operations === undefined || operations === null ? [] : readOperations(reader, 'operations', operations, limits);
  const kills = chaos === undefined ? null : readFuzzerChaos(reader, 'chaos', chaos, limits);
  if (ops === undefined || kills === undefined) return undefined;
  return expand(ops, kills);
}

function expand(ops: Operation[], chaos: FuzzerChaos | null): Step[] {
  const steps: Step[] = [];
  let cursorMs = 0;
  for (const op of ops) {
    const opAtMs = cursorMs + op.delayBeforeMs;
    const kill = (atMs: number) => {
      for (const target of chaos!.targets) {
        steps.push({
          atMs,
          source: 'operations',
          action: chaos!.action,
          target,
          restartAfterMs: chaos!.chaosDurationMs,
        });
      }
    };
    if (chaos?.before) kill(Math.max(0, opAtMs - chaos.delayBeforeOperationMs));
    steps.push({
      atMs: opAtMs,
      source: 'operations',
      action: 'failover',
      target: op.target,
      mode: op.force ? 'force' : 'default',
    });
    if (chaos?.during) kill(opAtMs);
    if (chaos?.after) kill(opAtMs + op.timeoutMs + chaos.delayAfterOperationMs);
    cursorMs = opAtMs + op.timeoutMs + op.delayAfterMs;
  }
  return steps;
}

function readOperations(
  reader: Reader,
  path: string,
  value: unknown,
  limits: TargetLimits | null,
): Operation[] | undefined {
  const items = reader.list(path, value);
  if (items === undefined) return undefined;
  const ops = items.map((item, i) => readOperation(reader, indexPath(path, i), item, limits));
  return ops.every((op) => op !== undefined) ? ops : undefined;
}

function readOperation(
  reader: Reader,
  path: string,
  value: unknown,
  limits: TargetLimits | null,
): Operation | undefined {
  const fields = reader.map(path, value);
  if (fields === undefined) return undefined;
  reader.knownKeys(path, fields, OPERATION_KEYS);
  const at = (key: string) => childPath(path, key);
  const type = reader.required(path, fields, 'type', "'failover'");
  const typeOk = type === undefined ? false : reader.oneOf(at('type'), type, ['failover'] as const) !== undefined;
  const node = reader.required(path, fields, 'target_node', 'a target like shard-0-primary');
  const target = node === undefined ? undefined : failoverTarget(reader, at('target_node'), node, limits);
  const parameters = sub(reader, at('parameters'), fields.parameters, ['force']);
  const force =
    parameters?.force === undefined ? false : reader.boolean(childPath(at('parameters'), 'force'), parameters.force);
  const timing = sub(reader, at('timing'), fields.timing, OPERATION_TIMING_KEYS);
  const seconds = (key: string, fallbackS: number) =>
    secondsField(reader, childPath(at('timing'), key), timing?.[key], fallbackS);
  const delayBeforeMs = seconds('delay_before', 0);
  const timeoutMs = seconds('timeout', DEFAULTS.timeoutS);
  const delayAfterMs = seconds('delay_after', 0);
  if (
    !typeOk ||
    target === undefined ||
    parameters === undefined ||
    force === undefined ||
    timing === undefined ||
    delayBeforeMs === undefined ||
    timeoutMs === undefined ||
    delayAfterMs === undefined
  )
    return undefined;
  return { target, force, delayBeforeMs, timeoutMs, delayAfterMs };
}

/** valkey-fuzzer names the primary to fail over; our failover names the replica that takes over. */
function failoverTarget(reader: Reader, path: string, value: unknown, limits: TargetLimits | null): Target | undefined {
  const named = readTarget(reader, path, value, limits);
  if (named === undefined) return undefined;
  const parsed = parseTarget(named);
  if (parsed?.kind === 'random' && parsed.role === 'primary') return 'random-replica';
  if (parsed?.kind !== 'primary') return named;
  const replicas = limits === null ? 1 : limits.replicasPerShard + (limits.addedReplicas.get(parsed.shard) ?? 0);
  if (replicas === 0) {
    reader.problem(path, `expected a shard with a replica to fail over to, found ${named} with replicas_per_shard 0`);
    return undefined;
  }
  return `shard-${parsed.shard}-replica-0`;
}

/** An optional nested map: absent is an empty map; unknown keys are problems. */
function sub(reader: Reader, path: string, value: unknown, keys: readonly string[]): Fields | undefined {
  if (value === undefined || value === null) return {};
  const fields = reader.map(path, value);
  if (fields !== undefined) reader.knownKeys(path, fields, keys);
  return fields;
}

function secondsField(reader: Reader, path: string, value: unknown, fallbackS: number): number | undefined {
  if (value === undefined || value === null) return fallbackS * SECOND_MS;
  return reader.duration(path, value, SECOND_MS);
}

function readFuzzerChaos(
  reader: Reader,
  path: string,
  fields: Fields,
  limits: TargetLimits | null,
): FuzzerChaos | undefined {
  reader.knownKeys(path, fields, CHAOS_KEYS);
  const at = (key: string) => childPath(path, key);
  const typeOk = reader.oneOf(at('type'), fields.type, ['process_kill'] as const) !== undefined;
  // null: valkey-fuzzer draws the signal at run time; a replayable run needs one, so SIGKILL.
  const signal =
    fields.process_chaos_type === undefined || fields.process_chaos_type === null
      ? 'sigkill'
      : reader.oneOf(at('process_chaos_type'), fields.process_chaos_type, ['sigkill', 'sigterm'] as const);
  if (fields.randomize_per_operation !== undefined)
    reader.boolean(at('randomize_per_operation'), fields.randomize_per_operation);
  const targets = readSelection(reader, at('target_selection'), fields.target_selection, limits);
  const timing = sub(reader, at('timing'), fields.timing, CHAOS_TIMING_KEYS);
  const seconds = (key: string, fallbackS: number) =>
    secondsField(reader, childPath(at('timing'), key), timing?.[key], fallbackS);
  const delayBeforeOperationMs = seconds('delay_before_operation', 0);
  const delayAfterOperationMs = seconds('delay_after_operation', 0);
  const chaosDurationMs = seconds('chaos_duration', DEFAULTS.chaosDurationS);
  const coordination = sub(reader, at('coordination'), fields.coordination, COORDINATION_KEYS);
  const flag = (key: string, fallback: boolean) => {
    const value = coordination?.[key];
    return value === undefined || value === null ? fallback : reader.boolean(childPath(at('coordination'), key), value);
  };
  const before = flag('chaos_before_operation', false);
  const during = flag('chaos_during_operation', true);
  const after = flag('chaos_after_operation', false);
  if (
    !typeOk ||
    signal === undefined ||
    targets === undefined ||
    timing === undefined ||
    coordination === undefined ||
    delayBeforeOperationMs === undefined ||
    delayAfterOperationMs === undefined ||
    chaosDurationMs === undefined ||
    before === undefined ||
    during === undefined ||
    after === undefined
  )
    return undefined;
  if (fields.randomize_per_operation !== undefined && typeof fields.randomize_per_operation !== 'boolean')
    return undefined;
  return {
    action: signal === 'sigkill' ? 'kill' : 'terminate',
    targets,
    delayBeforeOperationMs,
    delayAfterOperationMs,
    chaosDurationMs,
    before,
    during,
    after,
  };
}

const STRATEGY_TARGET: Record<string, Target> = {
  random: 'random',
  primary_only: 'random-primary',
  replica_only: 'random-replica',
};

function readSelection(
  reader: Reader,
  path: string,
  value: unknown,
  limits: TargetLimits | null,
): Target[] | undefined {
  const fields = sub(reader, path, value, SELECTION_KEYS);
  if (fields === undefined) return undefined;
  const strategyValue = fields.strategy ?? 'random';
  const strategy = reader.oneOf(childPath(path, 'strategy'), strategyValue, [
    'random',
    'primary_only',
    'replica_only',
    'specific',
  ] as const);
  if (strategy === undefined) return undefined;
  if (strategy !== 'specific') return [STRATEGY_TARGET[strategy]!];
  if (fields.node !== undefined && fields.node !== null) {
    const target = readTarget(reader, childPath(path, 'node'), fields.node, limits);
    return target === undefined ? undefined : [target];
  }
  const listPath = childPath(path, 'specific_nodes');
  if (fields.specific_nodes === undefined || fields.specific_nodes === null) {
    reader.problem(
      childPath(path, 'node'),
      "missing required field; strategy 'specific' needs node (or specific_nodes)",
    );
    return undefined;
  }
  const list = reader.list(listPath, fields.specific_nodes);
  if (list === undefined) return undefined;
  if (list.length === 0) {
    reader.problem(listPath, 'expected at least one target, found an empty list');
    return undefined;
  }
  const targets = list.map((item, i) => readTarget(reader, indexPath(listPath, i), item, limits));
  return targets.every((t) => t !== undefined) ? targets : undefined;
}
