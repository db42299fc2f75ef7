/**
 * What a process step (`kill`, `terminate`, `pause`) does to its target, for both backends: it
 * acts on a running node, and kill and terminate also on a paused one (SIGKILL ends a stopped
 * process; SIGTERM comes with a SIGCONT). It is skipped, with no signal and so no restart or
 * resume at its end, when the node is down (killed, or shutting down after a SIGTERM: down for
 * the plan from the signal on) and when a pause finds the node paused already. A skipped kill
 * with `restart_after` must not bring the node back early: the step that took it down restarts it.
 */

/** A node as a process step sees it. A node still starting counts as running: the signal reaches it. */
export type ProcessStepState = 'running' | 'paused' | 'down';

export type ProcessAction = 'kill' | 'terminate' | 'pause';

export function processStepApplies(action: ProcessAction, state: ProcessStepState): boolean {
  if (state === 'down') return false;
  return !(state === 'paused' && action === 'pause');
}
