/**
 * epoch-order: `currentEpoch >= configEpoch` on every node (Valkey's own cluster tests check
 * `cluster_current_epoch >= cluster_my_epoch`; protocol reference §4.1 and §9.3 oracle 1), and
 * `lastVoteEpoch <= currentEpoch` where the backend can see it (oracle 2: a vote is cast in the
 * current epoch, and currentEpoch never goes down).
 *
 * Read from 'node-state' events (every change, in order) and from the reports of every view.
 * The incremental form is in safety-monitor.ts; both build findings with the functions below.
 */
import type { ObservedEvent } from '../events.ts';
import type { ClusterView } from '../view.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';

type NodeStateEvent = Extract<ObservedEvent, { kind: 'node-state' }>;

export function currentBelowConfigFinding(
  node: string,
  role: string,
  currentEpoch: number,
  configEpoch: number,
  atMs: number,
): Finding {
  return finding(
    'epoch-order',
    `current-below-config,role=${role}`,
    `${node} (${role}) has currentEpoch ${currentEpoch} below its configEpoch ${configEpoch} at ${atMs} ms; ` +
      'currentEpoch must never be lower than configEpoch (it is raised before any configEpoch is taken)',
    [node],
  );
}

/** The event form, shared with the safety monitor. */
export function epochOrderEventFinding(event: NodeStateEvent): Finding | null {
  if (event.currentEpoch >= event.configEpoch) return null;
  return currentBelowConfigFinding(event.node, event.role, event.currentEpoch, event.configEpoch, event.atMs);
}

function viewFinding(view: ClusterView): Finding | null {
  for (const node of view.nodes) {
    const report = node.report;
    if (report === null) continue;
    if (report.currentEpoch < report.configEpoch) {
      return currentBelowConfigFinding(node.name, report.role, report.currentEpoch, report.configEpoch, view.atMs);
    }
    if (report.lastVoteEpoch !== null && report.lastVoteEpoch > report.currentEpoch) {
      return finding(
        'epoch-order',
        'last-vote-above-current',
        `${node.name} has lastVoteEpoch ${report.lastVoteEpoch} above its currentEpoch ${report.currentEpoch} at ` +
          `${view.atMs} ms; a vote is granted in the current epoch, so lastVoteEpoch must never exceed it`,
        [node.name],
      );
    }
  }
  return null;
}

function check(context: InvariantContext): Finding | null {
  for (const event of context.events) {
    if (event.kind !== 'node-state') continue;
    const found = epochOrderEventFinding(event);
    if (found !== null) return found;
  }
  for (const view of context.views) {
    const found = viewFinding(view);
    if (found !== null) return found;
  }
  return null;
}

export const epochOrder: Invariant = {
  name: 'epoch-order',
  kind: 'safety',
  summary: 'currentEpoch >= configEpoch on every node (and lastVoteEpoch <= currentEpoch where visible)',
  check,
};
