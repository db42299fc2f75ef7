/**
 * Admin operations for generated timelines: every action of ADMIN_ACTIONS, each as a small recipe
 * that an operator might run and that leaves a cluster able to converge if Valkey behaves: a
 * FORGET is followed by a MEET, a RESET by a MEET and a REPLICATE. Targets use fixed node names
 * where a follow-up must name the same node, symbolic ones elsewhere.
 */
import type { Rng } from '../rng.ts';
import { ADMIN_ACTIONS, FAILOVER_MODES, type AdminAction, type FailoverMode, type Step } from '../scenario/types.ts';
import { node, type Layout } from './layout.ts';
import { pickWeighted, roundMs, type Weighted } from './weighted.ts';

const FAILOVER_MODE_WEIGHTS: Weighted<FailoverMode> = [
  [FAILOVER_MODES[0], 3],
  [FAILOVER_MODES[1], 2],
  [FAILOVER_MODES[2], 1],
];
const SOURCE = 'timeline' as const;

/** Two distinct existing nodes. */
function twoNodes(rng: Rng, layout: Layout, atMs: number): [string, string] | null {
  const nodes = layout.nodesAt(atMs);
  if (nodes.length < 2) return null;
  const [a, b] = rng.shuffle(nodes);
  return [node(a!), node(b!)];
}

function failover(rng: Rng, layout: Layout, atMs: number): Step[] | null {
  const replicas = layout.replicasAt(atMs);
  if (replicas.length === 0) return null;
  const { replicasPerShard, numShards } = layout.cluster;
  const mode = pickWeighted(rng, FAILOVER_MODE_WEIGHTS);
  let target: string;
  if (replicasPerShard > 0 && rng.chance(2, 3)) {
    target = rng.chance(1, 2) ? 'random-replica' : `shard-${rng.int(numShards)}-replica-${rng.int(replicasPerShard)}`;
  } else {
    target = node(rng.pick(replicas)[0]);
  }
  return [{ atMs, source: SOURCE, action: 'failover', target, mode }];
}

function bumpEpoch(rng: Rng, layout: Layout, atMs: number): Step[] {
  const target = pickWeighted(rng, [
    ['random', 1],
    [`shard-${rng.int(layout.cluster.numShards)}-primary`, 2],
    [node(rng.pick(layout.nodesAt(atMs))), 1],
  ] as const);
  return [{ atMs, source: SOURCE, action: 'bump_epoch', target }];
}

function meet(rng: Rng, layout: Layout, atMs: number): Step[] | null {
  const pair = twoNodes(rng, layout, atMs);
  return pair === null ? null : [{ atMs, source: SOURCE, action: 'meet', target: pair[0], other: pair[1] }];
}

/**
 * FORGET, then MEET the same pair again so the node can come back within the run. The MEET waits
 * out the 60 s blacklist (cluster-blacklist-ttl, §5.2): inside it, 8.0.1 keeps the node forgotten
 * for good by design (the forgotten-node gossip undoes the MEET), which is not a finding.
 */
const BLACKLIST_TTL_MS = 60_000;
function forget(rng: Rng, layout: Layout, atMs: number): Step[] | null {
  const pair = twoNodes(rng, layout, atMs);
  if (pair === null) return null;
  const [target, other] = pair;
  const meetAtMs = atMs + BLACKLIST_TTL_MS + roundMs(rng.range(1000, 5000));
  return [
    { atMs, source: SOURCE, action: 'forget', target, other },
    { atMs: meetAtMs, source: SOURCE, action: 'meet', target, other },
  ];
}

/**
 * RESET a replica, MEET it back into the cluster, make it replicate its shard's primary again. The
 * reset runs only if the node is still a replica then (`if_replica`): an operator does not reset a
 * node that a failover has made a slot-owning primary in the meantime.
 */
function reset(rng: Rng, layout: Layout, atMs: number): Step[] | null {
  const replicas = layout.replicasAt(atMs);
  if (replicas.length === 0) return null;
  const [nodeIndex, shard] = rng.pick(replicas);
  const others = layout.nodesAt(atMs).filter((index) => index !== nodeIndex);
  const target = node(nodeIndex);
  const meetAtMs = atMs + roundMs(rng.range(500, 3000));
  const replicateAtMs = meetAtMs + roundMs(rng.range(1000, 4000));
  return [
    { atMs, source: SOURCE, action: 'reset', target, hard: rng.chance(1, 2), ifReplica: true },
    { atMs: meetAtMs, source: SOURCE, action: 'meet', target, other: node(rng.pick(others)) },
    { atMs: replicateAtMs, source: SOURCE, action: 'replicate', target, primary: `shard-${shard}-primary` },
  ];
}

