/**
 * Symbolic targets: their syntax (used by the DSL loader to validate) and their resolution
 * against the cluster's current topology (used by both backends when a step runs).
 *
 * `node-K` is a fixed node in creation order (shard i's first primary is node i*(1+R), its
 * replicas follow; add_node appends). `shard-I-primary` is whoever owns shard I's slots now,
 * `shard-I-replica-J` the J-th current replica of shard I by node number. `random`,
 * `random-primary`, `random-replica` pick among running nodes with the caller's Rng.
 * In `from`/`to` of latency/drop/hold/release, `['all']` means every node and `rest` every node
 * not on the other side. Pure: no I/O, randomness only from the Rng passed in.
 */
import type { Rng } from '../rng.ts';
import type { Group, Target } from './types.ts';

export type ParsedTarget =
  | { kind: 'node'; nodeIndex: number }
  | { kind: 'primary'; shard: number }
  | { kind: 'replica'; shard: number; replicaIndex: number }
  | { kind: 'random'; role: 'any' | 'primary' | 'replica' };

/** The `from`/`to` keyword for every node (stored as the one-element list `['all']`). */
export const ALL_NODES = 'all';

// No leading zeros, so each node has one spelling; at most 6 digits keeps indexes small integers.
const INDEX = '(0|[1-9][0-9]{0,5})';
const NODE = new RegExp(`^node-${INDEX}$`);
const PRIMARY = new RegExp(`^shard-${INDEX}-primary$`);
const REPLICA = new RegExp(`^shard-${INDEX}-replica-${INDEX}$`);

/** Syntax only (ranges depend on the cluster); null if `text` is not a target. */
export function parseTarget(text: string): ParsedTarget | null {
  let match = NODE.exec(text);
  if (match) return { kind: 'node', nodeIndex: Number(match[1]) };
  match = PRIMARY.exec(text);
  if (match) return { kind: 'primary', shard: Number(match[1]) };
  match = REPLICA.exec(text);
  if (match) return { kind: 'replica', shard: Number(match[1]), replicaIndex: Number(match[2]) };
  if (text === 'random') return { kind: 'random', role: 'any' };
  if (text === 'random-primary') return { kind: 'random', role: 'primary' };
  if (text === 'random-replica') return { kind: 'random', role: 'replica' };
  return null;
}

export const TARGET_FORMS = 'node-K, shard-I-primary, shard-I-replica-J, random, random-primary or random-replica';

/** The name of the node created K-th (0-based): the same on both backends. */
export function nodeName(nodeIndex: number): string {
  return `node-${nodeIndex}`;
}

/** Creation index of shard `shard`'s first primary with `replicasPerShard` replicas each. */
export function firstPrimaryIndex(shard: number, replicasPerShard: number): number {
  return shard * (1 + replicasPerShard);
}

/** One node as a backend sees it when a step runs. */
export interface TopologyEntry {
  name: string;
  /** The shard whose slots it owns (primary) or replicates (replica); null for an empty primary. */
  shard: number | null;
  role: 'primary' | 'replica';
  running: boolean;
  /** Position among its shard's replicas by node number; null for a primary. */
  replicaIndex: number | null;
}

/** Node number of `node-K` names, for ordering; other names sort after, by text. */
function nodeNumber(name: string): number {
  const match = NODE.exec(name);
  return match ? Number(match[1]) : Number.MAX_SAFE_INTEGER;
}

