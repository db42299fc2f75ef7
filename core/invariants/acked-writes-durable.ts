/**
 * acked-writes-durable: a write acknowledged after WAIT is still held by the value read back at the
 * end ('read-back'), unless Valkey's documented windows or the scenario's own faults excuse its
 * loss (protocol reference §9.3 oracle 4, §4.5). "Held": the value read is that write or descends
 * from it (the read-back's `history`; without one, any value with a seq at least the write's).
 *
 * Excused when, after the ack:
 * - at least `copies` of its `holders` lost their data through an injected fault ('data-lost');
 * - a holder lost its data through an injected fault while it was the shard's primary (it comes
 *   back empty and still the owner, and its replicas resync from it: the documented hazard of
 *   running without persistence);
 * - a node of the write's shard that did not surely hold it won an election or took over (the
 *   async-replication window: a replica that had not received it was promoted, §3.2);
 * - MIGRATE moved its key ('keys-migrated'): the key's durability is then the target shard's,
 *   with no WAIT behind it, and a migration still run from a stale primary after a failover moves
 *   a stale copy;
 * or when, at the ack, the acking primary had already been superseded: a replica of it had won an
 * election with an epoch at least its configEpoch (§4.5: writes a stale primary takes before it
 * hears of the failover are lost when it resyncs).
 * What is left is Valkey's doing, e.g. a stale primary winning a configEpoch collision by node id
 * and taking its slots back from its successor (§4.2).
 *
 * Judged at each 'read-back'. When several acked writes of the key are lost, the finding names the
 * one with the highest seq that has no excuse. The fingerprint says what happened after the ack:
 * a failover in the shard, the acking primary demoted, it lost some slots (e.g. to a migration run
 * from a stale primary), some (too few) holders lost data, one went down, or nothing at all; and
 * whether the key was missing or held another value. A 'failover' is a sure holder promoted while it
 * still held the write: one that won as a replica of a node outside the holders had synced from that
 * primary, which replaced its data (e.g. the acking successor demoted by a configEpoch collision and
 * failed over back later, §4.2), so it had lost the write before it won and its win names nothing,
 * neither cause nor excuse: what took the write is named instead (here: demoted).
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
  extendsSeq?: number | null;
}

/** What happened between a write's ack and the read-back (fingerprint word). */
export type LossCause = 'failover' | 'demoted' | 'slots-lost' | 'partial-data-loss' | 'holder-down' | 'none';

export interface ReadBack {
  key: string;
  seq: number | null;
  node: string;
  atMs: number;
  history?: readonly number[];
}

/** Whether the value read back holds write `seq`: is it, or descends from it. */
export function readHolds(read: ReadBack, seq: number): boolean {
  if (read.seq === null || seq > read.seq) return false;
  const history = read.history;
  if (history === undefined || history.length === 0) return true;
  // Older than what the backend could trace: taken as held (no finding from what it forgot).
  if (seq < history[history.length - 1]!) return true;
  return history.includes(seq);
}

export function lostWriteFinding(write: AckedWrite, read: ReadBack, holdersLost: number, cause: LossCause): Finding {
  const found = read.seq === null ? 'the key is missing' : `it holds seq ${read.seq}, which does not descend from it`;
  return finding(
    'acked-writes-durable',
    `lost-after=${cause},read=${read.seq === null ? 'missing' : 'other'}`,
    `Write seq ${write.seq} of key ${write.key} was acknowledged by ${write.node} at ${write.atMs} ms ` +
      `(holders ${write.holders.join(', ') || 'none'}, ${write.copies} sure copies), but the read-back from ` +
      `${read.node} at ${read.atMs} ms finds ${found}. Only ${holdersLost} of the holders lost their data ` +
      `through an injected fault after the ack (fewer than ${write.copies}, none while primary), no node of the shard ` +
      `that lacked it was promoted, and ${write.node} had not been failed over when it acknowledged; what happened ` +
      `after the ack: ${cause}.`,
    [write.node, read.node, ...write.holders],
  );
}

/** The cause word, from "what happened after the ack" facts, in order of blame. */
export function lossCause(
  failoverAfter: boolean,
  demoted: boolean,
  slotsLost: boolean,
  someHolderLost: boolean,
  someHolderDown: boolean,
): LossCause {
  if (failoverAfter) return 'failover';
  if (demoted) return 'demoted';
  if (slotsLost) return 'slots-lost';
  if (someHolderLost) return 'partial-data-loss';
  if (someHolderDown) return 'holder-down';
  return 'none';
}

/**
 * Whether a holder that wins an election as a replica of `former` had lost the write before it won:
 * its primary was then a node outside the holders, whose data its sync took (see the header).
 */
export function syncedFromNonHolder(holders: ReadonlySet<string>, former: string | null): boolean {
  return former !== null && !holders.has(former);
}

/**
 * Whether an election won by `winner` (a replica of `former` then) happened in the shard of a
 * write acked by `ackedBy`.
 */
