/**
 * views-agree: every live node reports the same slot owners, and the same role for every live
 * node (protocol reference §9.3: "all nodes' CLUSTER SLOTS identical"). Each view is compared with
 * the first live node's; a live node missing from a view is membership-symmetric's finding.
 * Slots whose every claimed owner is a dead primary that cannot be replaced are excused, as in
 * slot-coverage (dead-owners.ts): a node that joined after the owner died sees them unassigned.
 * So are the slots such an owner held when CLUSTER FORGET deleted it from every live view: views that
 * deleted it see them unassigned, a view that was down meanwhile names the owner before it
 * (forgottenUnservableSlots).
 * Slots split between a down owner and a live one at the same configEpoch, which no 8.0.1 rule
 * can reunite, are still reported, under their own tag (dead-owner-tie.ts); so are slots a live
 * owner gave to a down one that some views never heard claim them (given-to-down-owner.ts), and
 * slots a migration handed back and forth between two live nodes that no node claims
 * (handed-back.ts), and slots a down node took over at a configEpoch the live owner already held
 * for it, so the UPDATE about it is "nothing new" there (takeover-reused-epoch.ts), and slots whose
 * down owner's configEpoch the live owner learned from a replica's header without the slots, so the
 * UPDATE about it is "nothing new" there too (epoch-from-replica.ts).
 */
import type { Role } from '../view.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { DeadOwnerTie } from './dead-owner-tie.ts';
import { EpochFromReplica } from './epoch-from-replica.ts';
import { GivenToDownOwner } from './given-to-down-owner.ts';
import { allHandedBack, HANDED_BACK_WHY, handedBackSlots } from './handed-back.ts';
import { TakeoverReusedEpoch } from './takeover-reused-epoch.ts';
import { linkCtimeAhead } from './stuck-links.ts';
import { forgottenUnservableSlots, unionOfSlots, unservableOwnerIds, unservableSlots } from './dead-owners.ts';
import {
  NodeDirectory,
  SLOT_COUNT,
  describeSlots,
  lastView,
  clusterMembers,
  ownedRanges,
  ownerIdOf,
  peerById,
  sameRanges,
  slotOwnerTable,
  type LiveNode,
  type SlotOwnerTable,
} from './view-facts.ts';

function slotOwnersFinding(
  reference: LiveNode,
  mine: SlotOwnerTable,
  other: LiveNode,
  excused: Uint8Array | null,
  context: InvariantContext,
  atMs: number,
): Finding | null {
  const theirs = slotOwnerTable(other.report);
  const differing: number[] = [];
  let oneSideUnassigned = false;
  let deadOwnerTie: DeadOwnerTie | null = null;
  let allDeadOwnerTies = true;
  let givenToDownOwner: GivenToDownOwner | null = null;
  let allGivenToDownOwner = true;
  let takeoverReused: TakeoverReusedEpoch | null = null;
  let allTakeoverReused = true;
  let epochFromReplica: EpochFromReplica | null = null;
  let allEpochFromReplica = true;
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const a = ownerIdOf(mine, slot);
    const b = ownerIdOf(theirs, slot);
    if (a === b || (excused !== null && excused[slot] === 1)) continue;
    differing.push(slot);
    if (a === null || b === null) oneSideUnassigned = true;
    else if (allDeadOwnerTies) {
      deadOwnerTie ??= new DeadOwnerTie(lastView(context.views)!, new NodeDirectory(context));
      allDeadOwnerTies = deadOwnerTie.holds(a, reference.report, b, other.report);
    }
    if (a !== null && b !== null && allGivenToDownOwner) {
      givenToDownOwner ??= new GivenToDownOwner(lastView(context.views)!, new NodeDirectory(context));
      allGivenToDownOwner = givenToDownOwner.holds(slot, a, b);
    }
    if (a !== null && b !== null && allTakeoverReused) {
      takeoverReused ??= new TakeoverReusedEpoch(lastView(context.views)!, new NodeDirectory(context), context.events);
      allTakeoverReused = takeoverReused.holds(slot, a, reference.report, b, other.report);
    }
    if (a !== null && b !== null && allEpochFromReplica) {
      epochFromReplica ??= new EpochFromReplica(lastView(context.views)!, new NodeDirectory(context), context.events);
      allEpochFromReplica = epochFromReplica.holds(slot, a, reference.report, b, other.report);
    }
  }
  if (differing.length === 0) return null;
  const directory = new NodeDirectory(context);
  const view = lastView(context.views)!;
  const handedBack = allHandedBack(handedBackSlots(view, clusterMembers(view), context.events), differing);
  const shape = handedBack
    ? `${oneSideUnassigned ? 'one-side-unassigned' : 'both-assigned'},handed-back`
    : oneSideUnassigned
      ? 'one-side-unassigned'
      : allDeadOwnerTies
        ? 'both-assigned,epoch-tie-with-down-owner'
        : allGivenToDownOwner
          ? 'both-assigned,given-to-down-owner'
          : allTakeoverReused
            ? 'both-assigned,takeover-reused-epoch'
            : allEpochFromReplica
              ? 'both-assigned,epoch-from-replica'
              : 'both-assigned';
  const first = differing[0]!;
  const ownerWord = (id: string | null): string => (id === null ? 'unassigned' : directory.label(id));
  const ownerA = ownerIdOf(mine, first);
  const ownerB = ownerIdOf(theirs, first);
  return finding(
    'views-agree',
    `slot-owners,${shape}`,
    `${reference.name} and ${other.name} disagree on the owner of ${differing.length} slots ` +
      `(${describeSlots(differing)}) at ${atMs} ms: slot ${first} is ${ownerWord(ownerA)} for ${reference.name} ` +
      `and ${ownerWord(ownerB)} for ${other.name}` +
      (shape === 'one-side-unassigned' || shape === 'both-assigned'
        ? ''
        : handedBack
          ? HANDED_BACK_WHY
          : allDeadOwnerTies
            ? ' (one owner is down, and the view naming it holds the live owner at the same configEpoch)'
            : allGivenToDownOwner
              ? ' (one owner is down, the live owner gave the slots to it, and no live node claims them)'
              : allTakeoverReused
                ? ' (one owner is down and took its shard over at a configEpoch it had held as a primary before, ' +
                  'which the live owner still holds for it, so an UPDATE about it is nothing new there)'
                : ' (one owner is down, and the live owner learned its configEpoch from its replica without the ' +
                  'slots, so an UPDATE about it is nothing new there)') +
      '; converged views name the same owner for every slot',
    [
      reference.name,
      other.name,
      ...[ownerA, ownerB].flatMap((id) => (id === null ? [] : (directory.nameOf(id) ?? []))),
    ],
  );
}

