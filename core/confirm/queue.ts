/**
 * `fuzz --confirm`: once the simulator work of a campaign is done, each NEW finding's crash file
 * is confirmed on live servers (confirm.ts), one at a time (every real cluster loads the machine),
 * and the result is recorded in its crash file. The campaign summary then marks each fingerprint
 * confirmed or not. Kept out of the fuzz loop: it only reads the loop's summary.
 */
import type { Backend } from '../backend.ts';
import { readCrashFile } from '../crash/index.ts';
import { confirmCrash, confirmationOf, type ConfirmOutcome } from './confirm.ts';
import { confirmationLine, recordConfirmation } from './record.ts';

/** Tries per finding in a campaign: fewer than `confirm`'s 10, the queue may be long. */
export const FUZZ_CONFIRM_TRIES = 5;

export interface QueuedFinding {
  fingerprint: string;
  crashFile: string;
}

export interface ConfirmQueueInput {
  findings: readonly QueuedFinding[];
  sim: Backend;
  real: Backend;
  tries: number;
  signal: AbortSignal;
  say: (line: string) => void;
}

/** Confirms each finding in turn; the outcome per fingerprint (absent when stopped before it). */
export async function confirmQueue(input: ConfirmQueueInput): Promise<Map<string, ConfirmOutcome>> {
  const outcomes = new Map<string, ConfirmOutcome>();
  if (input.findings.length > 0)
    input.say(
      `confirming ${input.findings.length} new finding${input.findings.length === 1 ? '' : 's'} on real servers, up to ${input.tries} tries each...`,
    );
  for (const finding of input.findings) {
    if (input.signal.aborted) break;
    const crash = await readCrashFile(finding.crashFile);
    const outcome = await confirmCrash({
      crash,
      file: finding.crashFile,
      sim: input.sim,
      real: input.real,
      tries: input.tries,
      all: false,
      signal: input.signal,
      say: input.say,
    });
    const confirmation = confirmationOf(outcome);
    if (confirmation === null) continue;
    await recordConfirmation(finding.crashFile, confirmation);
    input.say(
      `  ${finding.fingerprint}: ${confirmationLine(confirmation)}${outcome.logs === null ? '' : `; node logs: ${outcome.logs}`}`,
    );
    outcomes.set(finding.fingerprint, outcome);
  }
  return outcomes;
}
