/**
 * The DSL's membership and resharding actions on the simulator, worded and sequenced as the real
 * backend does them (real/admin-actions.ts), so both report the same fault events:
 * - meet: CLUSTER MEET from `target` to `other`'s address;
 * - forget: CLUSTER FORGET <other's id> on every other running node;
 * - reset: CLUSTER RESET SOFT|HARD (a `data-lost` event when it is accepted);
 * - replicate: CLUSTER REPLICATE <primary's id>;
 * - add_node: a new process; once it answers, MEET the first running node, then (with a shard)
 *   poll until it knows the shard's primary and REPLICATE it;
 * - migrate_slots: the lowest `count` slots `from` owns, one at a time: SETSLOT IMPORTING on the
 *   target, MIGRATING on the source, the keys (keyspace hook), SETSLOT NODE on the target, then on
 *   the source; the first refusal stops it.
 * The last two take simulated time (a client round trip per command, SETSLOT's wait for replica
 * acks, polling): while one runs the action is `busy`, and the plan waits for it, as the real
 * backend's step runner awaits each step.
 */
import * as valkey from './valkey/index.ts';
import { PROCESS_DOWN, PROCESS_RUNNING } from './process.ts';
import type { World } from './world.ts';
import type { StepOf } from '../core/scenario/types.ts';

/** One admin command's client round trip on loopback (each half a whole millisecond). */
export const COMMAND_RTT_MS = 2;
/** add_node: how often the new node's CLUSTER NODES is read, and for how long. */
const LEARN_POLL_MS = 20;
const LEARN_PRIMARY_TIMEOUT_MS = 10_000;
/** A command sent to a paused process waits in its socket; how often the client looks again. */
const PAUSED_POLL_MS = 10;

/** How targets become process indices (-1: no such node) and how they are named. */
export interface AdminContext {
  readonly world: World;
  resolve(target: string): number;
}

type Reply = string | null;

export class AdminActions {
  /** A multi-step action is under way; `onIdle` runs when it ends. */
  busy = false;
  onIdle: () => void = () => {};

  constructor(private readonly context: AdminContext) {}

  private get world(): World {
    return this.context.world;
  }

  meet(step: StepOf<'meet'>): void {
    const node = this.context.resolve(step.target);
    const other = this.context.resolve(step.other);
    if (!this.running(node) || other < 0) {
      this.skip('meet', `${step.target}/${step.other}`);
      return;
    }
    const error = this.world.command(node, (server) => valkey.meet(server, other));
    this.emit('meet', [node, other], `${this.name(node)} CLUSTER MEET ${this.name(other)}: ${outcome(error ?? null)}`);
  }

  forget(step: StepOf<'forget'>): void {
    const other = this.context.resolve(step.other);
    const identity = other < 0 ? -1 : this.identityOf(other);
    if (identity < 0) {
      this.skip('forget', step.other);
      return;
    }
    const outcomes: string[] = [];
    for (const process of this.world.processes) {
      if (process.index === other || !process.runningForPlan) continue;
      const error = this.world.command(process.index, (server) => valkey.forget(server, identity));
      outcomes.push(`${process.name}: ${error ?? 'OK'}`);
    }
    this.emit('forget', [other], `CLUSTER FORGET ${this.name(other)} on ${outcomes.join('; ') || 'no node'}`);
  }

  reset(step: StepOf<'reset'>): void {
    const node = this.context.resolve(step.target);
    if (!this.running(node)) {
      this.skip('reset', step.target);
      return;
    }
    if (step.ifReplica === true && valkey.isPrimary(this.world.server(node)!.myself)) {
      this.emit('reset', [node], `skipped: ${this.name(node)} is a primary now (if_replica)`);
      return;
    }
    const error = this.world.command(node, (server) => valkey.clusterReset(server, step.hard)) ?? null;
    this.emit('reset', [node], outcome(error));
    if (error === null)
      this.world.emit({ kind: 'data-lost', atMs: this.world.clockMs, node: this.name(node), cause: 'reset' });
  }

  /**
   * CLUSTER REPLICATE once the node knows the primary (after a RESET and MEET the handshake and
   * gossip take a moment; an operator waits for them); reported and skipped when it has not learned
   * it within LEARN_PRIMARY_TIMEOUT_MS (its MEET timed out). As real/admin-actions.ts does.
   */
  replicate(step: StepOf<'replicate'>): void {
    const node = this.context.resolve(step.target);
    const primary = this.context.resolve(step.primary);
    const identity = primary < 0 ? -1 : this.identityOf(primary);
    if (!this.running(node) || identity < 0) {
      this.skip('replicate', `${step.target}/${step.primary}`);
      return;
    }
    const issue = (): void => {
      const error = this.world.command(node, (server) => valkey.replicate(server, identity)) ?? null;
      this.emit('replicate', [node], outcome(error));
    };
    if (this.knows(node, identity)) {
      issue();
      return;
    }
    this.begin();
    this.untilKnows(node, identity, this.world.nowMs + LEARN_PRIMARY_TIMEOUT_MS, (known) => {
      if (known) issue();
      else
        this.emit(
          'replicate',
          [node],
          `${this.name(node)} did not learn ${this.name(primary)} within ${LEARN_PRIMARY_TIMEOUT_MS} ms (its MEET did not complete): not replicating`,
        );
      this.end();
    });
  }

