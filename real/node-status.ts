/**
 * One status line per node from the last poll, in the simulator's layout (sim/status.ts), for
 * `reproduce --trace`: process state, role, epochs, slots, cluster state, offset and link, and
 * the failure flags the node sees on others. lastVoteEpoch is not visible on a live server (`-`).
 *
 *   node-1   running  primary           cur=7 cfg=7 vote=- slots=5461 ok   off=1120 sees node-0:fail
 */
import { countSlots } from '../core/cluster-nodes.ts';
import type { ClusterView } from '../core/view.ts';

const SHOWN_FLAGS = new Set(['fail?', 'fail', 'handshake', 'noaddr']);

export function statusLines(view: ClusterView, nameOfId: (id: string) => string): string[] {
  return view.nodes.map((node) => {
    const head = `${node.name.padEnd(8)} ${node.process.padEnd(8)}`;
    const report = node.report;
    if (report === null) return `${head} -`;
    const role = report.replicaOf === null ? 'primary' : `replica of ${nameOfId(report.replicaOf)}`;
    const link = report.replLinkUp === null ? '' : ` link=${report.replLinkUp ? 'up' : 'down'}`;
    const seen = report.peers
      .filter((peer) => peer.id !== report.id)
      .map((peer) => [nameOfId(peer.id), peer.flags.filter((flag) => SHOWN_FLAGS.has(flag))] as const)
      .filter(([, flags]) => flags.length > 0)
      .map(([name, flags]) => `${name}:${flags.join(',')}`);
    return (
      `${head} ${role.padEnd(17)} cur=${report.currentEpoch} cfg=${report.configEpoch} vote=- ` +
      `slots=${countSlots(report.slots)} ${report.clusterState === 'ok' ? 'ok  ' : 'fail'} off=${report.replOffset}${link} ` +
      `sees ${seen.length === 0 ? '-' : seen.join(' ')}`
    );
  });
}
