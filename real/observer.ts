/**
 * Polls every node of a run into a core/view.ts ClusterView (CLUSTER NODES, CLUSTER INFO, INFO
 * replication; DEBUG DIGEST when asked), and derives the 'node-state' events the simulator emits
 * as they happen: one whenever a node's own role, primary, epochs or slot count changed since the
 * previous poll. Down and paused nodes are not asked (a paused one would not answer); a node that
 * fails to answer in time is reported as `report: null` for that poll.
 */
import type { ObservedEvent } from '../core/events.ts';
import type { ClusterView, NodeReport, NodeView } from '../core/view.ts';
import { countSlots } from '../core/cluster-nodes.ts';
import type { RealCluster, RealNode } from './cluster.ts';
import { readNodeReport } from './node-report.ts';

export interface Poll {
  view: ClusterView;
  /** node-state changes seen by this poll, stamped with the poll's time. */
  events: ObservedEvent[];
}

export class Observer {
  /** The last report each node gave (kept while it is down: targets still need its role). */
  private readonly lastReports = new Map<string, NodeReport>();
  private readonly lastStateKeys = new Map<string, string>();

  constructor(private readonly cluster: RealCluster) {}

  lastReportOf(nodeName: string): NodeReport | undefined {
    return this.lastReports.get(nodeName);
  }

  /** Node name for an id, from every id seen so far (ids change on RESET HARD). */
  nameOfId(id: string): string {
    return this.cluster.nodeById(id)?.name ?? `unknown-${id.slice(0, 8)}`;
  }

  async poll(options: { atMs: number; step: number; withDigest: boolean }): Promise<Poll> {
    const nodes = [...this.cluster.nodes];
    const views = await Promise.all(nodes.map((node) => this.pollNode(node, options.withDigest)));
    const events: ObservedEvent[] = [];
    for (const view of views) {
      if (view.report === null) continue;
      const event = this.stateChange(view.name, view.report, options.atMs);
      if (event !== null) events.push(event);
    }
    return { view: { atMs: options.atMs, step: options.step, nodes: views }, events };
  }

  private async pollNode(node: RealNode, withDigest: boolean): Promise<NodeView> {
    const process = node.host.process.state;
    const base = { name: node.name, createdShard: node.createdShard, process };
    if (process !== 'running') return { ...base, report: null };
    try {
      const report = await readNodeReport(node.host.admin, {
        hasShardId: this.cluster.server.flavor === 'valkey',
        withDigest,
      });
      // The process may have been paused or killed while we waited for the reply.
      if (node.host.process.state !== 'running') return { ...base, process: node.host.process.state, report: null };
      this.cluster.setId(node, report.id);
      this.lastReports.set(node.name, report);
      return { ...base, report };
    } catch {
      return { ...base, report: null };
    }
  }

  private stateChange(nodeName: string, report: NodeReport, atMs: number): ObservedEvent | null {
    const primary = report.replicaOf === null ? null : this.nameOfId(report.replicaOf);
    const slotCount = countSlots(report.slots);
    const key = `${report.id} ${report.role} ${primary} ${report.currentEpoch} ${report.configEpoch} ${slotCount}`;
    if (this.lastStateKeys.get(nodeName) === key) return null;
    this.lastStateKeys.set(nodeName, key);
    return {
      kind: 'node-state',
      atMs,
      node: nodeName,
      id: report.id,
      role: report.role,
      primary,
      currentEpoch: report.currentEpoch,
      configEpoch: report.configEpoch,
      slotCount,
    };
  }
}
