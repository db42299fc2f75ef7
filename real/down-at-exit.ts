/**
 * When a killed or terminated node counts as down: at the server's exit, not at the signal.
 * Valkey 8.0.1 acts on SIGTERM only in its next serverCron (server.c, `shutdown_asap`), and a
 * primary whose replicas lag waits up to shutdown-timeout for them (`isReadyToShutdown`); until it
 * exits it serves clients, acknowledges writes and talks on the bus. So the 'node-down' event and,
 * without persistence, the 'data-lost' that goes with it are emitted once the process is gone and
 * the replies it sent before have reached our clients: a write it acknowledged meanwhile was
 * acknowledged by a live node, and its loss on the restart is the fault's doing.
 */
import { countSlots } from '../core/cluster-nodes.ts';
import type { RealNode } from './cluster.ts';
import { delay } from './server-process.ts';
import type { StepContext } from './step-context.ts';

export type DownCause = 'kill' | 'terminate';

/** How long to wait for the client proxy to drop its connections after the exit (it does at once). */
const DRAIN_LIMIT_MS = 2000;
const DRAIN_POLL_MS = 5;

/** Per node, the marking of its last kill or terminate, until it has been emitted. */
const pendingMarks = new WeakMap<RealNode, Promise<void>>();

/**
 * Sends the signal (`stop`) and emits node-down (and data-lost) once the server has exited.
 * `onExit` runs at the exit itself (the proxies start refusing connections). The returned
 * promise resolves when the events are out; `whenMarkedDown` gives it to a later restart.
 */
export function stopAndMarkAtExit(
  context: StepContext,
  node: RealNode,
  cause: DownCause,
  stop: () => Promise<void>,
  onExit: () => void,
): Promise<void> {
  // Taken before the signal: the exit of this process, not of a later one.
  const exited = node.host.process.whenExited;
  const marked = exited.then(async () => {
    onExit();
    await drainReplies(node);
    if (context.signal.aborted) return;
    context.emit({ kind: 'node-down', atMs: context.nowMs(), node: node.name, cause, ...roleAtDown(context, node) });
    if (!context.keepsDataAcrossKill)
      context.emit({ kind: 'data-lost', atMs: context.nowMs(), node: node.name, cause });
  });
  pendingMarks.set(node, marked);
  void stop();
  return marked;
}

/** Resolves once the node's last kill or terminate has been marked (at once if none is pending). */
export function whenMarkedDown(node: RealNode): Promise<void> {
  return pendingMarks.get(node) ?? Promise.resolve();
}

/**
 * Replies the server wrote before it exited are still on their way through its client proxy: wait
 * until the proxy has dropped every connection (each ends after the bytes queued before its FIN),
 * then let the event loop take in what the clients' sockets hold (a poll phase, then the
 * acknowledgements' continuations) before the node counts as down.
 */
async function drainReplies(node: RealNode): Promise<void> {
  const proxy = node.host.clientProxy;
  const deadline = Date.now() + DRAIN_LIMIT_MS;
  while (proxy.connectionCount > 0 && Date.now() < deadline) await delay(DRAIN_POLL_MS);
  for (let round = 0; round < 3; round++) await new Promise<void>((resolveRound) => setImmediate(resolveRound));
}

/** What node-down records: whether it owned slots, and which replicas could take over. */
export function roleAtDown(context: StepContext, node: RealNode): { wasPrimary: boolean; eligibleReplicas: string[] } {
  const report = context.observer.lastReportOf(node.name);
  if (report === undefined || report.role !== 'primary' || countSlots(report.slots) === 0) {
    return { wasPrimary: false, eligibleReplicas: [] };
  }
  const eligibleReplicas = context.cluster.nodes
    .filter((other) => {
      const otherReport = context.observer.lastReportOf(other.name);
      return (
        other.host.process.state === 'running' &&
        otherReport?.replicaOf === report.id &&
        otherReport.replLinkUp === true
      );
    })
    .map((other) => other.name);
  return { wasPrimary: true, eligibleReplicas };
}
