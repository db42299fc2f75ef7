/**
 * The fault actions on live servers: process faults by signal (kill, terminate, pause and their
 * planned ends, restart), network faults as rules in the run's proxy table (partition, latency,
 * drop, hold, release, heal) and kill_links with DEBUG CLUSTERLINK KILL. The step runner keeps
 * what each start did (step-runner.ts), so the matching end undoes exactly that.
 */
import { processStepApplies } from '../core/scenario/semantics/process-steps.ts';
import { minoritySides as minorityOf, partitionPairs } from '../core/scenario/semantics/partition.ts';
import { resolvePairs } from '../core/scenario/targets.ts';
import type { StepOf } from '../core/scenario/types.ts';
import type { RealNode } from './cluster.ts';
import { roleAtDown, stopAndMarkAtExit, whenMarkedDown } from './down-at-exit.ts';
import type { NetworkRule } from './proxy/network-faults.ts';
import { votingPrimaries } from './quorum.ts';
import { emitFault, errorText, resolveNode, topologyOf, type StepContext } from './step-context.ts';

/**
 * SIGKILL / SIGTERM / SIGSTOP of the target. A pause is down at once; a kill or terminate when
 * the server has exited (down-at-exit.ts): a SIGTERM takes effect in a later serverCron, and the
 * node serves and acknowledges writes until then.
 */
export async function takeDown(
  context: StepContext,
  step: StepOf<'kill' | 'terminate' | 'pause'>,
  node: RealNode | null,
): Promise<RealNode | null> {
  // core's rule, as the simulator: SIGKILL or SIGTERM ends a paused (SIGSTOPped) node too; a
  // pause needs a running one; a down node is skipped (and its restart left to the step that took it).
  if (node === null || !processStepApplies(step.action, node.host.process.state)) {
    emitFault(context, step.action, [], `skipped: ${step.target} names no running node`);
    return null;
  }
  if (step.action === 'pause') {
    context.emit({
      kind: 'node-down',
      atMs: context.nowMs(),
      node: node.name,
      cause: 'pause',
      ...roleAtDown(context, node),
    });
    emitFault(context, step.action, [node], '');
    node.host.process.pause();
    return node;
  }
  emitFault(context, step.action, [node], '');
  const server = node.host.process;
  const marked = stopAndMarkAtExit(
    context,
    node,
    step.action,
    () => (step.action === 'kill' ? server.kill() : server.terminate()),
    // A dead node's ports refuse connections: so do its proxies, from its exit until it restarts
    // (bringUp reopens them).
    () => {
      node.host.busProxy.refuse();
      node.host.clientProxy.refuse();
    },
  );
  // SIGKILL ends the process at once: the next step sees the node down. A SIGTERM's shutdown may
  // take up to shutdown-timeout; the plan goes on meanwhile.
  if (step.action === 'kill') await marked;
  return node;
}

/** Restart (after kill/terminate) or resume (after pause) a node a fault took down. */
export async function bringUp(
  context: StepContext,
  node: RealNode,
  action: 'restart' | 'resume',
  detail: string,
): Promise<void> {
  const state = node.host.process.state;
  if (state === 'running') {
    emitFault(context, action, [node], `${detail}: already running`);
    return;
  }
  if (state === 'down' && action === 'resume') {
    // Killed while paused: the end of the pause does not start it (the kill's own restart does).
    emitFault(context, action, [node], `${detail}: skipped, the node is down`);
    return;
  }
  if (state === 'paused') node.host.process.resume();
  else {
    await whenMarkedDown(node);
    await node.host.process.start();
    await Promise.all([node.host.busProxy.reopen(), node.host.clientProxy.reopen()]);
  }
  emitFault(context, action, [node], detail);
  context.emit({ kind: 'node-up', atMs: context.nowMs(), node: node.name });
}

/** The `restart` action: start the target again if it is down. */
export async function restart(context: StepContext, step: StepOf<'restart'>): Promise<void> {
  const node = resolveNode(context, step.target);
  if (node === null || node.host.process.state !== 'down') {
    emitFault(context, 'restart', node === null ? [] : [node], `skipped: ${step.target} is not down`);
    return;
  }
  await bringUp(context, node, 'restart', 'OK');
}

