/**
 * Applies confirm's steering (core/confirm/steering.ts) to a live run: the run calls `before` just
 * ahead of each plan phase and `after` right behind it. Gates wait for deliveries the fault proxy
 * counts; holds are proxy rules with their own fault ids (negative, so they never meet a plan's);
 * a discard loses what the proxy queued from a dead node. Also moves each phase by the try's jitter.
 */
import type { Steering, SteeringRule } from '../core/confirm/steering.ts';
import { rngFor } from '../core/rng.ts';
import type { PlannedPhase } from '../core/scenario/plan.ts';
import { STEERING_FAULT_ID_MAX, type NetworkFaults } from './proxy/network-faults.ts';

/** How often a gate looks at the proxy's counters: a hop on loopback takes ~0.3 ms. */
const POLL_MS = 1;

type HoldRule = Extract<SteeringRule, { kind: 'hold' }>;

export class Steerer {
  /** The proxy's delivery counts when each phase had been applied (the gates' baseline). */
  private readonly marks = new Map<number, Map<string, number>>();
  private readonly offsets: number[];
  private readonly applied = new Set<number>();

  constructor(
    private readonly steering: Steering,
    private readonly network: NetworkFaults,
    phases: readonly PlannedPhase[],
    private readonly note: (line: string) => void,
    private readonly signal: AbortSignal,
  ) {
    const rng = rngFor(steering.seed).fork('confirm-jitter');
    let last = 0;
    this.offsets = phases.map((phase) => {
      const moved =
        steering.jitterMs > 0 ? phase.atMs + Math.round((rng.float() * 2 - 1) * steering.jitterMs) : phase.atMs;
      last = Math.max(last, moved, 0);
      return last - phase.atMs;
    });
  }

  /** The first id-order rule the formed cluster breaks, described; null when none (or no steering). */
  static idOrderMismatch(steering: Steering | undefined, idOf: (name: string) => string | null): string | null {
    for (const rule of steering?.rules ?? []) {
      if (rule.kind !== 'id-order') continue;
      const lower = idOf(rule.lower);
      const higher = idOf(rule.higher);
      // Byte order of lowercase hex ids, as memcmp in clusterHandleConfigEpochCollision.
      if (lower !== null && higher !== null && lower > higher)
        return `id of ${rule.lower} (${lower.slice(0, 8)}) sorts after ${rule.higher}'s (${higher.slice(0, 8)})`;
    }
    return null;
  }

  /** When phase `index` should run: its planned time plus this try's jitter (order kept). */
  atMs(index: number, plannedMs: number): number {
    return plannedMs + (this.offsets[index] ?? 0);
  }

  /** Ahead of phase `index`: wait for its gates. */
  async before(index: number): Promise<void> {
    for (const rule of this.steering.rules) {
      if (rule.kind === 'gate-after-win' && rule.phase === index) await this.gateAfterWin(rule);
    }
    for (const rule of this.steering.rules) {
      if (rule.kind === 'gate' && rule.phase === index) {
        await this.waitFor(
          rule.from,
          rule.to,
          this.marks.get(index - 1),
          undefined,
          rule.maxWaitMs,
          `gate of phase ${index} on ${rule.from}->${rule.to.join(',')}`,
        );
      }
    }
  }

  /** Right behind phase `index`: discard after kills, start the holds that start here, end those that end here. */
  async after(index: number): Promise<void> {
    for (const rule of this.steering.rules) {
      if (rule.kind === 'discard-on-kill' && rule.phase === index) this.network.discardQueuedFrom(rule.node);
    }
    this.marks.set(index, this.network.deliveryCounts());
    this.applied.add(index);
    const ending: Promise<void>[] = [];
    this.steering.rules.forEach((rule, ruleIndex) => {
      if (rule.kind !== 'hold') return;
      if (rule.endPhase === index) ending.push(this.endHold(rule, ruleIndex, index));
      else if (rule.startPhase === index) {
        this.network.add(holdFaultId(ruleIndex), [rule.from], rule.to, {
          kind: 'hold',
          ...(rule.types === undefined ? {} : { types: rule.types }),
        });
        this.note(
          `steering: hold ${rule.from}->${rule.to.join(',')}${rule.types === undefined ? '' : ` (${rule.types.join('/')})`}`,
        );
      }
    });
    await Promise.all(ending);
    this.steering.rules.forEach((rule, ruleIndex) => {
      // In the background while the plan goes on; they end with the run's signal at the latest.
      if (rule.kind === 'hold-until-election' && rule.startPhase === index)
        this.background(this.holdUntilElection(rule, ruleIndex));
      if (rule.kind === 'gate-after-win' && rule.since === index) this.background(this.watchWin(rule, ruleIndex));
    });
  }