  addNode(step: StepOf<'add_node'>): void {
    const world = this.world;
    const introducer = world.processes.find((process) => process.runningForPlan);
    if (introducer === undefined) {
      this.skip('add_node', 'introducer');
      return;
    }
    const node = world.addProcess(step.shard ?? null);
    world.start(node);
    this.begin();
    const joined = (detail: string): void => {
      this.emit('add_node', [node], `${this.name(node)} ${detail}`);
      this.end();
    };
    this.whenRunning(
      node,
      () => {
        world.command(node, (server) => valkey.meet(server, introducer.index));
        if (step.shard === undefined) return joined(`joined as an empty primary via ${introducer.name}`);
        const primary = this.context.resolve(`shard-${step.shard}-primary`);
        const identity = primary < 0 ? -1 : this.identityOf(primary);
        if (identity < 0) return joined(`joined; shard ${step.shard} has no primary to replicate`);
        this.untilKnows(node, identity, world.nowMs + LEARN_PRIMARY_TIMEOUT_MS, (known) => {
          if (!known)
            return joined(
              `joined shard ${step.shard}: did not learn ${this.name(primary)} within ${LEARN_PRIMARY_TIMEOUT_MS} ms`,
            );
          const error = world.command(node, (server) => valkey.replicate(server, identity));
          joined(
            `joined shard ${step.shard}: REPLICATE ${this.name(primary)}: ${error === null ? 'OK' : outcome(error ?? 'not running')}`,
          );
        });
      },
      () => joined('did not start'),
    );
  }

  migrateSlots(step: StepOf<'migrate_slots'>): void {
    const source = this.context.resolve(step.from);
    const target = this.context.resolve(step.to);
    const sourceId = source < 0 ? -1 : this.identityOf(source);
    const targetId = target < 0 ? -1 : this.identityOf(target);
    if (!this.running(source) || !this.running(target) || source === target || sourceId < 0 || targetId < 0) {
      this.skip('migrate_slots', `${step.from}/${step.to}`);
      return;
    }
    const server = this.world.server(source)!;
    const slots: number[] = [];
    const ranges = server.slotsOf(server.myself).ranges;
    for (let i = 0; i < ranges.length && slots.length < step.count; i += 2) {
      for (let slot = ranges[i]!; slot <= ranges[i + 1]! && slots.length < step.count; slot++) slots.push(slot);
    }
    this.begin();
    let moved = 0;
    let keys = 0;
    const pair = [source, target];
    const route = `${this.name(source)} -> ${this.name(target)}`;
    const next = (): void => {
      if (moved === slots.length) {
        this.emit('migrate_slots', pair, `${moved} slots (${keys} keys) ${route}`);
        this.end();
        return;
      }
      const slot = slots[moved]!;
      this.migrateSlot(source, sourceId, target, targetId, slot, (error, movedKeys) => {
        keys += movedKeys;
        if (error !== null) {
          this.emit('migrate_slots', pair, `${moved} of ${slots.length} slots (${keys} keys) ${route}, then: ${error}`);
          return this.end();
        }
        moved++;
        next();
      });
    };
    next();
  }

  // --- one slot ------------------------------------------------------------------------------

  private migrateSlot(
    source: number,
    sourceId: number,
    target: number,
    targetId: number,
    slot: number,
    done: (error: Reply, keys: number) => void,
  ): void {
    this.setSlot(target, slot, valkey.SETSLOT_IMPORTING, sourceId, (importing) => {
      if (importing !== null) return done(importing, 0);
      this.setSlot(source, slot, valkey.SETSLOT_MIGRATING, targetId, (migrating) => {
        if (migrating !== null) return done(migrating, 0);
        // GETKEYSINSLOT, then MIGRATE of what it lists (nothing to send: no MIGRATE at all).
        this.call(
          source,
          (server) => {
            if (server.keyspace.countKeysInSlot(slot) === 0) return 0;
            const targetServer = this.running(target) ? this.world.server(target) : null;
            return targetServer === null ? -1 : server.keyspace.migrateSlot(slot, targetServer.keyspace);
          },
          (keys) => {
            if (keys === null || keys < 0)
              return done(
                keys === null ? 'Connection is closed.' : 'IOERR error or timeout connecting to the client',
                0,
              );
            this.setSlot(target, slot, valkey.SETSLOT_NODE, targetId, (onTarget) => {
              if (onTarget !== null) return done(onTarget, keys);
              this.setSlot(source, slot, valkey.SETSLOT_NODE, targetId, (onSource) => done(onSource, keys));
            });
          },
        );
      });
    });
  }

  // --- a client: one command at a time, each after a round trip ------------------------------

