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
 * A slot the observer sees unassigned is excused too when the only owners other live views name
 * for it are such dead primaries (a node that joined after the owner died never learns its slots;
 * dead-owners.ts). So are the slots such a dead primary held when CLUSTER FORGET deleted it from every
 * live view (8.0.1 clusterDelNode unassigns them; dead-owners.ts forgottenUnservableSlots): the
 * forget erased only the name the excuse above keys on, and a view that was down meanwhile may still
 * name the dead owner before it.
 * Unassigned slots that a migration handed back and forth between two live nodes, so that no node
 * claims them (handed-back.ts), are still reported, under the tag `owner=unassigned,handed-back`,
 * or `owner=unassigned,handed-back,forgotten` when the observer's view lost the name by a CLUSTER
 * FORGET of the other side after the migration (the target names the source, the source sees none);
 * so are unassigned slots whose owner, a node banned by CLUSTER FORGET and now down, the observer
 * deleted with them after it had taken them (forgotten-owner.ts), under `owner=unassigned,forgotten-owner`.
 * Slots of dead owners whose every replica has its election held by its own wall clock, set back
 * after it asked for votes (clock-facts.ts electionHeldByClock: 8.0.1 times the retry on the wall
 * clock), are still reported, under the tag `owner=not-live,clock=back`.
 */
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { allHandedBack, HANDED_BACK_FORGOTTEN_WHY, HANDED_BACK_WHY, handedBackSlots } from './handed-back.ts';
import { FORGOTTEN_OWNER_WHY, forgottenOwnerHolds } from './forgotten-owner.ts';
import { electionHeldByClock } from './clock-facts.ts';
import {
  deadSlotOwningShards,
  failoverQuorumLost,
  forgottenUnservableSlots,
  unservableOwnerIds,
  unservableSlots,
} from './dead-owners.ts';
import {
  NodeDirectory,
  SLOT_COUNT,
  describeRanges,
  lastView,
  clusterMembers,
  ownedRanges,
  type OwnedRange,
} from './view-facts.ts';
import type { ClusterView } from '../view.ts';

/**
 * What serves the uncovered slots: nothing (`unassigned`), a node that is not live (`not-live`), a
 * ghost the observer flags noaddr (`noaddr`: an id whose address now answers with another id, e.g.
 * after a RESET HARD, which 8.0.1 never marks FAIL), or an id no view names (`unknown-node`).
 */
type OwnerKind = 'unassigned' | 'not-live' | 'noaddr' | 'unknown-node';

/**
 * The slots of the view not served by a live (or excused) owner, from the view's merged ranges:
 * a poll while the cluster has not converged yet runs this for every live view, so it works on a
 * few ranges per shard rather than on 16384 slots.
 */
function uncoveredSlots(
  ranges: readonly OwnedRange[],
  liveIds: ReadonlySet<string>,
  excusedIds: ReadonlySet<string>,
  excusedSlots: Uint8Array | null,
  lostSlots: Uint8Array | null,
  directory: NodeDirectory,
  noaddrIds: ReadonlySet<string>,
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
  // The runs of start..end not in `excused` (all of it when that is null); false when none is left.
  const addRuns = (start: number, end: number, excused: Uint8Array | null): boolean => {
    if (excused === null) {
      add(start, end);
      return true;
    }
    let added = false;
    let runStart = -1;
    for (let slot = start; slot <= end + 1; slot++) {
      if (slot <= end && excused[slot] !== 1) {
        if (runStart < 0) runStart = slot;
        continue;
      }
      if (runStart >= 0) {
        add(runStart, slot - 1);
        added = true;
        runStart = -1;
      }
    }
    return added;
  };
  // An unassigned run, less the slots only unservable dead owners claim and those that went with a
  // forgotten unservable owner (dead-owners.ts).
  const addUnassigned = (start: number, end: number): void => {
    let runStart = -1;
    for (let slot = start; slot <= end + 1; slot++) {
      const excused = slot <= end && excusedSlots !== null && excusedSlots[slot] === 1;
      if (slot <= end && !excused) {
        if (runStart < 0) runStart = slot;
        continue;
      }
      if (runStart >= 0) {
        if (addRuns(runStart, slot - 1, lostSlots)) kinds.add('unassigned');
        runStart = -1;
      }
    }
  };
  let next = 0;
  for (const range of ranges) {
    if (range.start > next) addUnassigned(next, range.start - 1);
    next = range.end + 1;
    if (liveIds.has(range.ownerId) || excusedIds.has(range.ownerId)) continue;
    // A dead owner this view still names for slots a forgotten unservable owner took (dead-owners.ts).
    if (!addRuns(range.start, range.end, lostSlots)) continue;
    ownerIds.add(range.ownerId);
    kinds.add(
      noaddrIds.has(range.ownerId)
        ? 'noaddr'
        : directory.nameOf(range.ownerId) === undefined
          ? 'unknown-node'
          : 'not-live',
    );
  }
  if (next < SLOT_COUNT) addUnassigned(next, SLOT_COUNT - 1);
  if (count === 0) return null;
  const kind: OwnerKind = kinds.has('unassigned')
    ? 'unassigned'
    : kinds.has('not-live')
      ? 'not-live'
      : kinds.has('noaddr')
        ? 'noaddr'
        : 'unknown-node';
  return { count, ranges: gaps, kind, ownerIds: [...ownerIds] };
}

