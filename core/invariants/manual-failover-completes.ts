/**
 * manual-failover-completes: a CLUSTER FAILOVER (default or FORCE) that a replica accepted makes it
 * primary within the manual-failover timeout plus one election (protocol reference §3.4: the manual
 * failover stays on for CLUSTER_MF_TIMEOUT, 5 s; its election asks for votes with FORCEACK at once
 * and ends within the auth timeout, max(2 × node_timeout, 2 s)). TAKEOVER needs no election and is
 * not judged here.
 *
 * Excused are the cases Valkey documents, and the operation being overtaken, each read off the
 * events in the window from the command to its deadline:
 * - default mode: the primary down, or cut from the replica by a network fault, before the manual
 *   failover times out (the replica never hears its offset; Valkey says use FORCE then);
 * - no quorum: fewer voting primaries up and outside network faults than size/2+1;
 * - the replica itself down, paused, in a network fault or its links killed;
 * - overtaken: the replica moved to another primary, was reset or re-pointed, or another node of
 *   the shard won an election;
 * - forgotten: the replica or its primary was CLUSTER FORGOTten before the command and not met
 *   again. Nodes that forgot it drop its packets (an unknown sender's FAILOVER_AUTH_REQUEST, MFSTART
 *   and PINGs are ignored; only a MEET adds a node back) for the 60 s ban at least, and for good
 *   when every node it was sent to forgot it, since then no node gossips it back.
 * What is left is a refused or never-started election: 8.0.1's vote throttle (a voter that voted
 * for a replica of the same primary within 2 × node_timeout refuses, valkey-io/valkey#1305), the
 * retry window (no new election within 4 × node_timeout of the last, #1356), a stale configEpoch.
 */
import type { ObservedEvent } from '../events.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { lastView } from './view-facts.ts';

/** CLUSTER_MF_TIMEOUT. */
export const MF_TIMEOUT_MS = 5000;
/** A cron tick and a few hops beyond the election's own timeout. */
const SLACK_MS = 500;

type FaultEvent = Extract<ObservedEvent, { kind: 'fault' }>;
type NodeState = Extract<ObservedEvent, { kind: 'node-state' }>;

const NETWORK_FAULTS = new Set(['partition', 'latency', 'drop', 'hold']);
/** CLUSTER FORGET's ban (CLUSTER_BLACKLIST_TTL): no node that forgot a node re-learns it by gossip sooner. */
const FORGET_BAN_MS = 60_000;

/** Admin actions on the replica or its primary that overtake a manual failover. */
const OVERTAKING = new Set(['reset', 'replicate', 'forget', 'failover', 'kill_links']);

/** The deadline of a manual failover accepted at `atMs`. */
export function manualFailoverDeadlineMs(nodeTimeoutMs: number, atMs: number): number {
  return atMs + MF_TIMEOUT_MS + Math.max(2 * nodeTimeoutMs, 2000) + SLACK_MS;
}

interface Window {
  from: number;
  to: number;
}

const overlaps = (a: Window, b: Window): boolean => a.from <= b.to && b.from <= a.to;

/** Network faults as time windows: from the fault to its own end, an earlier heal, or (hold) a release. */
function networkWindows(events: readonly ObservedEvent[]): Array<Window & { nodes: readonly string[] }> {
  const windows: Array<Window & { nodes: readonly string[] }> = [];
  events.forEach((event, index) => {
    if (event.kind !== 'fault' || !NETWORK_FAULTS.has(event.action) || event.nodes.length === 0) return;
    let to = event.untilMs ?? Number.POSITIVE_INFINITY;
    for (let later = index + 1; later < events.length; later++) {
      const next = events[later]!;
      if (next.atMs > to) break;
      const globalHeal =
        (next.kind === 'fault' && next.action === 'heal' && next.detail === '') || next.kind === 'healed';
      if (globalHeal || (event.action === 'hold' && next.kind === 'fault' && next.action === 'release')) {
        to = next.atMs;
        break;
      }
    }
    windows.push({ from: event.atMs, to, nodes: event.nodes });
  });
  return windows;
}

/** Whether `node` was down (killed, stopped, paused) at some moment of the window. */
function downDuring(events: readonly ObservedEvent[], node: string, window: Window): boolean {
  let down = false;
  for (const event of events) {
    if (event.atMs > window.to) break;
    if (event.kind === 'node-down' && event.node === node) {
      down = true;
      if (event.atMs >= window.from) return true;
    } else if (event.kind === 'node-up' && event.node === node) {
      down = false;
    }
    if (event.atMs >= window.from && down) return true;
  }
  return down;
}

function lastStateBefore(events: readonly ObservedEvent[], atMs: number): Map<string, NodeState> {
  const states = new Map<string, NodeState>();
  for (const event of events) {
    if (event.atMs > atMs) break;
    if (event.kind === 'node-state') states.set(event.node, event);
  }
  return states;
}

/**
 * Whether the replica or its primary was forgotten before the window and not met again: within the
 * ban the nodes that forgot it ignore it; after it, only if some node kept it (a FORGET that failed
 * somewhere) can gossip bring it back.
 */
