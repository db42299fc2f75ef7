/**
 * Facts the convergence invariants read off cluster views: which nodes are live, who owns each
 * slot in one node's view, node ids back to scenario names, slot lists in words. Pure helpers, no
 * verdicts: each invariant file decides what is wrong.
 */
import { compareNodeNames } from '../violation.ts';
import type { ObservedEvent } from '../events.ts';
import type { ClusterView, NodeReport, NodeView, PeerView } from '../view.ts';

/** CLUSTER_SLOTS. */
export const SLOT_COUNT = 16384;

/** A node that counts for convergence: its process runs and it answered. */
export interface LiveNode {
  name: string;
  report: NodeReport;
}

/**
 * Comparators at module level, not written inline: a callback made per call is a new function to
 * V8, and its optimised code goes with it at the next full GC, so it was optimised again and again
 * over a fuzz worker's runs (time a single-threaded worker spends compiling).
 */
function byNodeName(a: { name: string }, b: { name: string }): number {
  return compareNodeNames(a.name, b.name);
}

function byStart(a: { start: number }, b: { start: number }): number {
  return a.start - b.start;
}

export function lastView(views: readonly ClusterView[]): ClusterView | null {
  return views.length === 0 ? null : views[views.length - 1]!;
}

/** Live nodes of a view, by node name (`node-2` before `node-10`). */
export function liveNodes(view: ClusterView): LiveNode[] {
  const live: LiveNode[] = [];
  for (const node of view.nodes) {
    if (node.process === 'running' && node.report !== null) live.push({ name: node.name, report: node.report });
  }
  return live.sort(byNodeName);
}

/**
 * Whether a live node knows at least one other live node by its current id. The last live node
 * counts as knowing one when it still knows any other node (the rest are down): one that knows no
 * node at all (reset, and its MEET never completed) is outside the cluster even alone.
 */
export function knowsLivePeer(node: LiveNode, live: readonly LiveNode[], clusterSize: number): boolean {
  if (clusterSize < 2) return true;
  if (live.length < 2) return node.report.peers.some((peer) => peer.id !== node.report.id);
  const liveIds = new Set<string>();
  for (const other of live) if (other !== node) liveIds.add(other.report.id);
  for (const peer of node.report.peers) if (liveIds.has(peer.id)) return true;
  return false;
}

/**
 * The live nodes outside the cluster: those not in its main group, where a group is the live
 * nodes linked by knowing one another (either way) by current id, and the main group is the one
 * with the most slot owners, then the most nodes. A RESET HARD whose MEET timed out leaves a node
 * alone, and a node added through it (add_node MEETs the first running node) makes an island of
 * two. Alone in the cluster, a node that knows no node at all is outside it too (unless the
 * cluster is that one node). membership-symmetric reports them (`isolated`).
 */
export function outsiders(live: readonly LiveNode[], clusterSize: number): LiveNode[] {
  if (clusterSize < 2 || live.length === 0) return [];
  if (live.length === 1) return knowsLivePeer(live[0]!, live, clusterSize) ? [] : [live[0]!];
  const indexById = new Map(live.map((node, index) => [node.report.id, index] as const));
  const parent = live.map((_, index) => index);
  const find = (index: number): number => {
    if (parent[index] === index) return index;
    const root = find(parent[index]!);
    parent[index] = root; // path compression
    return root;
  };
  live.forEach((node, index) => {
    for (const peer of node.report.peers) {
      const other = indexById.get(peer.id);
      if (other !== undefined) parent[find(index)] = find(other);
    }
  });
  const groups = new Map<number, LiveNode[]>();
  live.forEach((node, index) => {
    const root = find(index);
    const group = groups.get(root) ?? [];
    group.push(node);
    groups.set(root, group);
  });
  if (groups.size < 2) return [];
  const owners = (group: readonly LiveNode[]) => group.filter((node) => node.report.slots.length > 0).length;
  // Groups keep the live nodes' name order, so ties go to the group with the lowest node name.
  const main = [...groups.values()].reduce((best, group) =>
    owners(group) > owners(best) || (owners(group) === owners(best) && group.length > best.length) ? group : best,
  );
  return live.filter((node) => !main.includes(node));
}