/** A replica moves to some shard's primary (its own or another). */
function replicate(rng: Rng, layout: Layout, atMs: number): Step[] | null {
  const replicas = layout.replicasAt(atMs);
  if (replicas.length === 0) return null;
  const [nodeIndex] = rng.pick(replicas);
  return [
    {
      atMs,
      source: SOURCE,
      action: 'replicate',
      target: node(nodeIndex),
      primary: `shard-${rng.int(layout.cluster.numShards)}-primary`,
    },
  ];
}

function addNode(rng: Rng, layout: Layout, atMs: number): Step[] {
  const shard = rng.chance(2, 3) ? rng.int(layout.cluster.numShards) : null;
  layout.add(shard, atMs);
  return [{ atMs, source: SOURCE, action: 'add_node', ...(shard === null ? {} : { shard }) }];
}

/** Slots from one shard's primary to another's, or to an added empty primary. */
function migrateSlots(rng: Rng, layout: Layout, atMs: number): Step[] | null {
  const { numShards } = layout.cluster;
  const empty = layout.emptyPrimariesAt(atMs);
  if (numShards < 2 && empty.length === 0) return null;
  const fromShard = rng.int(numShards);
  let to: string;
  if (empty.length > 0 && (numShards < 2 || rng.chance(1, 2))) {
    to = node(rng.pick(empty));
  } else {
    to = `shard-${(fromShard + rng.range(1, numShards - 1)) % numShards}-primary`;
  }
  const count = rng.range(1, Math.max(1, Math.floor(16384 / numShards / 4)));
  return [{ atMs, source: SOURCE, action: 'migrate_slots', from: `shard-${fromShard}-primary`, to, count }];
}

const RECIPES: Record<AdminAction, (rng: Rng, layout: Layout, atMs: number) => Step[] | null> = {
  failover,
  bump_epoch: bumpEpoch,
  meet,
  forget,
  reset,
  replicate,
  add_node: addNode,
  migrate_slots: migrateSlots,
};

/** One operation in INTERRUPT_ONE_IN has its target crash right after it (see `interrupted`). */
const INTERRUPT_ONE_IN = 4;
/** How soon after the operation the crash comes. */
const INTERRUPT_WITHIN_MS = 1000;

/**
 * An operator's action interrupted by a crash of the node it ran on, within a second: the
 * half-done states Jepsen-style testing goes after (a failover whose replica dies mid-election, a
 * migration whose source dies between SETSLOTs, an epoch change that only some nodes heard).
 * Half of these crashes are for good, the others restart after 1-10 s. Only for a target that
 * names one node (a random one would pick another node for the crash). Drawn from a stream of
 * its own, so the rest of a seed's scenario is what it was without it.
 */
function interrupted(rng: Rng, operation: Step): Step[] {
  if (!('target' in operation) || typeof operation.target !== 'string' || operation.target.startsWith('random'))
    return [];
  if (!rng.chance(1, INTERRUPT_ONE_IN)) return [];
  const atMs = operation.atMs + roundMs(rng.range(0, INTERRUPT_WITHIN_MS));
  const action = rng.chance(2, 3) ? ('kill' as const) : ('terminate' as const);
  const restart = rng.chance(1, 2) ? { restartAfterMs: roundMs(rng.range(1000, 10_000)) } : {};
  return [{ atMs, source: SOURCE, action, target: operation.target, ...restart }];
}

/**
 * `count` admin operations at times in [startMs, endMs), drawn in time order (so added nodes get
 * their numbers in the order the backend creates them), some interrupted by a crash of their node.
 * An action that does not fit the cluster (no replica to fail over) is skipped.
 */
export function adminSteps(rng: Rng, layout: Layout, count: number, startMs: number, endMs: number): Step[] {
  const crashes = rng.fork('interrupted');
  const times = Array.from({ length: count }, () => roundMs(rng.range(startMs, endMs - 1))).sort((a, b) => a - b);
  const steps: Step[] = [];
  for (const atMs of times) {
    const action = rng.pick(ADMIN_ACTIONS);
    const recipe = RECIPES[action](rng, layout, atMs) ?? [];
    steps.push(...recipe);
    // Only one-step operations: a recipe with follow-ups (FORGET then MEET, RESET then MEET and
    // REPLICATE) needs its node alive to leave a cluster that can converge.
    if (recipe.length === 1) steps.push(...interrupted(crashes, recipe[0]!));
  }
  return steps;
}
