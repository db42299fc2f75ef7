/**
 * How a real run ends: the StopRun signal its loops throw when the run stops, the sleep that
 * throws it, what a silent node means for convergence, and the verdict from how the run stopped.
 */
import type { Verdict } from '../core/backend.ts';
import type { ClusterView } from '../core/view.ts';
import { finding, type Finding } from '../core/violation.ts';

/** Thrown out of the run's loops once it stops (a violation, abort, max-steps). */
export class StopRun extends Error {}

/**
 * A running node that did not answer the poll: the invariants skip nodes without a report, so
 * convergence would pass over it. A node that says nothing does not say cluster_state ok.
 */
export function unresponsiveFinding(view: ClusterView): Finding | null {
  const silent = view.nodes
    .filter((node) => node.process === 'running' && node.report === null)
    .map((node) => node.name);
  if (silent.length === 0) return null;
  return finding(
    'cluster-state-ok',
    'unresponsive',
    `${silent.join(', ')} ${silent.length === 1 ? 'runs' : 'run'} but did not answer CLUSTER NODES / CLUSTER INFO at ${view.atMs} ms`,
    silent,
  );
}

/** A sleep that ends early, throwing StopRun, when `signal` aborts. */
export function abortableSleep(signal: AbortSignal, ms: number): Promise<void> {
  if (signal.aborted) return Promise.reject(new StopRun());
  return new Promise((resolveSleep, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolveSleep();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new StopRun());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The verdict: the step bound (polls + phases) ends a run before the convergence checks answered. */
export function runVerdict(
  violated: boolean,
  stopReason: 'violation' | 'aborted' | 'max-steps' | 'steering' | null,
): Verdict {
  if (violated) return 'violation';
  if (stopReason === 'aborted' || stopReason === 'steering') return 'aborted';
  return stopReason === 'max-steps' ? 'inconclusive' : 'pass';
}