function byNodeNumber(a: TopologyEntry, b: TopologyEntry): number {
  return nodeNumber(a.name) - nodeNumber(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * The node a target names now, or null (no such node, or no running candidate for random-*).
 * `exclude` keeps random picks off nodes already chosen (partition groups stay disjoint).
 */
export function resolveTarget(
  target: Target,
  topology: readonly TopologyEntry[],
  rng: Rng,
  exclude: ReadonlySet<string> = new Set(),
): string | null {
  const parsed = parseTarget(target);
  if (parsed === null) return null;
  const sorted = [...topology].sort(byNodeNumber);
  switch (parsed.kind) {
    case 'node':
      return sorted.find((entry) => entry.name === nodeName(parsed.nodeIndex))?.name ?? null;
    case 'primary': {
      const owners = sorted.filter((entry) => entry.role === 'primary' && entry.shard === parsed.shard);
      // Two claimants (a failover not yet seen by everyone): the running one is the owner now.
      return (owners.find((entry) => entry.running) ?? owners[0])?.name ?? null;
    }
    case 'replica': {
      const replicas = sorted.filter((entry) => entry.role === 'replica' && entry.shard === parsed.shard);
      return replicas[parsed.replicaIndex]?.name ?? null;
    }
    case 'random': {
      const candidates = sorted.filter(
        (entry) => entry.running && !exclude.has(entry.name) && (parsed.role === 'any' || entry.role === parsed.role),
      );
      return candidates.length === 0 ? null : rng.pick(candidates).name;
    }
  }
}

/**
 * Partition groups as node names. Fixed targets are placed first, then random ones among the
 * nodes still free, then `rest` (a group of its own, or inside a list) takes every node not
 * placed; a node named twice stays in its first group. Targets that name no node are left out.
 */
export function resolveGroups(groups: readonly Group[], topology: readonly TopologyEntry[], rng: Rng): string[][] {
  // The loader rejects a second `rest`; one here is a bug in whoever built the step.
  const hasRest = (group: Group) => group === 'rest' || group.includes('rest');
  if (groups.filter(hasRest).length > 1) throw new Error('resolveGroups: more than one rest group');
  const placed = new Set<string>();
  const out: string[][] = groups.map(() => []);
  for (const pass of ['fixed', 'random'] as const) {
    groups.forEach((group, i) => {
      if (group === 'rest') return;
      for (const target of group) {
        if (target === 'rest' || (parseTarget(target)?.kind === 'random') !== (pass === 'random')) continue;
        const name = resolveTarget(target, topology, rng, placed);
        if (name === null || placed.has(name)) continue;
        placed.add(name);
        out[i]!.push(name);
      }
    });
  }
  const rest = [...topology]
    .sort(byNodeNumber)
    .map((entry) => entry.name)
    .filter((name) => !placed.has(name));
  groups.forEach((group, i) => {
    if (group === 'rest') out[i] = rest;
    else if (group.includes('rest')) out[i]!.push(...rest);
  });
  return out;
}

/** One side of a directed rule as node names; `rest` is resolved against the other side. */
function resolveSide(side: Group, topology: readonly TopologyEntry[], rng: Rng): string[] | 'rest' {
  if (side === 'rest') return 'rest';
  if (side.length === 1 && side[0] === ALL_NODES) return [...topology].sort(byNodeNumber).map((entry) => entry.name);
  const names: string[] = [];
  for (const target of side) {
    const name = resolveTarget(target, topology, rng);
    if (name !== null && !names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * The directed pairs [from, to] a latency/drop/hold/release rule covers, never a node to itself,
 * in node order. `from` is resolved before `to` (a fixed order of Rng draws).
 */
export function resolvePairs(
  from: Group,
  to: Group,
  topology: readonly TopologyEntry[],
  rng: Rng,
): Array<[string, string]> {
  const everyone = [...topology].sort(byNodeNumber).map((entry) => entry.name);
  const fromSide = resolveSide(from, topology, rng);
  const toSide = resolveSide(to, topology, rng);
  if (fromSide === 'rest' && toSide === 'rest') throw new Error('resolvePairs: both sides are rest');
  const fromNames = fromSide === 'rest' ? everyone.filter((n) => !(toSide as string[]).includes(n)) : fromSide;
  const toNames = toSide === 'rest' ? everyone.filter((n) => !fromNames.includes(n)) : toSide;
  const pairs: Array<[string, string]> = [];
  for (const a of everyone) {
    if (!fromNames.includes(a)) continue;
    for (const b of everyone) {
      if (a !== b && toNames.includes(b)) pairs.push([a, b]);
    }
  }
  return pairs;
}
