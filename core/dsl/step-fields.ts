/**
 * Reading one timeline step: `at`, `action` and exactly the parameters the interface's action
 * table lists for that action, with their defaults (`oneway: false`, `jitter: 0`, `mode: default`,
 * `hard: false`, `probability: 1`, `until: converged`). `source` (timeline, chaos, operations) is
 * kept so a saved scenario with expanded valkey-fuzzer operations reloads unchanged.
 */
import { ACTIONS, FAILOVER_MODES, MESSAGE_TYPES, type Action, type Step, type StepSource } from '../scenario/types.ts';
import { DEFAULT_WAIT_TIMEOUT_MS } from './defaults.ts';
import { childPath } from './paths.ts';
import { describe, type Fields, type Reader } from './reader.ts';
import { closest } from './suggest.ts';
import { readClockParams, readSlowParams } from './clock-steps.ts';
import { readGroups, readSide, readTarget, type TargetLimits } from './target-fields.ts';

/** The parameters of each action, as the DSL spells them. */
export const ACTION_PARAMS: Record<Action, readonly string[]> = {
  kill: ['target', 'restart_after'],
  terminate: ['target', 'restart_after'],
  pause: ['target', 'duration'],
  restart: ['target'],
  partition: ['groups', 'oneway', 'duration'],
  heal: [],
  latency: ['from', 'to', 'delay', 'jitter', 'duration'],
  drop: ['from', 'to', 'types', 'probability', 'duration'],
  hold: ['from', 'to'],
  release: ['from', 'to'],
  kill_links: ['target'],
  failover: ['target', 'mode'],
  bump_epoch: ['target'],
  meet: ['target', 'other'],
  forget: ['target', 'other'],
  reset: ['target', 'hard', 'if_replica'],
  replicate: ['target', 'primary'],
  add_node: ['shard'],
  migrate_slots: ['from', 'to', 'count'],
  wait: ['until', 'timeout'],
  clock: ['target', 'jump', 'drift', 'duration'],
  slow: ['target', 'factor', 'duration'],
};

// `keep_quorum` marks a chaos-expanded fault the backend skips when it would take down a majority
// of the slot-owning primaries; it is saved so a materialized (shrunk) crash replays the same.
const STEP_COMMON = ['at', 'action', 'source', 'keep_quorum'] as const;
const STEP_SOURCES: readonly StepSource[] = ['timeline', 'chaos', 'operations'];
/** CLUSTER ADDSLOTS range: a migration moves at most every slot. */
const SLOT_COUNT = 16384;

export interface StepContext {
  reader: Reader;
  limits: TargetLimits | null;
  /** Shards as the cluster block declares them (add_node's `shard` must name one). */
  numShards: number | null;
}

export function readStep(ctx: StepContext, path: string, value: unknown): Step | undefined {
  const { reader } = ctx;
  const fields = reader.map(path, value);
  if (fields === undefined) return undefined;
  const action = readAction(reader, childPath(path, 'action'), fields.action);
  const at = reader.required(path, fields, 'at', 'a duration like 2s');
  const atMs = at === undefined ? undefined : reader.duration(childPath(path, 'at'), at);
  const source =
    fields.source === undefined ? undefined : reader.oneOf(childPath(path, 'source'), fields.source, STEP_SOURCES);
  const keepQuorum =
    fields.keep_quorum === undefined ? undefined : reader.boolean(childPath(path, 'keep_quorum'), fields.keep_quorum);
  if (action === undefined) {
    reader.knownKeys(path, fields, [...STEP_COMMON, ...new Set(Object.values(ACTION_PARAMS).flat())]);
    return undefined;
  }
  reader.knownKeys(path, fields, [...STEP_COMMON, ...ACTION_PARAMS[action]]);
  const params = readParams(ctx, path, fields, action);
  if (atMs === undefined || params === undefined || (fields.source !== undefined && source === undefined))
    return undefined;
  if (fields.keep_quorum !== undefined && keepQuorum === undefined) return undefined;
  return {
    atMs,
    ...(source === undefined ? {} : { source }),
    ...(keepQuorum === undefined ? {} : { keepQuorum }),
    ...params,
  } as Step;
}

function readAction(reader: Reader, path: string, value: unknown): Action | undefined {
  if (typeof value === 'string' && (ACTIONS as readonly string[]).includes(value)) return value as Action;
  const guess = typeof value === 'string' ? closest(value, ACTIONS) : null;
  const found =
    value === undefined
      ? 'nothing (the field is missing)'
      : typeof value === 'string'
        ? `unknown action '${value}'`
        : describe(value);
  reader.problem(
    path,
    `expected an action (${ACTIONS.join(', ')}), found ${found}${guess ? `; did you mean '${guess}'?` : ''}`,
  );
  return undefined;
}

/**
 * Reads the parameters of one action: `required` and `optional` read a field with a given
 * reader; the rest are those two with the reader filled in. `ok` turns false on any problem.
 */
export class ParamReader {
  ok = true;
  constructor(
    readonly ctx: StepContext,
    readonly path: string,
    readonly fields: Fields,
  ) {}

  private at(key: string): string {
    return childPath(this.path, key);
  }

  private checked<T>(value: T | undefined): T {
    if (value === undefined) this.ok = false;
    return value as T;
  }

