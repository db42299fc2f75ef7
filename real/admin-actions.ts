/**
 * The admin actions of the DSL, sent with ioredis to the live servers: CLUSTER FAILOVER in its
 * three modes, BUMPEPOCH, MEET, FORGET (on every other node), RESET, REPLICATE, add_node (a new
 * node from the farm, MEET, REPLICATE) and migrate_slots (SETSLOT IMPORTING/MIGRATING, MIGRATE of
 * the keys, SETSLOT NODE). A refusal by the server is part of the run, not an error of ours: it
 * goes into the fault event's detail and the run goes on.
 */
import type { StepOf } from '../core/scenario/types.ts';
import { command } from './admin-client.ts';
import type { RealNode } from './cluster.ts';
import { meet as meetNodes, prepareAlone } from './formation.ts';
import { emitFault, errorText, resolveNode, type StepContext } from './step-context.ts';
import { delay } from './server-process.ts';

/** How long add_node and replicate wait for the node to learn the primary it should replicate. */
const LEARN_PRIMARY_TIMEOUT_MS = 10_000;
/** Keys moved per MIGRATE. */
const MIGRATE_BATCH_KEYS = 100;
const MIGRATE_TIMEOUT_MS = 5000;

function running(node: RealNode | null): node is RealNode {
  return node !== null && node.host.process.state === 'running';
}

/** Sends one command to `node` and reports it as a fault event, reply or refusal included. */
async function sendAndReport(
  context: StepContext,
  action: string,
  node: RealNode,
  nodes: RealNode[],
  args: string[],
  prefix = '',
): Promise<unknown> {
  try {
    const reply = await command(node.host.admin, args[0]!, ...args.slice(1));
    emitFault(context, action, nodes, `${prefix}${String(reply)}`);
    return reply;
  } catch (error) {
    emitFault(context, action, nodes, `${prefix}refused: ${errorText(error)}`);
    return null;
  }
}

function skip(context: StepContext, action: string, what: string): void {
  emitFault(context, action, [], `skipped: ${what} names no running node`);
}

export async function failover(context: StepContext, step: StepOf<'failover'>): Promise<void> {
  const node = resolveNode(context, step.target);
  if (!running(node)) return skip(context, 'failover', step.target);
  const args = step.mode === 'default' ? ['CLUSTER', 'FAILOVER'] : ['CLUSTER', 'FAILOVER', step.mode.toUpperCase()];
  await sendAndReport(context, 'failover', node, [node], args, `${step.mode}: `);
}

export async function bumpEpoch(context: StepContext, step: StepOf<'bump_epoch'>): Promise<void> {
  const node = resolveNode(context, step.target);
  if (!running(node)) return skip(context, 'bump_epoch', step.target);
  // BUMPED or STILL; no election-won (as in the simulator): the node takes no one's slots.
  await sendAndReport(context, 'bump_epoch', node, [node], ['CLUSTER', 'BUMPEPOCH']);
}

export async function meet(context: StepContext, step: StepOf<'meet'>): Promise<void> {
  const node = resolveNode(context, step.target);
  const other = resolveNode(context, step.other);
  if (!running(node) || other === null) return skip(context, 'meet', `${step.target}/${step.other}`);
  try {
    await meetNodes(node, other);
    emitFault(context, 'meet', [node, other], `${node.name} CLUSTER MEET ${other.name}: OK`);
  } catch (error) {
    emitFault(context, 'meet', [node, other], `${node.name} CLUSTER MEET ${other.name}: refused: ${errorText(error)}`);
  }
}

/** CLUSTER FORGET <other> on every other running node (Redis 7.0 has no forgotten-node gossip). */
export async function forget(context: StepContext, step: StepOf<'forget'>): Promise<void> {
  const other = resolveNode(context, step.other);
  if (other === null || other.id === null) return skip(context, 'forget', step.other);
  const otherId = other.id;
  const senders = context.cluster.nodes.filter((node) => node !== other && running(node));
  const outcomes = await Promise.all(
    senders.map(async (node) => {
      try {
        await command(node.host.admin, 'CLUSTER', 'FORGET', otherId);
        return `${node.name}: OK`;
      } catch (error) {
        return `${node.name}: ${errorText(error)}`;
      }
    }),
  );
  emitFault(context, 'forget', [other], `CLUSTER FORGET ${other.name} on ${outcomes.join('; ') || 'no node'}`);
}

export async function reset(context: StepContext, step: StepOf<'reset'>): Promise<void> {
  const node = resolveNode(context, step.target);
  if (!running(node)) return skip(context, 'reset', step.target);
  if (step.ifReplica === true && context.observer.lastReportOf(node.name)?.role !== 'replica') {
    emitFault(context, 'reset', [node], `skipped: ${node.name} is a primary now (if_replica)`);
    return;
  }
  const reply = await sendAndReport(context, 'reset', node, [node], ['CLUSTER', 'RESET', step.hard ? 'HARD' : 'SOFT']);
  // A reset empties the node (a replica flushes; a primary is refused while it has keys).
  if (reply !== null) context.emit({ kind: 'data-lost', atMs: context.nowMs(), node: node.name, cause: 'reset' });
}

