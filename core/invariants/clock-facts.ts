/**
 * What the clock faults did to one node, read from the run's events (each `clock` fault event
 * carries the node's skew after it): for invariants that must tell a rule of Valkey's that reads
 * the wall clock from a flaw of anything else.
 *
 * writableDelayHeld: 8.0.1's clusterUpdateState keeps a primary's state at fail while
 * mstime() - first_call_time < CLUSTER_WRITABLE_DELAY (2 s), with first_call_time a static taken
 * from the wall clock at the first call after the process started. A wall clock set back past that
 * moment holds a primary in fail until the clock has caught up again (an hour for redis/redis#6416's
 * recipe). The check is one-sided: it answers true only when the node's wall clock now reads
 * earlier than its start plus the delay, so the state is certainly held by that rule.
 */
import type { ObservedEvent } from '../events.ts';

/** CLUSTER_WRITABLE_DELAY. */
export const WRITABLE_DELAY_MS = 2000;

export function writableDelayHeld(events: readonly ObservedEvent[], node: string, atMs: number): boolean {
  let skewMs = 0;
  let startAtMs = 0;
  let startSkewMs = 0;
  let restarting = false;
  for (const event of events) {
    if (event.atMs > atMs) break;
    if (event.kind === 'fault' && event.skewMs !== undefined && event.nodes.includes(node)) skewMs = event.skewMs;
    else if (event.kind === 'node-down' && event.node === node) restarting = event.cause !== 'pause';
    else if (event.kind === 'node-up' && event.node === node && restarting) {
      restarting = false;
      startAtMs = event.atMs;
      startSkewMs = skewMs;
    }
  }
  return skewMs < startSkewMs && atMs + skewMs < startAtMs + startSkewMs + WRITABLE_DELAY_MS;
}

/**
 * Whether the node's wall clock at `atMs` reads earlier than it read at some moment before (a
 * jump back not yet caught up): every timestamp the node took before then lies in its future.
 * 8.0.1's clusterCron pings a peer only when now - pong_received > ping interval and judges it
 * only while a PING is pending, so a peer whose last PONG came before the jump and that died
 * after it is never pinged and never suspected by this node.
 */
export function clockBehindPast(events: readonly ObservedEvent[], node: string, atMs: number): boolean {
  let skewMs = 0;
  let highestWallMs = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    if (event.atMs > atMs) break;
    if (event.kind !== 'fault' || event.skewMs === undefined || !event.nodes.includes(node)) continue;
    highestWallMs = Math.max(highestWallMs, event.atMs + event.skewMs - (event.jumpMs ?? 0));
    skewMs = event.skewMs;
  }
  return atMs + skewMs < highestWallMs;
}

/** Admin actions after which a replica's election state starts afresh or it follows another node. */
const ELECTION_RESETTING_ACTIONS = new Set(['failover', 'reset', 'replicate']);

/**
 * Whether `replica`'s election for `primary`, which went down and has not come back, is held by
 * the replica's own wall clock at `atMs`. 8.0.1's clusterHandleReplicaFailover measures the retry
 * window on the wall clock: it schedules a new attempt only when mstime() - failover_auth_time >
 * auth_retry_time (2 x the auth timeout), and sends a request only when mstime() reaches
 * failover_auth_time. An attempt's request goes out while mstime() - failover_auth_time <= the auth
 * timeout, and failover_auth_time only grows afterwards (a reschedule sets it to now + delay), until
 * the process restarts or the node's role changes. So once the replica asked for votes at wall time
 * W, failover_auth_time >= W - auth timeout for good, and while its wall clock reads no later than
 * W + auth timeout it neither reschedules nor asks again: a clock set back past W (an hour, in
 * redis/redis#6416's recipe) holds the election until the clock catches up.
 *
 * One-sided: true only when a vote was granted to the replica in an epoch above every epoch it had
 * reached when the primary went down (so it asked after that), with no restart, reset, replicate,
 * failover or change of its primary since, and its wall clock now reads earlier than the lowest it
 * read from the primary's going down to that vote (the auth timeout, at least 2 s, is the margin
 * for drifts between clock events).
 */
export function electionHeldByClock(
  events: readonly ObservedEvent[],
  replica: string,
  primary: string,
  atMs: number,
): boolean {
  let skewMs = 0;
  let replicaEpoch = 0;
  let downAtMs: number | null = null;
  let epochAtDown = 0;
  let lowestWallMs = Number.POSITIVE_INFINITY;
  let asked = false;
  let harmed = false;
  for (const event of events) {
    if (event.atMs > atMs) break;
    if (event.kind === 'node-down' && event.node === primary) {
      downAtMs = event.atMs;
      epochAtDown = replicaEpoch;
      lowestWallMs = event.atMs + skewMs;
      asked = false;
      harmed = false;
    } else if (event.kind === 'node-up' && event.node === primary) {
      downAtMs = null;
    } else if (event.kind === 'fault' && event.nodes.includes(replica)) {
      if (event.skewMs !== undefined) {
        skewMs = event.skewMs;
        if (downAtMs !== null && !asked) lowestWallMs = Math.min(lowestWallMs, event.atMs + skewMs);
      }
      if (ELECTION_RESETTING_ACTIONS.has(event.action)) harmed = true;
    } else if (event.kind === 'node-state' && event.node === replica) {
      replicaEpoch = event.currentEpoch;
      if (event.role !== 'replica' || event.primary !== primary) harmed = true;
    } else if (event.kind === 'node-down' && event.node === replica && event.cause !== 'pause') {
      harmed = true;
    } else if (event.kind === 'vote-granted' && event.candidate === replica) {
      if (downAtMs !== null && event.epoch > epochAtDown) asked = true;
    }
  }
  return downAtMs !== null && asked && !harmed && atMs + skewMs < lowestWallMs;
}

