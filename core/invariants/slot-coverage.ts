/**
 * slot-coverage: after faults heal, every live node's view maps all 16384 slots to live owners
 * (protocol reference §9.3: "16384 slots covered if every shard has a live node").
 *
 * Required only while every shard that owns slots still has a live node (a shard whose nodes are
 * all down cannot serve its slots, and no rule of Valkey moves them) and while a majority of the
 * slot owners is live (otherwise no dead primary can be marked FAIL or voted out, §2.3 and §3.3:
 * a 2-shard cluster that lost a primary stays so by design). A slot counts as covered when its
 * owner, in the observer's view, is a live node (running and answering), or a primary that went
 * down for good and that Valkey's rules never let a replica replace (failover-bound's excuses: no
 * eligible replica left, the data-age gate of §3.1, no quorum): Valkey is right to leave its slots.
 */
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { unreplaceablePrimaries } from './failover-bound.ts';
import {
  NodeDirectory, SLOT_COUNT, describeRanges, lastView, liveNodes, ownedRanges,
  type LiveNode, type OwnedRange,
} from './view-facts.ts';

type OwnerKind = 'unassigned' | 'not-live' | 'unknown-node';

/** Shards (by last reported shard id) that own slots in some live view but have no live node. */
export function deadSlotOwningShards(context: InvariantContext, live: readonly LiveNode[]): Set<string> {
  const directory = new NodeDirectory(context.views);
  const liveShards = new Set(live.map((node) => node.report.shardId));
  const dead = new Set<string>();
  for (const observer of live) {
    for (const peer of observer.report.peers) {
      if (peer.slots.length === 0) continue;
      const name = directory.nameOf(peer.id);
      const shard = name === undefined ? undefined : directory.shardOf(name);
      if (shard !== undefined && !liveShards.has(shard)) dead.add(shard);
    }
  }
  return dead;
}

/**
 * True when fewer than size/2+1 of the slot owners named in live views are live, size counting
 * the dead owners too, as Valkey's cluster size does: then no failover can replace a dead one.
 */
export function failoverQuorumLost(live: readonly LiveNode[]): boolean {
  const owners = new Set<string>();
  for (const observer of live) {
    if (observer.report.slots.length > 0) owners.add(observer.report.id);
    for (const peer of observer.report.peers) if (peer.slots.length > 0) owners.add(peer.id);
  }
  const liveIds = new Set(live.map((node) => node.report.id));
  const liveOwners = [...owners].filter((id) => liveIds.has(id)).length;
  return owners.size > 0 && liveOwners < Math.floor(owners.size / 2) + 1;
}

/** Ids (in any view) of the primaries Valkey may not replace: their slots count as served. */
function excusedOwnerIds(context: InvariantContext, directory: NodeDirectory): Set<string> {
  const names = unreplaceablePrimaries(context);
  const ids = new Set<string>();
  if (names.size === 0) return ids;
  for (const view of context.views) {
    for (const node of view.nodes) {
      for (const peer of node.report?.peers ?? []) {
        const name = directory.nameOf(peer.id);
        if (name !== undefined && names.has(name)) ids.add(peer.id);
      }
    }
  }
  return ids;
}

/**
 * The slots of the view not served by a live (or excused) owner, from the view's merged ranges:
 * a poll while the cluster has not converged yet runs this for every live view, so it works on a
 * few ranges per shard rather than on 16384 slots.
 */
function uncoveredSlots(
  ranges: readonly OwnedRange[], liveIds: ReadonlySet<string>, excusedIds: ReadonlySet<string>, directory: NodeDirectory,
): { count: number; ranges: Array<[number, number]>; kind: OwnerKind; ownerIds: string[] } | null {
  const gaps: Array<[number, number]> = [];
  const kinds = new Set<OwnerKind>();
  const ownerIds = new Set<string>();
  let count = 0;
  const add = (start: number, end: number): void => {
    const last = gaps[gaps.length - 1];
    if (last !== undefined && last[1] + 1 === start) last[1] = end;
    else gaps.push([start, end]);
    count += end - start + 1;
  };
  let next = 0;
  for (const range of ranges) {
    if (range.start > next) {
      add(next, range.start - 1);
      kinds.add('unassigned');
    }
    next = range.end + 1;
    if (liveIds.has(range.ownerId) || excusedIds.has(range.ownerId)) continue;
    add(range.start, range.end);
    ownerIds.add(range.ownerId);
    kinds.add(directory.nameOf(range.ownerId) === undefined ? 'unknown-node' : 'not-live');
  }
  if (next < SLOT_COUNT) {
    add(next, SLOT_COUNT - 1);
    kinds.add('unassigned');
  }
  if (count === 0) return null;
  const kind: OwnerKind = kinds.has('unassigned') ? 'unassigned' : kinds.has('not-live') ? 'not-live' : 'unknown-node';
  return { count, ranges: gaps, kind, ownerIds: [...ownerIds] };
}

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const live = liveNodes(view);
  if (live.length === 0 || deadSlotOwningShards(context, live).size > 0 || failoverQuorumLost(live)) return null;
  const directory = new NodeDirectory(context.views);
  const liveIds = new Set(live.map((node) => node.report.id));
  let excusedOwners: Set<string> | null = null;
  for (const observer of live) {
    // Fast path: count the slots in ranges with live owners; the excuses only when some are missing.
    const ranges = ownedRanges(observer.report);
    const covered = ranges.reduce((sum, range) => sum + (liveIds.has(range.ownerId) ? range.end - range.start + 1 : 0), 0);
    if (covered === SLOT_COUNT) continue;
    excusedOwners ??= excusedOwnerIds(context, directory);
    const gap = uncoveredSlots(ranges, liveIds, excusedOwners, directory);
    if (gap === null) continue;
    const owners = gap.ownerIds.map((id) => directory.label(id));
    const ownedBy = owners.length === 0 ? 'no owner' : `owners not live: ${owners.join(', ')}`;
    return finding(
      'slot-coverage',
      `owner=${gap.kind}`,
      `${observer.name} sees ${gap.count} of ${SLOT_COUNT} slots not served by a live node ` +
        `(${describeRanges(gap.ranges)}; ${ownedBy}) at ${view.atMs} ms; every shard still has a live node, ` +
        'so after the faults healed all slots should be covered',
      [observer.name, ...gap.ownerIds.flatMap((id) => directory.nameOf(id) ?? [])],
    );
  }
  return null;
}

export const slotCoverage: Invariant = {
  name: 'slot-coverage',
  kind: 'convergence',
  summary: 'all 16384 slots are owned by live nodes in every live view (when every shard has a live node)',
  check,
};
