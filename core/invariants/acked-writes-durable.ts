/**
 * acked-writes-durable: a write acknowledged after WAIT is read back at the end (the key holds that
 * write's seq or a later one), unless at least `copies` of its `holders` lost their data set
 * through an injected fault after the ack ('data-lost'): then the scenario destroyed every copy
 * it surely had, which is not Valkey's fault (protocol reference §9.3 oracle 4, §4.5).
 *
 * Judged at each 'read-back'. When several acked writes of the key are missing, the finding names
 * the one with the highest seq that has no excuse. The fingerprint says what happened to the
 * holders after the ack: a failover in their shard, some (too few) of them lost data, one went
 * down, or nothing at all; and whether the key was missing or older.
 */
import type { ObservedEvent } from '../events.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';

export interface AckedWrite {
  key: string;
  seq: number;
  node: string;
  atMs: number;
  holders: string[];
  copies: number;
}

/** What happened to a write's holders between its ack and the read-back (fingerprint word). */
export type LossCause = 'failover' | 'partial-data-loss' | 'holder-down' | 'none';

export interface ReadBack {
  key: string;
  seq: number | null;
  node: string;
  atMs: number;
}

export function lostWriteFinding(write: AckedWrite, read: ReadBack, holdersLost: number, cause: LossCause): Finding {
  const found = read.seq === null ? 'the key is missing' : `it holds seq ${read.seq}`;
  return finding(
    'acked-writes-durable',
    `lost-after=${cause},read=${read.seq === null ? 'missing' : 'older'}`,
    `Write seq ${write.seq} of key ${write.key} was acknowledged by ${write.node} at ${write.atMs} ms ` +
      `(holders ${write.holders.join(', ') || 'none'}, ${write.copies} sure copies), but the read-back from ` +
      `${read.node} at ${read.atMs} ms finds ${found}. Only ${holdersLost} of the holders lost their data ` +
      `through an injected fault after the ack (fewer than ${write.copies}); what happened after the ack: ${cause}.`,
    [write.node, read.node, ...write.holders],
  );
}

/** The cause word, from "what happened after the ack" facts, in order of blame. */
export function lossCause(failoverAfter: boolean, someHolderLost: boolean, someHolderDown: boolean): LossCause {
  if (failoverAfter) return 'failover';
  if (someHolderLost) return 'partial-data-loss';
  if (someHolderDown) return 'holder-down';
  return 'none';
}

interface Indexed<T> {
  value: T;
  index: number;
}

/** Straight scan over the events between the ack and the read-back (the monitor keeps summaries). */
function judge(events: readonly ObservedEvent[], ack: Indexed<AckedWrite>, readIndex: number): { excused: boolean; holdersLost: number; cause: LossCause } {
  const holders = new Set(ack.value.holders);
  const lost = new Set<string>();
  const formerPrimary = new Map<string, string | null>();
  let failoverAfter = false;
  let someHolderDown = false;
  for (let index = 0; index < readIndex; index++) {
    const event = events[index]!;
    if (event.kind === 'node-state' && event.role === 'replica') formerPrimary.set(event.node, event.primary);
    if (index <= ack.index) continue;
    if (event.kind === 'data-lost' && holders.has(event.node)) lost.add(event.node);
    if (event.kind === 'node-down' && holders.has(event.node)) someHolderDown = true;
    if (event.kind === 'election-won') {
      const former = formerPrimary.get(event.node) ?? null;
      if (holders.has(event.node) || (former !== null && holders.has(former))) failoverAfter = true;
    }
  }
  return {
    excused: lost.size >= ack.value.copies,
    holdersLost: lost.size,
    cause: lossCause(failoverAfter, lost.size > 0, someHolderDown),
  };
}

function check(context: InvariantContext): Finding | null {
  const { events } = context;
  const acksByKey = new Map<string, Indexed<AckedWrite>[]>();
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (event.kind === 'write-acked') {
      const { key, seq, node, atMs, holders, copies } = event;
      const list = acksByKey.get(key) ?? [];
      list.push({ value: { key, seq, node, atMs, holders: [...holders], copies }, index });
      acksByKey.set(key, list);
      continue;
    }
    if (event.kind !== 'read-back') continue;
    let worst: { ack: Indexed<AckedWrite>; holdersLost: number; cause: LossCause } | null = null;
    for (const ack of acksByKey.get(event.key) ?? []) {
      if (event.seq !== null && ack.value.seq <= event.seq) continue;
      if (worst !== null && ack.value.seq <= worst.ack.value.seq) continue;
      const verdict = judge(events, ack, index);
      if (!verdict.excused) worst = { ack, holdersLost: verdict.holdersLost, cause: verdict.cause };
    }
    if (worst !== null) {
      const read: ReadBack = { key: event.key, seq: event.seq, node: event.node, atMs: event.atMs };
      return lostWriteFinding(worst.ack.value, read, worst.holdersLost, worst.cause);
    }
  }
  return null;
}

export const ackedWritesDurable: Invariant = {
  name: 'acked-writes-durable',
  kind: 'safety',
  summary: 'an acknowledged write is read back unless every sure copy of it was lost by an injected fault',
  check,
};
