/**
 * Slots a migration left with no owner that serves them: the source's own view gives the slot to
 * the target (its SETSLOT NODE), and the target's own view gives it back to the source, while no
 * running node claims it (protocol reference §4.2, §4.3, §5.5).
 *
 * The usual way there in 8.0.1: the target's SETSLOT NODE bumps its configEpoch without consensus
 * only while it does not hold the greatest epoch it knows, so a batch of slots is claimed at one
 * epoch; a configEpoch collision between source and target makes the source (the smaller id) bump
 * past it; a PING or PONG the source sent before its own SETSLOT NODE, still claiming the slot and
 * now carrying the greater epoch, reaches the target late, and clusterUpdateSlotsConfigWith rebinds
 * the slot to the source. The source no longer claims it, the target's importing state is cleared,
 * and a slot is rebound only to a node that claims it (or to an importer of a source that stopped
 * claiming it), so nothing ever binds it again: every client is redirected between the two, and a
 * node that learns the slots afresh (after a RESET HARD, or one added later) sees it unassigned.
 * redis/redis#12336 describes this race; redis/redis#3776 the stuck mapping.
 *
 * slot-coverage and views-agree tag such slots `handed-back`; any other gap keeps its plain tag.
 *
 * A variant (marked 2): one side's view has the slot unassigned because that side ran a successful
 * CLUSTER FORGET of the other after a migration between them. 8.0.1 clusterDelNode unassigns the
 * forgotten node's slots (clusterDelNodeSlots), so the name the race left there is erased; once the
 * ban ends the side learns the other again, whose claim lacks the slot, and clusterUpdateSlotsConfigWith
 * binds only claimed slots: the slot stays unassigned there (a node learning the slots afresh).
 * slot-coverage tags it `handed-back,forgotten`; views-agree does not use the variant.
 */
import type { ObservedEvent } from '../events.ts';
import type { ClusterView } from '../view.ts';
import { claimedSlotsOf, type LiveNode, ownerIdOf, SLOT_COUNT, slotOwnerTable } from './view-facts.ts';

/**
 * The slots handed back between two running nodes that a `migrate_slots` step moved slots between
 * (1 in the returned map), among the live nodes of `view`; 2 marks the forgotten variant: one side
 * names the other, the other side's view has the slot unassigned and it ran a successful CLUSTER
 * FORGET of the first after a migrate_slots step between them. Null when some running node gave no
 * report: its claims are unknown, so no slot qualifies.
 */
export function handedBackSlots(
  view: ClusterView,
  live: readonly LiveNode[],
  events: readonly ObservedEvent[],
): Uint8Array | null {
  const claimed = claimedSlotsOf(view, (node) => node.process === 'running');
  if (claimed === null) return null;
  const handedBack = new Uint8Array(SLOT_COUNT);
  for (const [a, b] of migrationPairs(live, events)) {
    const mineA = slotOwnerTable(a.report);
    const mineB = slotOwnerTable(b.report);
    const aForgotB = forgotAfterMigration(events, a.name, b.name);
    const bForgotA = forgotAfterMigration(events, b.name, a.name);
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (claimed[slot] === 1) continue;
      const ofA = ownerIdOf(mineA, slot);
      const ofB = ownerIdOf(mineB, slot);
      if (ofA === b.report.id && ofB === a.report.id) handedBack[slot] = 1;
      else if (handedBack[slot] === 0 && ofB === a.report.id && ofA === null && aForgotB) handedBack[slot] = 2;
      else if (handedBack[slot] === 0 && ofA === b.report.id && ofB === null && bForgotA) handedBack[slot] = 2;
    }
  }
  return handedBack;
}

/**
 * Whether `observer` forgot `forgotten` by a `forget` step that reports `<observer>: OK`, after a
 * migrate_slots step between the two (the step is recorded when the migration ends).
 */
function forgotAfterMigration(events: readonly ObservedEvent[], observer: string, forgotten: string): boolean {
  let migrated = false;
  for (const event of events) {
    if (event.kind !== 'fault') continue;
    if (event.action === 'migrate_slots' && event.nodes.includes(observer) && event.nodes.includes(forgotten))
      migrated = true;
    else if (migrated && event.action === 'forget' && event.nodes[0] === forgotten) {
      const outcomes = event.detail.replace(/^CLUSTER FORGET \S+ on /, '').split('; ');
      if (outcomes.includes(`${observer}: OK`)) return true;
    }
  }
  return false;
}

/** Pairs of live nodes that a migrate_slots step moved slots between (either way), each once. */
function migrationPairs(live: readonly LiveNode[], events: readonly ObservedEvent[]): Array<[LiveNode, LiveNode]> {
  const byName = new Map(live.map((node) => [node.name, node]));
  const seen = new Set<string>();
  const pairs: Array<[LiveNode, LiveNode]> = [];
  for (const event of events) {
    if (event.kind !== 'fault' || event.action !== 'migrate_slots' || event.nodes.length !== 2) continue;
    const [first, second] = [...event.nodes].sort();
    const a = byName.get(first!);
    const b = byName.get(second!);
    if (a === undefined || b === undefined || a === b || seen.has(`${first} ${second}`)) continue;
    seen.add(`${first} ${second}`);
    pairs.push([a, b]);
  }
  return pairs;
}

/** What a finding adds after its slots when they are all handed back. */
export const HANDED_BACK_WHY =
  ' (a slot migration handed them back: the source gives them to the target, the target to the source, and no node claims them)';

/** What a finding adds after its slots when they are handed back and the observer forgot the target. */
export const HANDED_BACK_FORGOTTEN_WHY =
  ' (a slot migration handed them back: the target gives them to the source, which no longer claims them, and ' +
  'the source deleted the target with them by CLUSTER FORGET; no node claims them)';

/**
 * Whether every slot of `slots` (ranges or a list) is marked 1 in `handedBack`; with `forgotten`,
 * whether every slot is marked 1 or 2 and at least one is marked 2 (the forgotten variant).
 */
export function allHandedBack(handedBack: Uint8Array | null, slots: Iterable<number>, forgotten = false): boolean {
  if (handedBack === null) return false;
  let any = false;
  let variant = false;
  for (const slot of slots) {
    const mark = handedBack[slot];
    if (mark === 2 && forgotten) variant = true;
    else if (mark !== 1) return false;
    any = true;
  }
  return any && (!forgotten || variant);
}