function forgottenBefore(
  events: readonly ObservedEvent[],
  touches: (nodes: readonly string[]) => boolean,
  window: Window,
): boolean {
  let forget: FaultEvent | null = null;
  for (const event of events) {
    if (event.atMs >= window.from) break;
    if (event.kind !== 'fault' || !touches(event.nodes)) continue;
    if (event.action === 'forget') forget = event;
    else if (event.action === 'meet' && forget !== null && / OK$/.test(event.detail)) forget = null;
  }
  if (forget === null) return false;
  if (window.from - forget.atMs < FORGET_BAN_MS) return true;
  const outcomes = forget.detail.replace(/^CLUSTER FORGET \S+ on /, '').split('; ');
  return outcomes.length > 0 && outcomes.every((outcome) => / OK$/.test(outcome));
}

/** Why the failover of `replica` (primary `primary`) needs no judging, or null. */
function excuse(
  context: InvariantContext,
  request: FaultEvent,
  replica: string,
  primary: string,
  window: Window,
  mode: string,
): string | null {
  const { events } = context;
  const touches = (nodes: readonly string[]) => nodes.includes(replica) || nodes.includes(primary);
  const networks = networkWindows(events).filter((network) => overlaps(network, window));
  if (downDuring(events, replica, window)) return 'replica down';
  if (networks.some((network) => network.nodes.includes(replica))) return 'replica in a network fault';
  if (mode === 'default') {
    const mfWindow = { from: window.from, to: Math.min(window.to, window.from + MF_TIMEOUT_MS) };
    if (downDuring(events, primary, mfWindow)) return 'primary down';
    if (networks.some((network) => overlaps(network, mfWindow) && network.nodes.includes(primary)))
      return 'primary unreachable';
  }
  for (const event of events) {
    if (event === request || event.atMs < window.from || event.atMs > window.to) continue;
    if (event.kind === 'fault' && OVERTAKING.has(event.action) && touches(event.nodes))
      return `overtaken by ${event.action}`;
    if (event.kind === 'node-state' && event.node === replica && event.role === 'replica' && event.primary !== primary)
      return 'replica moved';
    if (event.kind === 'election-won' && event.node !== replica) {
      const winner = lastStateBefore(events, event.atMs).get(event.node);
      if (winner?.primary === primary) return 'a sibling won';
    }
  }
  if (forgottenBefore(events, touches, window)) return 'candidate forgotten';
  // Quorum: the slot-owning primaries then (the size), of which those up and outside network faults.
  const states = lastStateBefore(events, request.atMs);
  const owners = [...states.values()]
    .filter((state) => state.role === 'primary' && state.slotCount > 0)
    .map((state) => state.node);
  const needed = Math.floor(owners.length / 2) + 1;
  const reachable = owners.filter(
    (node) =>
      node !== primary &&
      !downDuring(events, node, window) &&
      !networks.some((network) => network.nodes.includes(node)),
  );
  if (owners.length > 0 && reachable.length < needed) return 'no quorum';
  return null;
}

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const nowMs = view.atMs;
  const { events } = context;
  for (let index = 0; index < events.length; index++) {
    const request = events[index]!;
    if (request.kind !== 'fault' || request.action !== 'failover' || request.nodes.length !== 1) continue;
    const accepted = /^(default|force): OK$/.exec(request.detail);
    if (accepted === null) continue;
    const mode = request.detail.split(':')[0]!;
    const replica = request.nodes[0]!;
    const before = lastStateBefore(events, request.atMs).get(replica);
    if (before === undefined || before.role !== 'replica' || before.primary === null) continue;
    const deadlineMs = manualFailoverDeadlineMs(context.scenario.cluster.nodeTimeoutMs, request.atMs);
    let promotedAtMs: number | null = null;
    for (let later = index + 1; later < events.length && promotedAtMs === null; later++) {
      const event = events[later]!;
      if (event.atMs > deadlineMs) break;
      if (
        (event.kind === 'election-won' && event.node === replica) ||
        (event.kind === 'node-state' && event.node === replica && event.role === 'primary')
      ) {
        promotedAtMs = event.atMs;
      }
    }
    if (promotedAtMs !== null) continue;
    const window = { from: request.atMs, to: Math.min(nowMs, deadlineMs) };
    if (excuse(context, request, replica, before.primary, window, mode) !== null) continue;
    const pending = nowMs < deadlineMs;
    return finding(
      'manual-failover-completes',
      `mode=${mode},outcome=${pending ? 'pending' : 'not-promoted'}`,
      `CLUSTER FAILOVER${mode === 'force' ? ' FORCE' : ''} on ${replica} (replica of ${before.primary}) was accepted at ` +
        `${request.atMs} ms, but ${replica} was ${pending ? 'not yet' : 'not'} primary by ${pending ? nowMs : deadlineMs} ms ` +
        `(due by ${deadlineMs} ms: the ${MF_TIMEOUT_MS} ms manual-failover timeout plus one election); its primary and a ` +
        'quorum of voters were reachable and nothing overtook the operation',
      [replica, before.primary],
    );
  }
  return null;
}

export const manualFailoverCompletes: Invariant = {
  name: 'manual-failover-completes',
  kind: 'convergence',
  summary:
    'an accepted CLUSTER FAILOVER (default or force) makes its replica primary within the manual-failover timeout plus one election',
  check,
};
