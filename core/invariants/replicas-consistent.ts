/**
 * replicas-consistent: after faults heal, a live replica whose replication link is up holds the
 * same data as its live primary. Digests are compared only when both are known; equal digests
 * pass whatever the offsets (the primary's offset also moves on replication PINGs). A replica
 * whose offset is below its primary's is still catching up (writes keep coming while convergence
 * is polled, so one is nearly always in flight somewhere) and is not judged. Different digests
 * otherwise: `diverged` (same offset, other data) or `replica-ahead` (the replica processed more
 * than its primary ever sent).
 */
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { lastView, liveNodes } from './view-facts.ts';

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const live = liveNodes(view);
  const liveById = new Map(live.map((node) => [node.report.id, node] as const));
  for (const replica of live) {
    const report = replica.report;
    if (report.role !== 'replica' || report.replLinkUp !== true || report.replicaOf === null) continue;
    const primary = liveById.get(report.replicaOf);
    if (primary === undefined || primary.report.role !== 'primary') continue;
    if (report.dataDigest === null || primary.report.dataDigest === null) continue;
    if (report.dataDigest === primary.report.dataDigest) continue;
    const offsetGap = primary.report.replOffset - report.replOffset;
    if (offsetGap > 0) continue;
    const shape = offsetGap === 0 ? 'diverged' : 'replica-ahead';
    return finding(
      'replicas-consistent',
      shape,
      `Replica ${replica.name} (offset ${report.replOffset}, link up) holds different data from its primary ` +
        `${primary.name} (offset ${primary.report.replOffset}) at ${view.atMs} ms; after healing a replica with ` +
        "its link up should hold exactly its primary's data",
      [replica.name, primary.name],
    );
  }
  return null;
}

export const replicasConsistent: Invariant = {
  name: 'replicas-consistent',
  kind: 'convergence',
  summary: "a live replica with its link up holds its primary's data",
  check,
};
