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