export function winInShard(
  ackedBy: string,
  holders: ReadonlySet<string>,
  winner: string,
  former: string | null,
): boolean {
  return winner === ackedBy || holders.has(winner) || (former !== null && (former === ackedBy || holders.has(former)));
}

interface Verdict {
  excused: boolean;
  holdersLost: number;
  cause: LossCause;
}

/** Straight scan over the events up to the read-back (the monitor keeps summaries). */
function judge(events: readonly ObservedEvent[], ackIndex: number, readIndex: number): Verdict {
  const ack = events[ackIndex]! as Extract<ObservedEvent, { kind: 'write-acked' }>;
  const holders = new Set(ack.holders);
  const allSure = ack.copies >= holders.size;
  const formerPrimary = new Map<string, string | null>();
  const configEpoch = new Map<string, number>();
  const owningPrimary = new Set<string>();
  const slotCounts = new Map<string, number>();
  let slotsLost = false;
  const supersededAt = new Map<string, number>();
  const lost = new Set<string>();
  let stale = false;
  let excusedByFailover = false;
  let failoverAfter = false;
  let demoted = false;
  let migrated = false;
  let primaryLost = false;
  let someHolderDown = false;
  for (let index = 0; index < readIndex; index++) {
    const event = events[index]!;
    const after = index > ackIndex;
    if (index === ackIndex) stale = (supersededAt.get(ack.node) ?? -1) >= (configEpoch.get(ack.node) ?? 0);
    if (event.kind === 'node-state') {
      if (event.role === 'replica') formerPrimary.set(event.node, event.primary);
      configEpoch.set(event.node, event.configEpoch);
      if (event.role === 'primary' && event.slotCount > 0) owningPrimary.add(event.node);
      else owningPrimary.delete(event.node);
      const before = slotCounts.get(event.node) ?? 0;
      if (after && event.node === ack.node && event.role === 'primary' && event.slotCount < before) slotsLost = true;
      slotCounts.set(event.node, event.role === 'primary' ? event.slotCount : 0);
      if (after && event.node === ack.node && event.role === 'replica') demoted = true;
    } else if (event.kind === 'election-won') {
      const former = formerPrimary.get(event.node) ?? null;
      if (former !== null && former !== event.node)
        supersededAt.set(former, Math.max(supersededAt.get(former) ?? -1, event.epoch));
      if (after && winInShard(ack.node, holders, event.node, former)) {
        if (holders.has(event.node) && allSure && !lost.has(event.node)) {
          if (!syncedFromNonHolder(holders, former)) failoverAfter = true;
        } else excusedByFailover = true;
      }
    } else if (after && event.kind === 'data-lost' && holders.has(event.node)) {
      lost.add(event.node);
      if (owningPrimary.has(event.node)) primaryLost = true;
    } else if (after && event.kind === 'node-down' && holders.has(event.node)) {
      someHolderDown = true;
    } else if (after && event.kind === 'keys-migrated' && event.keys.includes(ack.key)) {
      migrated = true;
    }
  }
  return {
    excused: lost.size >= ack.copies || primaryLost || excusedByFailover || stale || migrated,
    holdersLost: lost.size,
    cause: lossCause(failoverAfter, demoted, slotsLost, lost.size > 0, someHolderDown),
  };
}

function check(context: InvariantContext): Finding | null {
  const { events } = context;
  const acksByKey = new Map<string, number[]>();
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (event.kind === 'write-acked') {
      const list = acksByKey.get(event.key) ?? [];
      list.push(index);
      acksByKey.set(event.key, list);
      continue;
    }
    if (event.kind !== 'read-back') continue;
    const read: ReadBack = {
      key: event.key,
      seq: event.seq,
      node: event.node,
      atMs: event.atMs,
      ...(event.history === undefined ? {} : { history: event.history }),
    };
    let worst: { write: AckedWrite; verdict: Verdict } | null = null;
    for (const ackIndex of acksByKey.get(event.key) ?? []) {
      const ack = events[ackIndex]! as Extract<ObservedEvent, { kind: 'write-acked' }>;
      if (readHolds(read, ack.seq)) continue;
      if (worst !== null && ack.seq <= worst.write.seq) continue;
      const verdict = judge(events, ackIndex, index);
      if (!verdict.excused) worst = { write: ackedWrite(ack), verdict };
    }
    if (worst !== null) return lostWriteFinding(worst.write, read, worst.verdict.holdersLost, worst.verdict.cause);
  }
  return null;
}

function ackedWrite(event: Extract<ObservedEvent, { kind: 'write-acked' }>): AckedWrite {
  const { key, seq, node, atMs, holders, copies } = event;
  return {
    key,
    seq,
    node,
    atMs,
    holders: [...holders],
    copies,
    ...(event.extendsSeq === undefined ? {} : { extendsSeq: event.extendsSeq }),
  };
}

export const ackedWritesDurable: Invariant = {
  name: 'acked-writes-durable',
  kind: 'safety',
  summary:
    'an acknowledged write is read back unless lost through an injected fault or a documented async-replication window',
  check,
};
