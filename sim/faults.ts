/**
 * Applies the scenario's steps to the world: one exhaustive `switch (step.action)` for every DSL
 * action, with a `never` check. Membership and resharding actions are in admin-actions.ts; while
 * one of them takes simulated time the applier is `busy` and the plan waits for it.
 * Targets are resolved when the step runs (core/scenario/targets.ts). A step's `end` phase undoes
 * exactly what its start did, found by fault id: restart a killed node, resume a paused one, lift
 * one partition, latency or drop rule. `heal` lifts every network fault at once.
 *
 * Chaos steps marked `keepQuorum` are skipped when they would leave fewer than a quorum of the
 * slot-owning primaries up (running and not cut off by a partition).
 */
import type { Rng } from '../core/rng.ts';
import { AdminActions } from './admin-actions.ts';
import { minoritySides, partitionPairs, quorumSurvives } from '../core/scenario/semantics/partition.ts';
import { processStepApplies } from '../core/scenario/semantics/process-steps.ts';
import { TimeFaults } from './time-faults.ts';
import { resolveGroups, resolvePairs, resolveTarget, type TopologyEntry } from '../core/scenario/targets.ts';
import type { Group, Step } from '../core/scenario/types.ts';
import { messageTypeByName } from './message.ts';
import { PROCESS_DOWN, PROCESS_PAUSED } from './process.ts';
import type { TopologyTracker } from './topology-entries.ts';
import * as valkey from './valkey/index.ts';
import type { Pairs, World } from './world.ts';

/** What a started fault did, kept until its end phase (or a heal) undoes it. */
type FaultRecord =
  | { kind: 'process'; index: number }
  | { kind: 'time'; index: number }
  | { kind: 'partition'; pairs: Pairs; isolated: number[] }
  | { kind: 'rule' };

export class FaultApplier {
  private readonly records = new Map<number, FaultRecord>();
  private readonly admin: AdminActions;
  readonly time: TimeFaults;

  constructor(
    private readonly world: World,
    private readonly topology: TopologyTracker,
    private readonly rng: Rng,
  ) {
    this.time = new TimeFaults(world);
    this.admin = new AdminActions({ world, resolve: (target) => this.resolveOne(target, this.topology.entries()) });
  }

  /** A multi-step admin action (add_node, migrate_slots) is under way. */
  get busy(): boolean {
    return this.admin.busy;
  }

  /** Runs when the admin action under way ends. */
  set onIdle(callback: () => void) {
    this.admin.onIdle = callback;
  }