/**
 * The live nodes that are cluster members, by node name: those of the main group (`outsiders`) that
 * know another live node. A node that knows none (known by others after a RESET whose MEET timed
 * out, say) or stands outside the main group has no
 * view of the cluster's slots to judge; membership-symmetric names it instead (`isolated`, or
 * `missing-peer` on its side), rather than slot-coverage reporting 16384 slots it cannot see.
 */
export function clusterMembers(view: ClusterView): LiveNode[] {
  const live = liveNodes(view);
  const outside = new Set(outsiders(live, view.nodes.length));
  return live.filter((node) => !outside.has(node) && knowsLivePeer(node, live, view.nodes.length));
}

/**
 * Node ids to scenario names and names to shard ids, from the reports of the views and from the
 * node-state events (which carry each node's id as it changes, so an id a node had only between two
 * views, before a RESET HARD say, still has its name). The last view answers most questions; older
 * views and the events are read only when it cannot, since the simulator may keep many views and
 * events and checks run often.
 */
export class NodeDirectory {
  private recent: { names: Map<string, string>; shards: Map<string, string> } | null = null;
  private full: { names: Map<string, string>; shards: Map<string, string> } | null = null;
  private readonly views: readonly ClusterView[];
  private readonly events: readonly ObservedEvent[];

  constructor(context: { views: readonly ClusterView[]; events?: readonly ObservedEvent[] }) {
    this.views = context.views;
    this.events = context.events ?? [];
  }

  nameOf(id: string): string | undefined {
    this.recent ??= NodeDirectory.read(this.views.slice(-1), []);
    const found = this.recent.names.get(id);
    if (found !== undefined) return found;
    this.full ??= NodeDirectory.read(this.views, this.events);
    return this.full.names.get(id);
  }

  /** The last shard id the node reported (a down node keeps the one it had). */
  shardOf(name: string): string | undefined {
    this.recent ??= NodeDirectory.read(this.views.slice(-1), []);
    const found = this.recent.shards.get(name);
    if (found !== undefined) return found;
    this.full ??= NodeDirectory.read(this.views, this.events);
    return this.full.shards.get(name);
  }

  /** Its name when known, else a short id. */
  label(id: string): string {
    return this.nameOf(id) ?? `unknown node ${id.slice(0, 8)}`;
  }

  /** Later views win: ids change on RESET HARD, shard ids on replica moves. */
  private static read(
    views: readonly ClusterView[],
    events: readonly ObservedEvent[],
  ): { names: Map<string, string>; shards: Map<string, string> } {
    const names = new Map<string, string>();
    const shards = new Map<string, string>();
    // An id belongs to one node for good (a reset makes a new one), so events and views never disagree.
    for (const event of events)
      if (event.kind === 'node-state' && event.id !== undefined) names.set(event.id, event.node);
    for (const view of views) {
      for (const node of view.nodes) {
        if (node.report === null) continue;
        names.set(node.report.id, node.name);
        shards.set(node.name, node.report.shardId);
      }
    }
    return { names, shards };
  }
}

/**
 * Who owns each slot in one node's view: `owner[slot]` indexes `ids`, -1 for unassigned.
 * The node's own slots come from its report (its `myself` line says the same).
 */
export interface SlotOwnerTable {
  ids: string[];
  owner: Int32Array;
}

export function slotOwnerTable(report: NodeReport): SlotOwnerTable {
  const ids: string[] = [];
  const owner = new Int32Array(SLOT_COUNT).fill(-1);
  const claim = (id: string, ranges: readonly (readonly [number, number])[]): void => {
    if (ranges.length === 0) return;
    let index = ids.indexOf(id);
    if (index < 0) index = ids.push(id) - 1;
    for (const [start, end] of ranges) owner.fill(index, start, end + 1);
  };
  for (const peer of report.peers) if (peer.id !== report.id) claim(peer.id, peer.slots);
  claim(report.id, report.slots);
  return { ids, owner };
}

/** A run of slots with one owner, as a view binds them. */
export interface OwnedRange {
  start: number;
  end: number;
  ownerId: string;
}

/**
 * The view's slot bindings as sorted, merged ranges: the fast form of `slotOwnerTable` (a few
 * ranges per shard instead of 16384 cells) for the common case where views agree and cover.
 * Claims that overlap (not possible in Valkey's own slot table) go through the table, where the
 * node's own claim wins as it does there.
 */
