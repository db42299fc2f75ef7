/**
 * A broken invariant: a finding. Kept apart from an assert in our own code (a busfuzz bug) and
 * from a checker that throws (verdict unknown).
 */
import type { InvariantName } from './scenario/types.ts';

export interface Violation {
  invariant: InvariantName;
  /** What happened, in words a person can act on. */
  message: string;
  /** Filled in by the backend: the step and time at which it was detected. */
  step: number;
  timeMs: number;
  /** Node names (`node-K`) involved. */
  nodes: string[];
  /**
   * Groups findings with the same cause: the invariant plus the shape of the violating state,
   * with no node ids, names or times. `<invariant>/<shape>`.
   */
  fingerprint: string;
}

/** What an invariant checker returns before the backend stamps step and time on it. */
export type Finding = Omit<Violation, 'step' | 'timeMs'>;

export function finding(invariant: InvariantName, shape: string, message: string, nodes: string[]): Finding {
  return {
    invariant,
    message,
    nodes: [...new Set(nodes)].sort(compareNodeNames),
    fingerprint: `${invariant}/${shape}`,
  };
}

/** `node-2` before `node-10`. */
export function compareNodeNames(a: string, b: string): number {
  const na = Number(a.replace(/^node-/, ''));
  const nb = Number(b.replace(/^node-/, ''));
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