/**
 * Whether some of `nodes` tick their whole seconds at different instants at `atMs`: their clock
 * skews differ by other than whole seconds, or one's clock is still drifting. 8.0.1 gossips a FORGET
 * ban as its remaining whole seconds (server.unixtime based) and a receiver that knows the banned
 * node re-arms the ban as its own server.unixtime + that TTL (clusterProcessPingExtensions,
 * FORGOTTEN_NODE): a ban with 0 s left lives on to the end of the receiver's current second. Between
 * nodes whose seconds turn over at different instants it passes back and forth, each hop extending
 * it, so it never expires and deletes the banned node from each node that learns it again.
 */
export function secondPhasesDiffer(events: readonly ObservedEvent[], nodes: readonly string[], atMs: number): boolean {
  const skews = new Map<string, number>(nodes.map((node) => [node, 0]));
  const drifting = new Set<string>();
  for (const event of events) {
    if (event.atMs > atMs) break;
    if (event.kind !== 'fault' || event.skewMs === undefined) continue;
    for (const node of event.nodes) {
      if (!skews.has(node)) continue;
      skews.set(node, event.skewMs);
      if (event.action === 'clock' && event.untilMs !== undefined && event.untilMs > atMs) drifting.add(node);
      else drifting.delete(node);
    }
  }
  if (drifting.size > 0) return true;
  const phases = new Set([...skews.values()].map((skewMs) => ((skewMs % 1000) + 1000) % 1000));
  return phases.size > 1;
}

/** Whether a CLUSTER FORGET of `node` ran before `atMs` (a `forget` fault naming it). */
export function wasForgotten(events: readonly ObservedEvent[], node: string, atMs: number): boolean {
  for (const event of events) {
    if (event.atMs > atMs) break;
    if (event.kind === 'fault' && event.action === 'forget' && event.nodes.includes(node)) return true;
  }
  return false;
}

/** Faults after which a node may learn or hold another's address by a path other than a MEET. */
const MEMBERSHIP_ACTIONS = new Set(['forget', 'reset', 'add_node']);

/**
 * Whether every handshake entry `observer` can hold for `subject`'s address has a ctime in the
 * observer's future at `atMs`, so 8.0.1's clusterCron cannot time it out: clusterNodeCronHandleReconnect
 * deletes a node in handshake only when now - node->ctime > the handshake timeout (node_timeout, at
 * least 1 s), and createClusterNode takes ctime from mstime(), the wall clock. Nothing else ends a
 * handshake whose MEET or PONG was lost: clusterCron sends a node in handshake no PING (neither the
 * random ping nor the per-node pass) and its link watchdog skips it, so the MEET sent when the link
 * connects is the only packet, and only a reply to it (clusterProcessPacket on the outbound link)
 * would finish it. A clock set back past the entry's creation (redis/redis#6416's recipe) keeps it
 * until the clock catches up.
 *
 * The lower bound of the entry's ctime comes from the observer's CLUSTER MEETs of the subject: with
 * both nodes members since formation (neither added, reset or forgotten) and the subject's id never
 * changed, the observer knows the subject's one id throughout and no other path makes an entry for
 * its address (clusterProcessGossipSection starts a handshake only for an id the receiver does not
 * know, and clusterProcessPacket adds a handshake node only for a MEET from an unknown sender). Such
 * an entry was made by one of the observer's MEETs since its last restart (nodes.conf never holds a
 * node in handshake), so its ctime is at least the lowest reading of the observer's clock at those
 * MEETs. One-sided: false when the clock was drifting at a MEET (its reading then is not known
 * exactly) or is still drifting.
 */
export function handshakeCtimeAhead(
  events: readonly ObservedEvent[],
  observer: string,
  subject: string,
  atMs: number,
): boolean {
  const pair = [observer, subject];
  const ids = new Map<string, string>();
  let skewMs = 0;
  let driftUntilMs = Number.NEGATIVE_INFINITY;
  let lowestCtimeMs = Number.POSITIVE_INFINITY;
  let restarting = false;
  for (const event of events) {
    if (event.atMs > atMs) break;
    if (event.kind === 'fault') {
      if (MEMBERSHIP_ACTIONS.has(event.action) && event.nodes.some((name) => pair.includes(name))) return false;
      if (event.skewMs !== undefined && event.nodes.includes(observer)) {
        skewMs = event.skewMs;
        driftUntilMs =
          event.action === 'clock' && event.untilMs !== undefined ? event.untilMs : Number.NEGATIVE_INFINITY;
      }
      if (
        event.action === 'meet' &&
        event.nodes[0] === observer &&
        event.nodes[1] === subject &&
        event.detail.endsWith(': OK')
      ) {
        if (driftUntilMs > event.atMs) return false;
        lowestCtimeMs = Math.min(lowestCtimeMs, event.atMs + skewMs);
      }
    } else if (event.kind === 'node-state' && event.id !== undefined && pair.includes(event.node)) {
      const known = ids.get(event.node);
      if (known !== undefined && known !== event.id) return false;
      ids.set(event.node, event.id);
    } else if (event.kind === 'node-down' && event.node === observer) {
      if (event.cause !== 'pause') restarting = true;
    } else if (event.kind === 'node-up' && event.node === observer && restarting) {
      restarting = false;
      lowestCtimeMs = Number.POSITIVE_INFINITY;
    }
  }
  return driftUntilMs <= atMs && Number.isFinite(lowestCtimeMs) && atMs + skewMs < lowestCtimeMs;
}
