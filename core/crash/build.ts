/**
 * buildCrashFile: turns a run that found a violation into the crash file that replays it.
 * Pure apart from the creation time, which a caller may pass (tests, the shrinker).
 */
import type { RunResult } from '../backend.ts';
import type { Scenario } from '../scenario/types.ts';
import { CRASH_FORMAT, TOOL_VERSION, type CrashFile } from './format.ts';

export interface CrashInput {
  /** The scenario exactly as it was run (resolved). */
  scenario: Scenario;
  /** The run's result; it must carry a violation. */
  result: RunResult;
  /** The step bound of the run. */
  maxSteps: number;
  /** @defaultValue the current time */
  createdAt?: Date;
  shrunkFrom?: string;
}

export function buildCrashFile(input: CrashInput): CrashFile {
  const { scenario, result } = input;
  if (result.violation === null) throw new Error(`buildCrashFile: run of ${result.scenarioId} has no violation`);
  const crash: CrashFile = {
    format: CRASH_FORMAT,
    toolVersion: TOOL_VERSION,
    backend: result.backend,
    protocol: scenario.protocol,
    server: result.server,
    seed: result.seed,
    maxSteps: input.maxSteps,
    scenario,
    violation: { ...result.violation, nodes: [...result.violation.nodes] },
    traceHash: result.traceHash,
    traceTail: [...result.traceTail],
    createdAt: (input.createdAt ?? new Date()).toISOString(),
  };
  if (result.nodeStatus !== undefined && result.nodeStatus.length > 0) crash.nodeStatus = [...result.nodeStatus];
  if (input.shrunkFrom !== undefined) crash.shrunkFrom = input.shrunkFrom;
  return crash;
}
