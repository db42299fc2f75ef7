/**
 * The real backend's side of a run's event record (core/report/record.ts), kept when a report is
 * asked for: the run's events as it emits them, the plan's phases (fault spans), how each node
 * sees its peers at each poll (CLUSTER NODES flags), and every bus message the proxy's frame
 * parser cut out, with the time the proxy read it and the time it passed it on.
 */
import {
  BELIEF_FAIL,
  BELIEF_HANDSHAKE,
  BELIEF_PFAIL,
  BELIEF_PRIMARY,
  MARK_DROPPED,
  MARK_WAITED,
  RecordBuilder,
} from '../core/report/record.ts';
import type { ClusterView } from '../core/view.ts';
import type { FrameTap } from './proxy/lane.ts';

export class RealRecorder {
  readonly builder = new RecordBuilder();
  /** Wall ms of the cluster's ready moment (times are ms since then, as the run's events). */
  readyAtWallMs = 0;

  /** The proxy's tap: one call per bus message between two nodes. */
  readonly frameTap: FrameTap = (from, to, type, readWallMs, passedWallMs, outcome) => {
    // Formation's traffic (before the scenario's clock starts) is not drawn.
    if (this.readyAtWallMs === 0) return;
    const mark = outcome === 'dropped' ? MARK_DROPPED : outcome === 'stalled' ? MARK_WAITED : 0;
    this.builder.message(
      readWallMs - this.readyAtWallMs,
      passedWallMs - this.readyAtWallMs,
      this.builder.node(from),
      this.builder.node(to),
      this.builder.messageType(type),
      mark,
      -1,
    );
  };

  /** How each node that answered sees every peer, at this poll (recorded where it changed). */
  view(view: ClusterView, nameOfId: (id: string) => string): void {
    for (const node of view.nodes) {
      const report = node.report;
      if (report === null) continue;
      const observer = this.builder.node(node.name);
      for (const peer of report.peers) {
        if (peer.flags.includes('myself')) continue;
        const flags = peer.flags;
        const code =
          (flags.includes('fail?') ? BELIEF_PFAIL : 0) |
          (flags.includes('fail') ? BELIEF_FAIL : 0) |
          (flags.includes('handshake') || flags.includes('noaddr') ? BELIEF_HANDSHAKE : 0) |
          (peer.role === 'primary' ? BELIEF_PRIMARY : 0);
        this.builder.belief(view.atMs, observer, this.builder.node(nameOfId(peer.id)), code);
      }
    }
  }
}
