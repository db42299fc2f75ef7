/**
 * Reading target fields of timeline steps: a single target, partition groups, and the `from`/`to`
 * sides of network rules. Checks syntax and ranges against the cluster (node count including
 * add_node steps, shard and replica indexes); what a target names at run time is
 * core/scenario/targets.ts's job.
 */
import { ALL_NODES, parseTarget, TARGET_FORMS } from '../scenario/targets.ts';
import type { Group, Target } from '../scenario/types.ts';
import { indexPath } from './paths.ts';
import { describe, type Reader } from './reader.ts';

/** What targets may name; null when the cluster block itself was invalid (ranges unchecked). */
export interface TargetLimits {
  /** numShards * (1 + replicasPerShard) plus one per add_node step. */
  nodeCount: number;
  /** numShards plus one per add_node step without a shard (an empty primary may take slots). */
  shardCount: number;
  replicasPerShard: number;
  /** add_node steps that join shard I as a replica, by I. */
  addedReplicas: ReadonlyMap<number, number>;
}

/** One target; `subject` names the field in messages (`target`, `other`, `primary`). */
export function readTarget(
  reader: Reader,
  path: string,
  value: unknown,
  limits: TargetLimits | null,
): Target | undefined {
  if (typeof value !== 'string') {
    reader.problem(path, `expected a target (${TARGET_FORMS}), found ${describe(value)}`);
    return undefined;
  }
  const parsed = parseTarget(value);
  if (parsed === null) {
    reader.problem(path, `expected a target (${TARGET_FORMS}), found unknown target '${value}'`);
    return undefined;
  }
  if (limits === null) return value;
  const range = rangeProblem(parsed, limits);
  if (range !== null) {
    reader.problem(path, `target '${value}' is out of range: ${range}`);
    return undefined;
  }
  return value;
}

function rangeProblem(parsed: NonNullable<ReturnType<typeof parseTarget>>, limits: TargetLimits): string | null {
  switch (parsed.kind) {
    case 'node':
      return parsed.nodeIndex < limits.nodeCount
        ? null
        : `the cluster has ${limits.nodeCount} nodes (node-0..node-${limits.nodeCount - 1})`;
    case 'primary':
      return parsed.shard < limits.shardCount ? null : `the cluster has ${limits.shardCount} shards`;
    case 'replica': {
      if (parsed.shard >= limits.shardCount) return `the cluster has ${limits.shardCount} shards`;
      const replicas = limits.replicasPerShard + (limits.addedReplicas.get(parsed.shard) ?? 0);
      return parsed.replicaIndex < replicas
        ? null
        : `shard ${parsed.shard} has ${replicas} replica${replicas === 1 ? '' : 's'}`;
    }
    case 'random':
      return null;
  }
}

/** A list of distinct targets (random-* may repeat: each draw is its own pick). */
function readTargetList(
  reader: Reader,
  path: string,
  list: unknown[],
  limits: TargetLimits | null,
): Target[] | undefined {
  const items = Array.from(list); // holes of a sparse array become undefined, and are reported
  if (items.length === 0) {
    reader.problem(path, 'expected at least one target, found an empty list');
    return undefined;
  }
  const out: Target[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const target = readTarget(reader, indexPath(path, i), item, limits);
    if (target === undefined) ok = false;
    else if (out.includes(target) && parseTarget(target)?.kind !== 'random') {
      reader.problem(indexPath(path, i), `names ${target} twice`);
      ok = false;
    } else out.push(target);
  });
  return ok ? out : undefined;
}

/**
 * Partition groups: a list of (list of targets | `rest` | one target); a list may hold `rest`
 * among its targets (`[node-1, rest]`: node-1 and every node not named elsewhere). At least two
 * groups, at most one `rest` in all, and no node named in two places.
 */
export function readGroups(
  reader: Reader,
  path: string,
  value: unknown,
  limits: TargetLimits | null,
): Group[] | undefined {
  const items = reader.list(path, value);
  if (items === undefined) return undefined;
  if (items.length < 2) {
    reader.problem(path, `expected at least two groups (a list of target lists or 'rest'), found ${items.length}`);
    return undefined;
  }
  const groups: Group[] = [];
  const seenAt = new Map<string, number>();
  let rests = 0;
  let ok = true;
  items.forEach((item, i) => {
    const groupPath = indexPath(path, i);
    if (item === 'rest') {
      rests += 1;
      if (rests > 1) {
        reader.problem(groupPath, "'rest' may appear only once (it is every node not named elsewhere)");
        ok = false;
      }
      groups.push('rest');
      return;
    }
    // `rest` inside a list ([node-1, rest]): those targets and every node not named elsewhere.
    const restInside = Array.isArray(item) ? item.indexOf('rest') : -1;
    if (restInside >= 0) {
      rests += 1;
      if (rests > 1) {
        reader.problem(
          indexPath(groupPath, restInside),
          "'rest' may appear only once (it is every node not named elsewhere)",
        );
        ok = false;
      }
    }
    const listed = Array.isArray(item) && restInside >= 0 ? item.filter((_, index) => index !== restInside) : item;
    if (Array.isArray(listed) && listed.length === 0 && restInside >= 0) {
      groups.push('rest');
      return;
    }
    const group = Array.isArray(listed)
      ? readTargetList(reader, groupPath, listed, limits)
      : readSingleGroup(reader, groupPath, listed, limits);
    if (group === undefined) {
      ok = false;
      return;
    }
    for (const target of group) {
      if (parseTarget(target)?.kind === 'random') continue;
      const earlier = seenAt.get(target);
      if (earlier !== undefined && earlier !== i) {
        reader.problem(groupPath, `names ${target}, which is already in ${indexPath(path, earlier)}`);
        ok = false;
      }
      seenAt.set(target, earlier ?? i);
    }
    groups.push(restInside >= 0 ? [...group, 'rest'] : group);
  });
  return ok ? groups : undefined;
}

function readSingleGroup(
  reader: Reader,
  path: string,
  item: unknown,
  limits: TargetLimits | null,
): Target[] | undefined {
  if (typeof item === 'string' || item === null || typeof item !== 'object') {
    const target = readTarget(reader, path, item, limits);
    return target === undefined ? undefined : [target];
  }
  reader.problem(path, `expected a group (a list of targets, one target, or 'rest'), found ${describe(item)}`);
  return undefined;
}

/** `from`/`to`: a target, a list of targets, `all` (stored as ['all']) or `rest`. */
export function readSide(reader: Reader, path: string, value: unknown, limits: TargetLimits | null): Group | undefined {
  if (value === 'rest') return 'rest';
  if (value === ALL_NODES) return [ALL_NODES];
  if (Array.isArray(value)) {
    if (value.length === 1 && value[0] === ALL_NODES) return [ALL_NODES];
    const allAt = value.findIndex((item) => item === ALL_NODES || item === 'rest');
    if (allAt >= 0) {
      reader.problem(
        indexPath(path, allAt),
        `'${String(value[allAt])}' must stand alone, not inside a list of targets`,
      );
      return undefined;
    }
    return readTargetList(reader, path, value, limits);
  }
  if (typeof value === 'string') {
    const target = readTarget(reader, path, value, limits);
    return target === undefined ? undefined : [target];
  }
  reader.problem(path, `expected a target, a list of targets, 'all' or 'rest', found ${describe(value)}`);
  return undefined;
}