export function ownedRanges(report: NodeReport): OwnedRange[] {
  const claims: OwnedRange[] = [];
  for (const peer of report.peers) {
    if (peer.id === report.id) continue;
    for (const [start, end] of peer.slots) claims.push({ start, end, ownerId: peer.id });
  }
  for (const [start, end] of report.slots) claims.push({ start, end, ownerId: report.id });
  claims.sort(byStart);
  for (let i = 1; i < claims.length; i++) {
    if (claims[i]!.start <= claims[i - 1]!.end) return rangesOfTable(slotOwnerTable(report));
  }
  return mergeRanges(claims);
}

function mergeRanges(sorted: readonly OwnedRange[]): OwnedRange[] {
  const merged: OwnedRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.ownerId === range.ownerId && last.end + 1 === range.start) last.end = range.end;
    else merged.push({ ...range });
  }
  return merged;
}

function rangesOfTable(table: SlotOwnerTable): OwnedRange[] {
  const ranges: OwnedRange[] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const index = table.owner[slot]!;
    if (index >= 0) ranges.push({ start: slot, end: slot, ownerId: table.ids[index]! });
  }
  return mergeRanges(ranges);
}

export function sameRanges(a: readonly OwnedRange[], b: readonly OwnedRange[]): boolean {
  if (a.length !== b.length) return false;
  return a.every(
    (range, i) => range.start === b[i]!.start && range.end === b[i]!.end && range.ownerId === b[i]!.ownerId,
  );
}

export function ownerIdOf(table: SlotOwnerTable, slot: number): string | null {
  const index = table.owner[slot]!;
  return index < 0 ? null : table.ids[index]!;
}

export function peerById(report: NodeReport, id: string): PeerView | undefined {
  return report.peers.find((peer) => peer.id === id);
}

export function slotCountOf(ranges: readonly (readonly [number, number])[]): number {
  let count = 0;
  for (const [start, end] of ranges) count += end - start + 1;
  return count;
}

/** `0-99, 200, 300-310` for a sorted slot list; long lists end in `(+N more ranges)`. */
export function describeSlots(slots: readonly number[], maxRanges = 4): string {
  const ranges: Array<[number, number]> = [];
  let start = -1;
  let previous = -2;
  const flush = (): void => {
    if (start >= 0) ranges.push([start, previous]);
  };
  for (const slot of slots) {
    if (slot !== previous + 1) {
      flush();
      start = slot;
    }
    previous = slot;
  }
  flush();
  return describeRanges(ranges, maxRanges);
}

/** describeSlots for sorted, disjoint, non-adjacent inclusive ranges. */
export function describeRanges(ranges: ReadonlyArray<readonly [number, number]>, maxRanges = 4): string {
  const words = ranges.slice(0, maxRanges).map(([start, end]) => (start === end ? `${start}` : `${start}-${end}`));
  const shown = words.join(', ');
  return ranges.length > maxRanges ? `${shown} (+${ranges.length - maxRanges} more ranges)` : shown;
}

/** A count as a fingerprint word: exact below 3, then `3+` (2 and 5 primaries are one cause). */
export function countShape(count: number): string {
  return count >= 3 ? '3+' : String(count);
}

/**
 * Which node ids name a node whose process is down in one view (a paused node is not: it comes
 * back with its state), by the directory's names; cached, since a slot check asks per slot.
 */
export class DownNodes {
  private readonly cache = new Map<string, boolean>();

  constructor(
    private readonly view: ClusterView,
    private readonly directory: NodeDirectory,
  ) {}

  has(id: string): boolean {
    let down = this.cache.get(id);
    if (down === undefined) {
      const name = this.directory.nameOf(id);
      down = name !== undefined && this.view.nodes.some((node) => node.name === name && node.process === 'down');
      this.cache.set(id, down);
    }
    return down;
  }
}

/**
 * The slots that the view's nodes `counts` keeps claim in their own reports (1 per claimed slot).
 * Null when one of those nodes gave no report: its claims are unknown.
 */
export function claimedSlotsOf(view: ClusterView, counts: (node: NodeView) => boolean): Uint8Array | null {
  const claimed = new Uint8Array(SLOT_COUNT);
  for (const node of view.nodes) {
    if (!counts(node)) continue;
    if (node.report === null) return null;
    for (const [start, end] of node.report.slots) claimed.fill(1, start, end + 1);
  }
  return claimed;
}