/** Nodes outside the group that holds the most slot-owning primaries (cut off from the majority). */
export function minoritySides(context: StepContext, groups: readonly string[][]): RealNode[] {
  const voting = new Set(votingPrimaries(context).map((node) => node.name));
  return minorityOf(groups, (name) => voting.has(name)).map((name) => context.cluster.nodeByName(name));
}

/** Partition: block every directed pair between groups (one-way: only from the first group). */
export function partition(
  context: StepContext,
  step: StepOf<'partition'>,
  groups: readonly string[][],
  faultId: number,
): void {
  for (const [from, to] of partitionPairs(groups, step.oneway))
    context.cluster.network.add(faultId, [from], [to], { kind: 'block' });
  const nodes = groups.flat().map((name) => context.cluster.nodeByName(name));
  const sides = groups.map((group) => `[${group.join(',')}]`).join(step.oneway ? ' -/-> ' : ' | ');
  emitFault(context, 'partition', nodes, sides, step.durationMs);
}

/** latency / drop / hold: one rule per directed pair the step names. */
export function addPairRule(
  context: StepContext,
  step: StepOf<'latency' | 'drop' | 'hold'>,
  faultId: number,
  rule: NetworkRule,
): void {
  const pairs = resolvePairs(step.from, step.to, topologyOf(context), context.targetRng);
  for (const [from, to] of pairs) context.cluster.network.add(faultId, [from], [to], rule);
  const nodes = nodesOfPairs(context, pairs);
  emitFault(
    context,
    step.action,
    nodes,
    `${describeRule(rule)} on ${describePairs(pairs)}`,
    step.action === 'hold' ? undefined : step.durationMs,
  );
}

export function release(context: StepContext, step: StepOf<'release'>): void {
  const pairs = resolvePairs(step.from, step.to, topologyOf(context), context.targetRng);
  for (const [from, to] of pairs) context.cluster.network.release([from], [to]);
  emitFault(context, 'release', nodesOfPairs(context, pairs), describePairs(pairs));
}

export function heal(context: StepContext): void {
  context.cluster.network.clear();
  emitFault(context, 'heal', [], '');
}

/** Close the target's bus links to every peer (both directions); the cron reconnects them. */
export async function killLinks(context: StepContext, step: StepOf<'kill_links'>): Promise<void> {
  const node = resolveNode(context, step.target);
  if (node === null || node.host.process.state !== 'running') {
    emitFault(context, 'kill_links', [], `skipped: ${step.target} names no running node`);
    return;
  }
  const report = context.observer.lastReportOf(node.name);
  const peers = (report?.peers ?? []).filter((peer) => !peer.flags.includes('myself'));
  let failures = 0;
  let lastError = '';
  for (const peer of peers) {
    try {
      await node.host.admin.call('DEBUG', 'CLUSTERLINK', 'KILL', 'ALL', peer.id);
    } catch (error) {
      failures++;
      lastError = errorText(error);
    }
  }
  const detail = `${peers.length - failures} of ${peers.length} peers' links closed${failures > 0 ? ` (${lastError})` : ''}`;
  emitFault(context, 'kill_links', [node], detail);
}

function nodesOfPairs(context: StepContext, pairs: ReadonlyArray<[string, string]>): RealNode[] {
  const names = [...new Set(pairs.flat())];
  return context.cluster.nodes.filter((node) => names.includes(node.name));
}

function describePairs(pairs: ReadonlyArray<[string, string]>): string {
  return pairs.length === 0 ? 'no pairs' : pairs.map(([from, to]) => `${from}->${to}`).join(',');
}

function describeRule(rule: NetworkRule): string {
  switch (rule.kind) {
    case 'block':
      return 'block';
    case 'hold':
      return 'hold';
    case 'latency':
      return `latency ${rule.delayMs}ms+${rule.jitterMs}ms`;
    case 'drop':
      return `drop ${rule.types?.join('/') ?? 'all'} p=${rule.probability}`;
  }
}
