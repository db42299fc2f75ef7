/**
 * one-vote-per-epoch: a voter grants at most one failover vote per epoch (protocol reference §3.3
 * rule 3: `lastVoteEpoch == currentEpoch` denies; §9.3 oracle 2). Read from 'vote-granted' events.
 *
 * The fingerprint says whether the two votes went to the same or to different candidates and
 * whether the voter was killed in between (a lost lastVoteEpoch is a different cause from a
 * voter that forgot it while running).
 */
import type { ObservedEvent } from '../events.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';

export interface GrantedVote {
  candidate: string;
  atMs: number;
}

export function doubleVoteFinding(
  voter: string,
  epoch: number,
  first: GrantedVote,
  second: GrantedVote,
  voterRestarted: boolean,
): Finding {
  const same = first.candidate === second.candidate;
  const restartNote = voterRestarted ? ' The voter was killed and restarted between the two votes.' : '';
  return finding(
    'one-vote-per-epoch',
    `candidates=${same ? 'same' : 'different'},voter-restarted=${voterRestarted ? 'yes' : 'no'}`,
    `${voter} granted two votes in epoch ${epoch}: to ${first.candidate} at ${first.atMs} ms and to ` +
      `${second.candidate} at ${second.atMs} ms; a voter may grant at most one vote per epoch ` +
      `(lastVoteEpoch must stop the second).${restartNote}`,
    [voter, first.candidate, second.candidate],
  );
}

/** A kill or terminate restarts the process; a pause does not. */
export function isRestartingDown(event: ObservedEvent): event is Extract<ObservedEvent, { kind: 'node-down' }> {
  return event.kind === 'node-down' && (event.cause === 'kill' || event.cause === 'terminate');
}

function restartedBetween(events: readonly ObservedEvent[], node: string, fromIndex: number, toIndex: number): boolean {
  for (let index = fromIndex + 1; index < toIndex; index++) {
    const event = events[index]!;
    if (isRestartingDown(event) && event.node === node) return true;
  }
  return false;
}

function check(context: InvariantContext): Finding | null {
  const { events } = context;
  const firstVotes = new Map<string, GrantedVote & { index: number }>();
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (event.kind !== 'vote-granted') continue;
    const key = `${event.voter}\u0000${event.epoch}`;
    const first = firstVotes.get(key);
    if (first === undefined) {
      firstVotes.set(key, { candidate: event.candidate, atMs: event.atMs, index });
      continue;
    }
    const restarted = restartedBetween(events, event.voter, first.index, index);
    return doubleVoteFinding(
      event.voter,
      event.epoch,
      first,
      { candidate: event.candidate, atMs: event.atMs },
      restarted,
    );
  }
  return null;
}

export const oneVotePerEpoch: Invariant = {
  name: 'one-vote-per-epoch',
  kind: 'safety',
  summary: 'a voter grants at most one failover vote per epoch',
  check,
};
