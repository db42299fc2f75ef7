/**
 * Defaults the DSL fills in that the scenario types do not already name (those are in
 * core/scenario/types.ts: DEFAULT_CLUSTER, DEFAULT_CONVERGENCE_TIMEOUT_MS).
 */
import { NETWORK_PROCESS_FAULTS, type Chaos, type Workload } from '../scenario/types.ts';

/** `wait` without `timeout`: as long as the default convergence timeout. */
export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;

/** A `workload: {}` block: light traffic; WAIT 1 when there is a replica to wait for. */
export function defaultWorkload(replicasPerShard: number): Workload {
  return { keys: 1000, writesPerSec: 100, waitReplicas: Math.min(1, replicasPerShard) };
}

/**
 * A `chaos: {}` block: about one fault every 10 s for the first minute, one at a time, each
 * lasting 1..8 s (long enough to cross a short node_timeout, short enough to heal within a run).
 * Its types are the network and process faults; clock and slow are asked for by name.
 */
export const DEFAULT_CHAOS: Chaos = {
  rate: 6,
  types: [...NETWORK_PROCESS_FAULTS],
  targets: 'any',
  maxConcurrent: 1,
  keepQuorum: true,
  untilMs: 60_000,
  faultDurationMsMin: 1000,
  faultDurationMsMax: 8000,
};
