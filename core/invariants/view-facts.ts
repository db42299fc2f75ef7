/**
 * Facts the convergence invariants read off cluster views: which nodes are live, who owns each
 * slot in one node's view, node ids back to scenario names, slot lists in words. Pure helpers, no
 * verdicts: each invariant file decides what is wrong.
 */
import { compareNodeNames } from '../violation.ts';
import type { ClusterView, NodeReport, PeerView } from '../view.ts';

/** CLUSTER_SLOTS. */
export const SLOT_COUNT = 16384;

/** A node that counts for convergence: its process runs and it answered. */
export interface LiveNode {
  name: string;
  report: NodeReport;
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
  return live.sort((a, b) => compareNodeNames(a.name, b.name));
}

/** Node id to scenario name, from every report seen (later views win: ids change on RESET HARD). */
export function namesById(views: readonly ClusterView[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const view of views) {
    for (const node of view.nodes) if (node.report !== null) names.set(node.report.id, node.name);
  }
  return names;
}

/** Node name to the last shard id it reported (a down node keeps the one it had). */
export function shardIdsByName(views: readonly ClusterView[]): Map<string, string> {
  const shards = new Map<string, string>();
  for (const view of views) {
    for (const node of view.nodes) if (node.report !== null) shards.set(node.name, node.report.shardId);
  }
  return shards;
}

/** A node id in words: its scenario name when known, else a short id. */
export function nodeLabel(id: string, names: ReadonlyMap<string, string>): string {
  return names.get(id) ?? `unknown node ${id.slice(0, 8)}`;
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
  const ranges: string[] = [];
  let start = -1;
  let previous = -2;
  const flush = (): void => {
    if (start >= 0) ranges.push(start === previous ? `${start}` : `${start}-${previous}`);
  };
  for (const slot of slots) {
    if (slot !== previous + 1) {
      flush();
      start = slot;
    }
    previous = slot;
  }
  flush();
  const shown = ranges.slice(0, maxRanges).join(', ');
  return ranges.length > maxRanges ? `${shown} (+${ranges.length - maxRanges} more ranges)` : shown;
}

/** A count as a fingerprint word: exact below 3, then `3+` (2 and 5 primaries are one cause). */
export function countShape(count: number): string {
  return count >= 3 ? '3+' : String(count);
}
