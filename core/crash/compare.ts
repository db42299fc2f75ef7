/**
 * Whether a replay reproduced a crash file. On the simulator (a sim crash replayed on the sim) it
 * must be exact: the same invariant at the same step with the same trace hash. Where real
 * processes are involved timing is real, so the same invariant is what counts and the rest is
 * reported for information.
 */
import type { RunResult } from '../backend.ts';
import type { Protocol } from '../scenario/types.ts';
import type { CrashFile } from './format.ts';

export interface ReplayComparison {
  reproduced: boolean;
  /** Whether step and trace hash had to match too. */
  exact: boolean;
  /** What differed, one line each (empty when everything matched). */
  differences: string[];
}

/**
 * `protocol`: the protocol the replay ran under (reproduce --protocol). Under another protocol than
 * the crash file's the simulator's step and trace differ by design, so the same invariant counts.
 */
export function compareReplay(
  crash: CrashFile,
  result: RunResult,
  protocol: Protocol = crash.protocol,
): ReplayComparison {
  const exact = crash.backend === 'sim' && result.backend === 'sim' && protocol === crash.protocol;
  const expected = crash.violation;
  const got = result.violation;
  const differences: string[] = [];
  if (got === null) {
    differences.push(
      `invariant: expected ${expected.invariant} at step ${expected.step}, but the run ${result.verdict === 'aborted' ? 'was aborted' : result.verdict === 'inconclusive' ? 'was inconclusive (the step bound ended it first)' : 'passed'} after ${result.steps} steps`,
    );
  } else {
    if (got.invariant !== expected.invariant)
      differences.push(`invariant: expected ${expected.invariant}, got ${got.invariant}`);
    if (got.step !== expected.step) differences.push(`step: expected ${expected.step}, got ${got.step}`);
    if (got.fingerprint !== expected.fingerprint)
      differences.push(`fingerprint: expected ${expected.fingerprint}, got ${got.fingerprint}`);
  }
  // A real run's trace hash hashes wall-clock timings: a difference there means nothing.
  if (exact && result.traceHash !== crash.traceHash)
    differences.push(`trace hash: expected ${crash.traceHash}, got ${result.traceHash}`);
  const sameInvariant = got !== null && got.invariant === expected.invariant;
  const reproduced = exact
    ? sameInvariant && got.step === expected.step && result.traceHash === crash.traceHash
    : sameInvariant;
  return { reproduced, exact, differences };
}
