/**
 * The invariants: every one of the interface page, one file each, named by its stable id.
 * API used by both backends:
 * - `createSafetyMonitor(scenario)`: incremental safety checks, fed every event as it happens.
 * - `checkConvergence(context)`: the first broken convergence invariant in a fixed order, or null.
 * - `failoverBoundMs(cluster)`: the time within which a failover must happen (failover-bound).
 */
import type { InvariantName } from '../scenario/types.ts';
import type { Finding } from '../violation.ts';
import { ackedWritesDurable } from './acked-writes-durable.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { clusterStateOk } from './cluster-state-ok.ts';
import { distinctConfigEpochs } from './distinct-config-epochs.ts';
import { epochOrder } from './epoch-order.ts';
import { failoverBound } from './failover-bound.ts';
import { membershipSymmetric } from './membership-symmetric.ts';
import { noFailureFlags } from './no-failure-flags.ts';
import { noReplicaChains } from './no-replica-chains.ts';
import { noReplicaOwnsSlots } from './no-replica-owns-slots.ts';
import { onePrimaryPerShard } from './one-primary-per-shard.ts';
import { oneVotePerEpoch } from './one-vote-per-epoch.ts';
import { oneWinnerPerEpoch } from './one-winner-per-epoch.ts';
import { replicasConsistent } from './replicas-consistent.ts';
import { slotCoverage } from './slot-coverage.ts';
import { viewsAgree } from './views-agree.ts';
import { manualFailoverCompletes } from './manual-failover-completes.ts';

export type { Invariant, InvariantContext } from './api.ts';
export { createSafetyMonitor, type SafetyMonitor } from './safety-monitor.ts';
export { dataAgeGateRefuses, failoverBoundMs } from './failover-bound.ts';

/**
 * Safety first, then convergence. The convergence order puts causes before their symptoms, so the
 * first broken one names the cause: two primaries in a shard before the views that disagree about
 * them, a missing failover before the slots it leaves uncovered, a node that does not know a slot
 * owner (membership) before the slots it then sees unassigned, flags and cluster state last.
 */
export const INVARIANTS: readonly Invariant[] = [
  epochOrder,
  oneVotePerEpoch,
  oneWinnerPerEpoch,
  ackedWritesDurable,
  onePrimaryPerShard,
  noReplicaOwnsSlots,
  distinctConfigEpochs,
  noReplicaChains,
  failoverBound,
  manualFailoverCompletes,
  membershipSymmetric,
  slotCoverage,
  viewsAgree,
  replicasConsistent,
  noFailureFlags,
  clusterStateOk,
];

export const CONVERGENCE_INVARIANTS: readonly Invariant[] = INVARIANTS.filter(
  (invariant) => invariant.kind === 'convergence',
);

export function invariantByName(name: InvariantName): Invariant {
  const found = INVARIANTS.find((invariant) => invariant.name === name);
  if (found === undefined) throw new Error(`no invariant named ${name}`);
  return found;
}

/** The first broken convergence invariant enabled in the scenario, on the last view; null if converged. */
export function checkConvergence(context: InvariantContext): Finding | null {
  const enabled = new Set<InvariantName>(context.scenario.validation.invariants);
  for (const invariant of CONVERGENCE_INVARIANTS) {
    if (!enabled.has(invariant.name)) continue;
    const found = invariant.check(context);
    if (found !== null) return found;
  }
  return null;
}