function* slotsOf(ranges: ReadonlyArray<[number, number]>): Generator<number> {
  for (const [start, end] of ranges) for (let slot = start; slot <= end; slot++) yield slot;
}

/**
 * The replicas (running, by their own report) of each of `ownerIds`, when every owner has at least
 * one and each one's election for it is held by its own wall clock (clock-facts.ts); null otherwise,
 * or when some node is paused or running without a report (it might be a replica that is not held).
 */
function clockHeldReplicas(
  context: InvariantContext,
  view: ClusterView,
  ownerIds: readonly string[],
  directory: NodeDirectory,
): string[] | null {
  const unknown = view.nodes.some(
    (node) => node.process === 'paused' || (node.process === 'running' && node.report === null),
  );
  if (ownerIds.length === 0 || unknown) return null;
  const held: string[] = [];
  for (const ownerId of ownerIds) {
    const owner = directory.nameOf(ownerId);
    if (owner === undefined) return null;
    const replicas = view.nodes.filter(
      (node) => node.process === 'running' && node.report!.role === 'replica' && node.report!.replicaOf === ownerId,
    );
    if (replicas.length === 0) return null;
    for (const replica of replicas) {
      if (!electionHeldByClock(context.events, replica.name, owner, view.atMs)) return null;
      held.push(replica.name);
    }
  }
  return held;
}

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const live = clusterMembers(view);
  if (live.length === 0 || deadSlotOwningShards(context, live).size > 0 || failoverQuorumLost(live)) return null;
  const directory = new NodeDirectory(context);
  const liveIds = new Set(live.map((node) => node.report.id));
  let excusedOwners: Set<string> | null = null;
  let excusedSlots: Uint8Array | null = null;
  let lostSlots: Uint8Array | null = null;
  for (const observer of live) {
    // Fast path: count the slots in ranges with live owners; the excuses only when some are missing.
    const ranges = ownedRanges(observer.report);
    const covered = ranges.reduce(
      (sum, range) => sum + (liveIds.has(range.ownerId) ? range.end - range.start + 1 : 0),
      0,
    );
    if (covered === SLOT_COUNT) continue;
    if (excusedOwners === null) {
      excusedOwners = unservableOwnerIds(context, live, directory);
      excusedSlots = unservableSlots(live, excusedOwners);
      lostSlots = forgottenUnservableSlots(context, live);
    }
    const noaddrIds = new Set(
      observer.report.peers.filter((peer) => peer.flags.includes('noaddr')).map((peer) => peer.id),
    );
    const gap = uncoveredSlots(ranges, liveIds, excusedOwners, excusedSlots, lostSlots, directory, noaddrIds);
    if (gap === null) continue;
    const owners = gap.ownerIds.map((id) => directory.label(id));
    const ownedBy = owners.length === 0 ? 'no owner' : `owners not live: ${owners.join(', ')}`;
    const handedBackMap = gap.ownerIds.length === 0 ? handedBackSlots(view, live, context.events) : null;
    const handedBack = allHandedBack(handedBackMap, slotsOf(gap.ranges));
    const handedBackForgotten = !handedBack && allHandedBack(handedBackMap, slotsOf(gap.ranges), true);
    const forgottenOwner =
      !handedBack &&
      !handedBackForgotten &&
      gap.ownerIds.length === 0 &&
      forgottenOwnerHolds(view, observer, context.events, directory, gap.ranges, gap.count);
    const held = gap.kind === 'not-live' ? clockHeldReplicas(context, view, gap.ownerIds, directory) : null;
    const tag = handedBack
      ? ',handed-back'
      : handedBackForgotten
        ? ',handed-back,forgotten'
        : forgottenOwner
          ? ',forgotten-owner'
          : held !== null
            ? ',clock=back'
            : '';
    return finding(
      'slot-coverage',
      `owner=${gap.kind}${tag}`,
      `${observer.name} sees ${gap.count} of ${SLOT_COUNT} slots not served by a live node ` +
        `(${describeRanges(gap.ranges)}; ${ownedBy}) at ${view.atMs} ms; every shard still has a live node, ` +
        'so after the faults healed all slots should be covered' +
        (handedBack
          ? HANDED_BACK_WHY
          : handedBackForgotten
            ? HANDED_BACK_FORGOTTEN_WHY
            : forgottenOwner
              ? FORGOTTEN_OWNER_WHY
              : '') +
        (held === null
          ? ''
          : ` (the wall clocks of their replicas ${held.join(', ')} were set back after they asked for votes, ` +
            'and still read earlier than then: no new election until they catch up)'),
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
