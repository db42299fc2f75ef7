/**
 * The invariants: every one of the interface page, one file each, named by its stable id.
 * API used by both backends:
 * - `createSafetyMonitor(scenario)`: incremental safety checks, fed every event as it happens.
 * - `checkConvergence(context)`: the first broken convergence invariant in a fixed order, or null.
 * - `failoverBoundMs(cluster)`: the time within which a failover must happen (failover-bound).
 */
export type { Invariant, InvariantContext } from './api.ts';