  required<T>(key: string, expected: string, read: (path: string, value: unknown) => T | undefined): T {
    const value = this.ctx.reader.required(this.path, this.fields, key, expected);
    return this.checked(value === undefined ? undefined : read(this.at(key), value));
  }

  optional<T>(key: string, fallback: T, read: (path: string, value: unknown) => T | undefined): T {
    const value = this.fields[key];
    return value === undefined || value === null ? fallback : this.checked(read(this.at(key), value));
  }

  target(key = 'target'): string {
    return this.required(key, 'a target', (path, value) => readTarget(this.ctx.reader, path, value, this.ctx.limits));
  }

  /** `from` and `to`; `rest` is the nodes not on the other side, so only one side may be rest. */
  sides() {
    const side = (key: string) =>
      this.required(key, "a target, a list of targets, 'all' or 'rest'", (path, value) =>
        readSide(this.ctx.reader, path, value, this.ctx.limits),
      );
    const from = side('from');
    const to = side('to');
    if (from === 'rest' && to === 'rest') {
      this.ctx.reader.problem(
        this.at('to'),
        "expected a target, a list of targets or 'all'; 'rest' means every node not on the other side, so from and to cannot both be rest",
      );
      this.ok = false;
    }
    return { from, to };
  }

  groups() {
    return this.required('groups', "a list of groups (lists of targets, or 'rest')", (path, value) =>
      readGroups(this.ctx.reader, path, value, this.ctx.limits),
    );
  }

  durationRequired(key: string): number {
    return this.required(key, 'a duration like 2s', (path, value) => this.ctx.reader.duration(path, value));
  }

  /** Absent stays absent (the fault lasts until healed or restarted): `{}` or `{ restartAfterMs }`. */
  durationOptional(key: string): Record<string, number> {
    const ms = this.optional(key, undefined, (path, value) => this.ctx.reader.duration(path, value));
    return ms === undefined ? {} : { [camel(key)]: ms };
  }

  durationDefault(key: string, fallback: number): number {
    return this.optional(key, fallback, (path, value) => this.ctx.reader.duration(path, value));
  }

  boolean(key: string, fallback: boolean): boolean {
    return this.optional(key, fallback, (path, value) => this.ctx.reader.boolean(path, value));
  }
}

/** `restart_after` → `restartAfterMs`: the DSL key's resolved name. */
function camel(key: string): string {
  return `${key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}Ms`;
}

function readParams(
  ctx: StepContext,
  path: string,
  fields: Fields,
  action: Action,
): Record<string, unknown> | undefined {
  const p = new ParamReader(ctx, path, fields);
  const out = paramsOf(p, ctx, action);
  return p.ok ? { action, ...out } : undefined;
}

function paramsOf(p: ParamReader, ctx: StepContext, action: Action): Record<string, unknown> {
  const r = ctx.reader;
  switch (action) {
    case 'kill':
    case 'terminate':
      return { target: p.target(), ...p.durationOptional('restart_after') };
    case 'pause':
      return { target: p.target(), durationMs: p.durationRequired('duration') };
    case 'restart':
    case 'kill_links':
    case 'bump_epoch':
      return { target: p.target() };
    case 'partition':
      return {
        groups: p.groups(),
        oneway: p.boolean('oneway', false),
        ...p.durationOptional('duration'),
      };
    case 'heal':
      return {};
    case 'latency':
      return {
        ...p.sides(),
        delayMs: p.durationRequired('delay'),
        jitterMs: p.durationDefault('jitter', 0),
        ...p.durationOptional('duration'),
      };
    case 'drop': {
      const types = p.optional('types', undefined, (path, value) => r.subset(path, value, MESSAGE_TYPES, false));
      return {
        ...p.sides(),
        ...(types === undefined ? {} : { types }),
        probability: p.optional('probability', 1, (path, value) => r.number(path, value, 0, 1)),
        ...p.durationOptional('duration'),
      };
    }
    case 'hold':
    case 'release':
      return p.sides();
    case 'failover':
      return {
        target: p.target(),
        mode: p.optional('mode', 'default', (path, value) => r.oneOf(path, value, FAILOVER_MODES)),
      };
    case 'meet':
    case 'forget':
      return { target: p.target(), other: p.target('other') };
    case 'reset': {
      const ifReplica = p.boolean('if_replica', false);
      return { target: p.target(), hard: p.boolean('hard', false), ...(ifReplica ? { ifReplica } : {}) };
    }
    case 'replicate':
      return { target: p.target(), primary: p.target('primary') };
    case 'add_node': {
      const maxShard = ctx.numShards === null ? Number.MAX_SAFE_INTEGER : ctx.numShards - 1;
      const shard = p.optional('shard', undefined, (path, value) => r.integer(path, value, 0, maxShard));
      return shard === undefined ? {} : { shard };
    }
    case 'migrate_slots':
      return {
        from: p.target('from'),
        to: p.target('to'),
        count: p.required('count', `an integer 1..${SLOT_COUNT}`, (path, value) =>
          r.integer(path, value, 1, SLOT_COUNT),
        ),
      };
    case 'wait':
      return {
        until: p.optional('until', 'converged' as const, (path, value) => r.oneOf(path, value, ['converged'] as const)),
        timeoutMs: p.durationDefault('timeout', DEFAULT_WAIT_TIMEOUT_MS),
      };
    case 'clock':
      return readClockParams(p, r);
    case 'slow':
      return readSlowParams(p, r);
  }
}