/** How `observer` sees `subject`'s role, or null if it does not know it. */
function seenRole(observer: LiveNode, subject: LiveNode): Role | null {
  if (observer.report.id === subject.report.id) return observer.report.role;
  return peerById(observer.report, subject.report.id)?.role ?? null;
}

/** Whether `observer` flags `subject` fail? or fail: no PONG from it for node_timeout. */
function hearsNothingFrom(observer: LiveNode, subject: LiveNode): boolean {
  const flags = peerById(observer.report, subject.report.id)?.flags ?? [];
  return flags.includes('fail?') || flags.includes('fail');
}

/**
 * Whether neither node can send the other a packet, so neither learns the other's role: each flags
 * the other failing (its PING went unanswered) and its outbound link to the other was created at a
 * wall reading its clock, set back since, has not reached again (stuck-links.ts).
 */
function linksStuckByClock(context: InvariantContext, observer: LiveNode, subject: LiveNode, atMs: number): boolean {
  return (
    hearsNothingFrom(observer, subject) &&
    hearsNothingFrom(subject, observer) &&
    linkCtimeAhead(context.events, observer.name, subject.name, atMs) &&
    linkCtimeAhead(context.events, subject.name, observer.name, atMs)
  );
}

/** The first disagreement on a role; one the clock explains only if no other is found. */
function rolesFinding(context: InvariantContext, live: readonly LiveNode[], atMs: number): Finding | null {
  let explained: Finding | null = null;
  for (const subject of live) {
    for (const observer of live) {
      const role = seenRole(observer, subject);
      if (role === null || role === subject.report.role) continue;
      const stuck = linksStuckByClock(context, observer, subject, atMs);
      const found = finding(
        'views-agree',
        `roles,seen=${role},own=${subject.report.role}${stuck ? ',clock=back' : ''}`,
        `${observer.name} sees ${subject.name} as ${role} at ${atMs} ms, but ${subject.name} reports itself ` +
          `as ${subject.report.role}; converged views agree on every live node's role` +
          (stuck
            ? ` (neither hears the other: each one's PING is unanswered on a link created before its wall clock ` +
              `was set back, which 8.0.1 does not reconnect until the clock catches up; redis/redis#6416)`
            : ''),
        [observer.name, subject.name],
      );
      if (!stuck) return found;
      explained ??= found;
    }
  }
  return explained;
}

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const live = clusterMembers(view);
  if (live.length === 0) return null;
  const reference = live[0]!;
  const referenceRanges = ownedRanges(reference.report);
  let referenceTable: SlotOwnerTable | null = null;
  let excused: Uint8Array | null = null;
  let excusedRead = false;
  for (const other of live.slice(1)) {
    // Fast path: identical merged ranges mean identical owners; the per-slot diff only otherwise.
    if (sameRanges(referenceRanges, ownedRanges(other.report))) continue;
    referenceTable ??= slotOwnerTable(reference.report);
    if (!excusedRead) {
      excused = unionOfSlots(
        unservableSlots(live, unservableOwnerIds(context, live, new NodeDirectory(context))),
        forgottenUnservableSlots(context, live),
      );
      excusedRead = true;
    }
    const found = slotOwnersFinding(reference, referenceTable, other, excused, context, view.atMs);
    if (found !== null) return found;
  }
  return rolesFinding(context, live, view.atMs);
}

export const viewsAgree: Invariant = {
  name: 'views-agree',
  kind: 'convergence',
  summary: 'every live node reports the same slot owners and the same roles for live nodes',
  check,
};