  /** Holds from → to while the plan goes on, until the winner has its votes after the election phase. */
  private async holdUntilElection(
    rule: Extract<SteeringRule, { kind: 'hold-until-election' }>,
    ruleIndex: number,
  ): Promise<void> {
    const authAcks = () => {
      let total = 0;
      for (const [key, count] of this.network.deliveryCounts())
        if (key.endsWith(`>${rule.winner}>auth-ack`)) total += count;
      return total;
    };
    this.network.add(holdFaultId(ruleIndex), [rule.from], rule.to, { kind: 'hold' });
    this.note(
      `steering: hold ${rule.from}->${rule.to.join(',')} until ${rule.winner} has ${rule.acks} votes after phase ${rule.electionPhase}`,
    );
    const heldSinceMs = Date.now();
    while (!this.applied.has(rule.electionPhase) && !this.signal.aborted && Date.now() - heldSinceMs < 60_000)
      await sleep(POLL_MS * 10);
    const before = authAcks();
    const startedMs = Date.now();
    while (authAcks() - before < rule.acks && Date.now() - startedMs < rule.maxWaitMs && !this.signal.aborted)
      await sleep(POLL_MS);
    this.network.removeFault(holdFaultId(ruleIndex));
    this.note(
      `steering: released ${rule.from}->${rule.to.join(',')} after ${Date.now() - heldSinceMs} ms (${authAcks() - before} votes for ${rule.winner})`,
    );
  }

  /** A watcher's failure (a trace callback that threw) is noted, never an unhandled rejection. */
  private background(work: Promise<void>): void {
    work.catch((error: unknown) => {
      try {
        this.note(`steering: a background rule failed: ${(error as Error).message}`);
      } catch {
        // The note itself failed: nothing more to say.
      }
    });
  }

  /** When each watched winner got its votes (wall ms), by rule index. */
  private readonly wins = new Map<number, number>();

  private async watchWin(rule: Extract<SteeringRule, { kind: 'gate-after-win' }>, ruleIndex: number): Promise<void> {
    const acks = () => {
      let total = 0;
      for (const [key, count] of this.network.deliveryCounts())
        if (key.endsWith(`>${rule.winner}>auth-ack`)) total += count;
      return total;
    };
    const before = acks();
    const startedMs = Date.now();
    while (acks() - before < rule.acks && !this.signal.aborted && Date.now() - startedMs < 120_000)
      await sleep(POLL_MS * 5);
    if (acks() - before >= rule.acks) this.wins.set(ruleIndex, Date.now());
  }

  private async gateAfterWin(rule: Extract<SteeringRule, { kind: 'gate-after-win' }>): Promise<void> {
    const ruleIndex = this.steering.rules.indexOf(rule);
    const startedMs = Date.now();
    for (;;) {
      const wonAtMs = this.wins.get(ruleIndex);
      if (wonAtMs !== undefined && Date.now() - wonAtMs >= rule.afterMs) {
        this.note(
          `steering: phase ${rule.phase} ${Date.now() - wonAtMs} ms after ${rule.winner}'s win (waited ${Date.now() - startedMs} ms)`,
        );
        return;
      }
      if (Date.now() - startedMs >= rule.maxWaitMs || this.signal.aborted) {
        this.note(
          `steering: phase ${rule.phase} gave up waiting for ${rule.afterMs} ms after ${rule.winner}'s win (${wonAtMs === undefined ? 'no win seen' : `${Date.now() - wonAtMs} ms since it`})`,
        );
        return;
      }
      await sleep(POLL_MS * 5);
    }
  }

  private async endHold(rule: HoldRule, ruleIndex: number, index: number): Promise<void> {
    if (rule.end === 'discard') {
      this.network.discardQueuedFrom(rule.from);
      this.network.removeFault(holdFaultId(ruleIndex));
      this.note(`steering: discarded what was held ${rule.from}->${rule.to.join(',')}`);
      return;
    }
    if (rule.afterTypes !== undefined) {
      await this.waitFor(
        rule.from,
        rule.to,
        this.marks.get(index),
        rule.afterTypes,
        rule.maxWaitMs ?? 1000,
        `release of ${rule.from}->${rule.to.join(',')} after ${rule.afterTypes.join('/')}`,
      );
      if ((rule.delayMs ?? 0) > 0) await sleep(rule.delayMs!);
    }
    this.network.removeFault(holdFaultId(ruleIndex));
    this.note(`steering: released ${rule.from}->${rule.to.join(',')}`);
  }

  /** Waits until each of `to` got a message from `from` (of `types`) beyond `mark`, or `maxWaitMs`. */
  private async waitFor(
    from: string,
    to: readonly string[],
    mark: Map<string, number> | undefined,
    types: readonly string[] | undefined,
    maxWaitMs: number,
    what: string,
  ): Promise<void> {
    const startedMs = Date.now();
    const counted = (counts: Map<string, number> | undefined, name: string) =>
      types === undefined
        ? (counts?.get(`${from}>${name}`) ?? 0)
        : types.reduce((sum, type) => sum + (counts?.get(`${from}>${name}>${type}`) ?? 0), 0);
    for (;;) {
      const now = this.network.deliveryCounts();
      const missing = to.filter((name) => counted(now, name) <= counted(mark, name));
      if (missing.length === 0) {
        this.note(`steering: ${what} passed after ${Date.now() - startedMs} ms`);
        return;
      }
      if (Date.now() - startedMs >= maxWaitMs || this.signal.aborted) {
        this.note(`steering: ${what} gave up after ${Date.now() - startedMs} ms (nothing yet to ${missing.join(',')})`);
        return;
      }
      await sleep(POLL_MS);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

function holdFaultId(ruleIndex: number): number {
  return STEERING_FAULT_ID_MAX - ruleIndex;
}
