/**
 * one-winner-per-epoch: consensus elections produce at most one winner per epoch (protocol
 * reference §9.3 oracle 3). Read from 'election-won' events; wins without consensus (CLUSTER
 * FAILOVER TAKEOVER, BUMPEPOCH) are exempt. The same node winning twice in one epoch is still one
 * winner.
 *
 * The fingerprint says whether the two winners were replicas of the same primary before they won
 * (one shard split by the vote) or of different primaries (two shards sharing an epoch), taken
 * from the last 'node-state' event that showed each winner as a replica.
 */
import type { ObservedEvent } from '../events.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';

export interface ElectionWin {
  node: string;
  atMs: number;
  /** The winner's primary before it won (last node-state as a replica), null if never seen. */
  formerPrimary: string | null;
}

export function twoWinnersFinding(epoch: number, first: ElectionWin, second: ElectionWin): Finding {
  const shard =
    first.formerPrimary === null || second.formerPrimary === null
      ? 'unknown'
      : first.formerPrimary === second.formerPrimary
        ? 'same'
        : 'different';
  const formerOf = (win: ElectionWin): string =>
    win.formerPrimary === null ? 'primary unknown' : `replica of ${win.formerPrimary}`;
  return finding(
    'one-winner-per-epoch',
    `winners=2,former-primary=${shard}`,
    `Two nodes won a consensus election in epoch ${epoch}: ${first.node} (${formerOf(first)}) at ${first.atMs} ms ` +
      `and ${second.node} (${formerOf(second)}) at ${second.atMs} ms; a majority of voting primaries can ` +
      'elect only one winner per epoch',
    [first.node, second.node],
  );
}

function check(context: InvariantContext): Finding | null {
  const formerPrimary = new Map<string, string | null>();
  const winners = new Map<number, ElectionWin>();
  for (const event of context.events as readonly ObservedEvent[]) {
    if (event.kind === 'node-state') {
      if (event.role === 'replica') formerPrimary.set(event.node, event.primary);
      continue;
    }
    if (event.kind !== 'election-won' || !event.consensus) continue;
    const win: ElectionWin = {
      node: event.node,
      atMs: event.atMs,
      formerPrimary: formerPrimary.get(event.node) ?? null,
    };
    const first = winners.get(event.epoch);
    if (first === undefined) winners.set(event.epoch, win);
    else if (first.node !== event.node) return twoWinnersFinding(event.epoch, first, win);
  }
  return null;
}

export const oneWinnerPerEpoch: Invariant = {
  name: 'one-winner-per-epoch',
  kind: 'safety',
  summary: 'at most one consensus election winner per epoch (TAKEOVER and BUMPEPOCH exempt)',
  check,
};
