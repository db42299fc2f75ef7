/**
 * The invariant API shared by both backends. Each invariant is a pure function over the scenario,
 * the views taken so far and the events so far; the SafetyMonitor is the incremental form the
 * simulator calls on every step (same rules, fed one event at a time).
 */
import type { ObservedEvent } from '../events.ts';
import type { InvariantName, Scenario } from '../scenario/types.ts';
import type { ClusterView } from '../view.ts';
import type { Finding } from '../violation.ts';

export interface InvariantContext {
  scenario: Scenario;
  /** Views in time order; convergence invariants read the last one. */
  views: readonly ClusterView[];
  /** Every event so far, in order. */
  events: readonly ObservedEvent[];
}

export interface Invariant {
  name: InvariantName;
  kind: 'safety' | 'convergence';
  /** One-line description for README and --help. */
  summary: string;
  check(context: InvariantContext): Finding | null;
}
