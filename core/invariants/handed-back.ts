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
 */
import type { ObservedEvent } from '../events.ts';
import type { ClusterView } from '../view.ts';
import { claimedSlotsOf, type LiveNode, ownerIdOf, SLOT_COUNT, slotOwnerTable } from './view-facts.ts';

/**
 * The slots handed back between two running nodes that a `migrate_slots` step moved slots between
 * (1 in the returned map), among the live nodes of `view`. Null when some running node gave no
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
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (claimed[slot] === 1) continue;
      if (ownerIdOf(mineA, slot) === b.report.id && ownerIdOf(mineB, slot) === a.report.id) handedBack[slot] = 1;
    }
  }
  return handedBack;
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

/** Whether every slot of `slots` (ranges or a list) is marked in `handedBack`. */
export function allHandedBack(handedBack: Uint8Array | null, slots: Iterable<number>): boolean {
  if (handedBack === null) return false;
  let any = false;
  for (const slot of slots) {
    if (handedBack[slot] !== 1) return false;
    any = true;
  }
  return any;
}