  /** A command that answers at once; `then` gets null when the connection is gone. */
  private call<T>(index: number, run: (server: valkey.ValkeyServer) => T, then: (result: T | null) => void): void {
    this.world.after(COMMAND_RTT_MS / 2, () => {
      this.whenRunning(
        index,
        () => {
          const result = this.world.command(index, run);
          this.world.after(COMMAND_RTT_MS / 2, () => then(result));
        },
        () => then(null),
      );
    });
  }

  /** CLUSTER SETSLOT, which may block on the replicas' acks until SETSLOT_TIMEOUT_MS. */
  private setSlot(
    index: number,
    slot: number,
    op: valkey.SetSlotOp,
    nodeIdentity: number,
    then: (error: Reply) => void,
  ): void {
    const world = this.world;
    world.after(COMMAND_RTT_MS / 2, () => {
      this.whenRunning(
        index,
        () => {
          const process = world.processes[index]!;
          const incarnation = process.incarnation;
          let answered = false;
          const answer = (error: Reply): void => {
            if (answered) return;
            answered = true;
            world.after(COMMAND_RTT_MS / 2, () => then(error));
          };
          const wait = world.command(index, (server) => valkey.clusterSetSlot(server, slot, op, nodeIdentity, answer));
          if (wait === null || answered) return;
          const timeout = (): void => {
            if (answered) return;
            if (process.incarnation !== incarnation || process.state === PROCESS_DOWN) {
              answer('Connection is closed.');
              return;
            }
            // A paused server handles the timeout when it runs again.
            if (process.state !== PROCESS_RUNNING) {
              world.after(PAUSED_POLL_MS, timeout);
              return;
            }
            world.command(index, (live) => valkey.abandonSetSlot(live, wait));
          };
          world.after(valkey.SETSLOT_TIMEOUT_MS, timeout);
        },
        () => then('Connection is closed.'),
      );
    });
  }

  /** Runs `now` once the process runs (a paused one is waited for), or `gone` if it is down. */
  private whenRunning(index: number, now: () => void, gone: () => void): void {
    const process = this.world.processes[index]!;
    if (process.state === PROCESS_RUNNING) {
      now();
      return;
    }
    if (process.state === PROCESS_DOWN) {
      gone();
      return;
    }
    // Starting or paused: the command waits in the socket.
    this.world.after(PAUSED_POLL_MS, () => this.whenRunning(index, now, gone));
  }

  /** Polls `node` until it knows `identity` past its handshake, or the deadline passes. */
  /** Whether the running node knows `identity`, past the handshake. */
  private knows(node: number, identity: number): boolean {
    const server = this.world.server(node);
    if (server === null || this.world.processes[node]!.state !== PROCESS_RUNNING) return false;
    const peer = server.lookup(identity);
    return peer !== null && !valkey.inHandshake(peer);
  }

  private untilKnows(node: number, identity: number, deadlineMs: number, then: (known: boolean) => void): void {
    if (this.knows(node, identity)) {
      then(true);
      return;
    }
    if (this.world.nowMs >= deadlineMs || this.world.processes[node]!.state === PROCESS_DOWN) {
      then(false);
      return;
    }
    this.world.after(LEARN_POLL_MS, () => this.untilKnows(node, identity, deadlineMs, then));
  }

  // --- helpers -------------------------------------------------------------------------------

  private begin(): void {
    this.busy = true;
  }

  private end(): void {
    this.busy = false;
    this.onIdle();
  }

  /** Running for the plan: a terminating node is down to admin actions too (as on the real backend). */
  private running(index: number): boolean {
    return index >= 0 && this.world.processes[index]!.runningForPlan;
  }

  /** The node id a process has now, or the one in its nodes.conf while it is down; -1 if none. */
  private identityOf(index: number): number {
    const process = this.world.processes[index]!;
    if (process.server !== null && process.state !== PROCESS_DOWN) return process.server.myself.identity;
    const mine = process.persisted?.entries.find((entry) => (entry.flags & valkey.NODE_MYSELF) !== 0);
    return mine === undefined ? -1 : this.world.identities.nodes.lookup(mine.name);
  }

  private name(index: number): string {
    return this.world.processes[index]!.name;
  }

  private skip(action: string, what: string): void {
    this.world.emit({
      kind: 'fault',
      atMs: this.world.clockMs,
      action,
      nodes: [],
      detail: `skipped: ${what} names no running node`,
    });
  }

  private emit(action: string, indices: number[], detail: string): void {
    const nodes = [...new Set(indices)].sort(ascending).map((index) => this.name(index));
    this.world.emit({ kind: 'fault', atMs: this.world.clockMs, action, nodes, detail });
  }
}

/** A reply as the real backend words it: OK, or `refused: <error>`. */
function outcome(error: Reply): string {
  return error === null ? 'OK' : `refused: ${error}`;
}

/** Module level, not inline: a callback made per call is optimised again in every fuzz run. */
function ascending(a: number, b: number): number {
  return a - b;
}