  /** A step's start: apply it now. */
  start(faultId: number, step: Step): void {
    const entries = this.topology.entries();
    switch (step.action) {
      case 'kill':
      case 'terminate':
      case 'pause':
        this.processFault(faultId, step, entries);
        return;
      case 'restart':
        this.onTarget(step, entries, (index) => this.world.start(index));
        return;
      case 'partition':
        this.partition(faultId, step, entries);
        return;
      case 'heal':
        this.heal();
        return;
      case 'latency': {
        const pairs = this.pairs(step.from, step.to, entries);
        this.world.setLinkLatency(faultId, pairs, step.delayMs, step.jitterMs);
        this.records.set(faultId, { kind: 'rule' });
        this.emit(step.action, pairs, `+${step.delayMs}ms jitter ${step.jitterMs}ms`, step.durationMs);
        return;
      }
      case 'drop': {
        const pairs = this.pairs(step.from, step.to, entries);
        const mask = (step.types ?? []).reduce((bits, type) => bits | (1 << messageTypeByName(type)), 0);
        this.world.setDropRate(faultId, pairs, mask, step.probability);
        this.records.set(faultId, { kind: 'rule' });
        this.emit(step.action, pairs, `${(step.types ?? ['all']).join(',')} p=${step.probability}`, step.durationMs);
        return;
      }
      case 'hold': {
        const pairs = this.pairs(step.from, step.to, entries);
        this.world.hold(pairs);
        this.emit(step.action, pairs, '');
        return;
      }
      case 'release': {
        const pairs = this.pairs(step.from, step.to, entries);
        this.world.release(pairs);
        this.emit(step.action, pairs, '');
        return;
      }
      case 'kill_links':
        this.onTarget(step, entries, (index) => this.world.killLinks(index));
        return;
      case 'failover':
        this.onTarget(
          step,
          entries,
          (index) =>
            this.command(index, (server) => valkey.clusterFailoverCommand(server, step.mode) ?? 'OK') ?? 'not running',
        );
        return;
      case 'bump_epoch':
        this.onTarget(step, entries, (index) => {
          const reply = this.command(index, (server) => valkey.bumpEpoch(server));
          return reply === null ? 'not running' : `${reply.bumped ? 'BUMPED' : 'STILL'} ${reply.epoch}`;
        });
        return;
      case 'meet':
        this.admin.meet(step);
        return;
      case 'forget':
        this.admin.forget(step);
        return;
      case 'reset':
        this.admin.reset(step);
        return;
      case 'replicate':
        this.admin.replicate(step);
        return;
      case 'add_node':
        this.admin.addNode(step);
        return;
      case 'migrate_slots':
        this.admin.migrateSlots(step);
        return;
      case 'clock':
      case 'slow':
        this.timeFault(faultId, step, entries);
        return;
      case 'wait':
        throw new Error("FaultApplier: wait steps are the runner's");
      default: {
        const unknown: never = step;
        throw new Error(`FaultApplier: unknown action ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** A step's end: undo what its start did, unless a heal already did. */
  end(faultId: number, step: Step): void {
    const record = this.records.get(faultId);
    if (record === undefined) return;
    this.records.delete(faultId);
    if (record.kind === 'time') {
      let detail = '';
      if (step.action === 'clock') detail = this.time.clockEnd(faultId, record.index);
      else this.time.slowEnd(faultId);
      const nodes = [this.name(record.index)];
      const skew = step.action === 'clock' ? { skewMs: this.time.skewOf(record.index) } : {};
      this.world.emit({
        kind: 'fault',
        atMs: this.world.clockMs,
        action: `${step.action}-end`,
        nodes,
        detail,
        ...skew,
      });
    } else if (record.kind === 'process') {
      if (step.action === 'pause') this.world.resume(record.index);
      else this.world.start(record.index);
      this.world.emit({
        kind: 'fault',
        atMs: this.world.clockMs,
        action: step.action === 'pause' ? 'resume' : 'restart',
        nodes: [this.name(record.index)],
        detail: `end of ${step.action}`,
      });
    } else if (record.kind === 'partition') {
      this.world.repair(record.pairs);
      this.world.emit({
        kind: 'fault',
        atMs: this.world.clockMs,
        action: 'heal',
        nodes: [],
        detail: 'end of partition',
      });
    } else {
      if (step.action === 'latency') this.world.network.removeLatency(faultId);
      if (step.action === 'drop') this.world.network.removeDrop(faultId);
    }
  }

  /** `heal`: every partition, latency, drop and hold ends. */
  heal(): void {
    this.world.heal();
    // Lifted now: their end phases find no record and do nothing.
    for (const [faultId, record] of this.records)
      if (record.kind !== 'process' && record.kind !== 'time') this.records.delete(faultId);
    this.world.emit({ kind: 'fault', atMs: this.world.clockMs, action: 'heal', nodes: [], detail: '' });
  }

  /** Nodes cut off from the majority of slot owners by an active partition. */
  private isolatedNow(): Set<number> {
    const isolated = new Set<number>();
    for (const record of this.records.values()) {
      if (record.kind === 'partition') for (const index of record.isolated) isolated.add(index);
    }
    return isolated;
  }

  private processFault(
    faultId: number,
    step: Extract<Step, { action: 'kill' | 'terminate' | 'pause' }>,
    entries: TopologyEntry[],
  ): void {
    const index = this.resolveOne(step.target, entries);
    if (index < 0) {
      this.skip(step, 'no such node');
      return;
    }
    if (step.keepQuorum === true && this.breaksQuorum(entries, [index])) {
      this.skip(step, 'keep_quorum');
      return;
    }
    const process = this.world.processes[index]!;
    if (process.terminating) {
      // Shutting down after a SIGTERM: down for the plan (as on the real backend), so no signal,
      // and no record whose end would restart or resume it.
      this.skip(step, `${this.name(index)} is terminating`);
      return;
    }
    // A slow node's stopped slice is the cycle's, not a pause (the real cycle signals the process
    // without calling it paused): a pause takes the node over from the cycle first.
    if (step.action === 'pause') this.time.yieldTo(index);
    const state = process.state === PROCESS_DOWN ? 'down' : process.state === PROCESS_PAUSED ? 'paused' : 'running';
    if (!processStepApplies(step.action, state)) {
      // No record either: the end of this step must not restart or resume a node another step took.
      this.skip(step, `${step.target} names no running node`);
      return;
    }
    if (step.action === 'kill') this.world.crash(index);
    else if (step.action === 'terminate') this.world.terminate(index);
    else this.world.pause(index);
    this.records.set(faultId, { kind: 'process', index });
    this.world.emit({
      kind: 'fault',
      atMs: this.world.clockMs,
      action: step.action,
      nodes: [this.name(index)],
      detail: '',
    });
  }

  /** clock and slow (sim/time-faults.ts): not network faults, so a heal leaves them running. */
  private timeFault(
    faultId: number,
    step: Extract<Step, { action: 'clock' | 'slow' }>,
    entries: TopologyEntry[],
  ): void {
    const index = this.resolveOne(step.target, entries);
    if (index < 0) {
      this.skip(step, `${step.target} names no node`);
      return;
    }
    let detail = `x${step.action === 'slow' ? step.factor : ''}`;
    if (step.action === 'clock') detail = this.time.clock(faultId, step, index);
    else this.time.slow(faultId, step, index);
    this.records.set(faultId, { kind: 'time', index });
    const until = step.durationMs === undefined ? {} : { untilMs: this.world.clockMs + step.durationMs };
    const skew =
      step.action === 'clock'
        ? { skewMs: this.time.skewOf(index), ...(step.jumpMs === undefined ? {} : { jumpMs: step.jumpMs }) }
        : {};
    const nodes = [this.name(index)];
    this.world.emit({ kind: 'fault', atMs: this.world.clockMs, action: step.action, nodes, detail, ...until, ...skew });
  }

  private partition(faultId: number, step: Extract<Step, { action: 'partition' }>, entries: TopologyEntry[]): void {
    const groups = resolveGroups(step.groups, entries, this.rng).map((names) =>
      names.map((name) => this.indexOf(name)),
    );
    const pairs = partitionPairs(groups, step.oneway);
    const isolated = minoritySides(groups, (index) => isVotingPrimary(entries, index));
    if (step.keepQuorum === true && this.breaksQuorum(entries, isolated)) {
      this.skip(step, 'keep_quorum');
      return;
    }
    this.world.partition(pairs);
    this.records.set(faultId, { kind: 'partition', pairs, isolated });
    this.world.emit({
      kind: 'fault',
      atMs: this.world.clockMs,
      action: 'partition',
      nodes: groups.flat().map((index) => this.name(index)),
      detail: `${groups.map((group) => `[${group.map((index) => this.name(index)).join(',')}]`).join(step.oneway ? ' -/-> ' : ' | ')}`,
      ...(step.durationMs === undefined ? {} : { untilMs: this.world.clockMs + step.durationMs }),
    });
  }

  /** Would taking `more` down leave fewer than size/2+1 slot-owning primaries up (core's rule)? */
  private breaksQuorum(entries: TopologyEntry[], more: number[]): boolean {
    const owners: number[] = [];
    entries.forEach((_, index) => {
      if (isVotingPrimary(entries, index)) owners.push(index);
    });
    const down = this.isolatedNow();
    for (const index of owners) if (!entries[index]!.running) down.add(index);
    for (const index of more) down.add(index);
    return !quorumSurvives(owners, (index) => down.has(index));
  }

  private onTarget(
    step: Extract<Step, { target: string }>,
    entries: TopologyEntry[],
    run: (index: number) => unknown,
  ): void {
    const index = this.resolveOne(step.target, entries);
    if (index < 0) {
      this.world.emit({
        kind: 'fault',
        atMs: this.world.clockMs,
        action: step.action,
        nodes: [],
        detail: `skipped: ${step.target} names no node`,
      });
      return;
    }
    const reply = run(index);
    const detail = typeof reply === 'string' ? reply : 'OK';
    this.world.emit({
      kind: 'fault',
      atMs: this.world.clockMs,
      action: step.action,
      nodes: [this.name(index)],
      detail: step.action === 'failover' ? `${step.mode}: ${detail}` : detail,
    });
  }

  /** An admin command from the plan: not sent to a terminating node, which the plan counts as down. */
  private command<T>(index: number, run: (server: valkey.ValkeyServer) => T): T | null {
    return this.world.processes[index]!.terminating ? null : this.world.command(index, run);
  }

  /** Not applied: no record, so its end phase has nothing to undo. */
  private skip(step: Step, why: string): void {
    this.world.emit({
      kind: 'fault',
      atMs: this.world.clockMs,
      action: step.action,
      nodes: [],
      detail: `skipped: ${why}`,
    });
  }

  private pairs(from: Group, to: Group, entries: TopologyEntry[]): Pairs {
    return resolvePairs(from, to, entries, this.rng).map(([a, b]) => [this.indexOf(a), this.indexOf(b)] as const);
  }

  private emit(action: string, pairs: Pairs, detail: string, durationMs?: number): void {
    const nodes = [...new Set(pairs.flat())].sort(ascending).map((index) => this.name(index));
    const until = durationMs === undefined ? {} : { untilMs: this.world.clockMs + durationMs };
    this.world.emit({ kind: 'fault', atMs: this.world.clockMs, action, nodes, detail, ...until });
  }

  private resolveOne(target: string, entries: TopologyEntry[]): number {
    const name = resolveTarget(target, entries, this.rng);
    return name === null ? -1 : this.indexOf(name);
  }

  private indexOf(name: string): number {
    const index = this.world.processes.findIndex((process) => process.name === name);
    if (index < 0) throw new Error(`FaultApplier: no process named ${name}`);
    return index;
  }

  private name(index: number): string {
    return this.world.processes[index]!.name;
  }
}

/** A slot-owning primary of the scenario's layout (what keep_quorum and minority sides count). */
function isVotingPrimary(entries: readonly TopologyEntry[], index: number): boolean {
  const entry = entries[index];
  return entry !== undefined && entry.role === 'primary' && entry.shard !== null;
}

/** Module level, not inline: a callback made per call is optimised again in every fuzz run. */
function ascending(a: number, b: number): number {
  return a - b;
}