/**
 * CLUSTER REPLICATE once the node knows the primary: after a RESET and MEET (the generator's
 * recipe) the handshake and gossip take a moment, and an operator waits for them rather than send
 * a REPLICATE that Valkey refuses as an unknown node. A node that has not learned it within
 * LEARN_PRIMARY_TIMEOUT_MS (its MEET timed out, say) is reported and left as it is.
 */
export async function replicate(context: StepContext, step: StepOf<'replicate'>): Promise<void> {
  const node = resolveNode(context, step.target);
  const primary = resolveNode(context, step.primary);
  if (!running(node) || primary === null || primary.id === null)
    return skip(context, 'replicate', `${step.target}/${step.primary}`);
  if (!(await waitUntilKnows(node, primary.id, context.signal))) {
    emitFault(
      context,
      'replicate',
      [node],
      `${node.name} did not learn ${primary.name} within ${LEARN_PRIMARY_TIMEOUT_MS} ms (its MEET did not complete): not replicating`,
    );
    return;
  }
  await sendAndReport(context, 'replicate', node, [node], ['CLUSTER', 'REPLICATE', primary.id]);
}

/** A new node: taken from the farm, introduced to a running node, then a replica of the shard's primary. */
export async function addNode(context: StepContext, step: StepOf<'add_node'>): Promise<void> {
  const introducer = context.cluster.nodes.find((node) => running(node));
  if (introducer === undefined) return skip(context, 'add_node', 'introducer');
  const node = await context.cluster.addNode(step.shard ?? null);
  await prepareAlone(context.cluster, node, { configEpoch: null, slots: null });
  await meetNodes(node, introducer);
  if (step.shard === undefined) {
    emitFault(context, 'add_node', [node], `${node.name} joined as an empty primary via ${introducer.name}`);
    return;
  }
  const primary = resolveNode(context, `shard-${step.shard}-primary`);
  if (primary === null || primary.id === null) {
    emitFault(context, 'add_node', [node], `${node.name} joined; shard ${step.shard} has no primary to replicate`);
    return;
  }
  const known = await waitUntilKnows(node, primary.id, context.signal);
  const detail = known
    ? await command(node.host.admin, 'CLUSTER', 'REPLICATE', primary.id).then(
        (reply) => `REPLICATE ${primary.name}: ${String(reply)}`,
        (error: unknown) => `REPLICATE ${primary.name}: refused: ${errorText(error)}`,
      )
    : `did not learn ${primary.name} within ${LEARN_PRIMARY_TIMEOUT_MS} ms`;
  emitFault(context, 'add_node', [node], `${node.name} joined shard ${step.shard}: ${detail}`);
}

async function waitUntilKnows(node: RealNode, id: string, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + LEARN_PRIMARY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    const text = String(await command(node.host.admin, 'CLUSTER', 'NODES').catch(() => ''));
    if (text.split('\n').some((line) => line.startsWith(`${id} `) && !line.includes('handshake'))) return true;
    await delay(20);
  }
  return false;
}

/** Moves the lowest `count` slots of `from`'s primary to `to`'s, one slot at a time. */
export async function migrateSlots(context: StepContext, step: StepOf<'migrate_slots'>): Promise<void> {
  const source = resolveNode(context, step.from);
  const target = resolveNode(context, step.to);
  if (!running(source) || !running(target) || source === target || source.id === null || target.id === null) {
    return skip(context, 'migrate_slots', `${step.from}/${step.to}`);
  }
  const report = context.observer.lastReportOf(source.name);
  const slots: number[] = [];
  for (const [start, end] of report?.slots ?? []) {
    for (let slot = start; slot <= end && slots.length < step.count; slot++) slots.push(slot);
  }
  let moved = 0;
  let keys = 0;
  try {
    for (const slot of slots) {
      context.signal.throwIfAborted();
      keys += await migrateSlot(source, target, slot);
      moved++;
    }
    emitFault(
      context,
      'migrate_slots',
      [source, target],
      `${moved} slots (${keys} keys) ${source.name} -> ${target.name}`,
    );
  } catch (error) {
    if (context.signal.aborted) throw error;
    emitFault(
      context,
      'migrate_slots',
      [source, target],
      `${moved} of ${slots.length} slots (${keys} keys) ${source.name} -> ${target.name}, then: ${errorText(error)}`,
    );
  }
}

async function migrateSlot(source: RealNode, target: RealNode, slot: number): Promise<number> {
  const s = String(slot);
  await command(target.host.admin, 'CLUSTER', 'SETSLOT', s, 'IMPORTING', source.id!);
  await command(source.host.admin, 'CLUSTER', 'SETSLOT', s, 'MIGRATING', target.id!);
  let moved = 0;
  for (;;) {
    const keys = (await source.host.admin.call('CLUSTER', 'GETKEYSINSLOT', s, String(MIGRATE_BATCH_KEYS))) as string[];
    if (keys.length === 0) break;
    // To the target's announced port: the migration crosses the network, faults included.
    await source.host.admin.call(
      'MIGRATE',
      target.host.host,
      String(target.host.ports.clientProxyPort),
      '',
      '0',
      String(MIGRATE_TIMEOUT_MS),
      'REPLACE',
      'KEYS',
      ...keys,
    );
    moved += keys.length;
  }
  await command(target.host.admin, 'CLUSTER', 'SETSLOT', s, 'NODE', target.id!);
  await command(source.host.admin, 'CLUSTER', 'SETSLOT', s, 'NODE', target.id!);
  return moved;
}
