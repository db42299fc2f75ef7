/**
 * Steering: what `busfuzz confirm` asks the real backend to do so a live run takes the bus-message
 * order the simulator took around a finding. Plain data, produced from the simulator's trace
 * (derive.ts) and applied by the real backend's fault proxy (real/steering.ts); core knows neither.
 *
 * Phases are the run plan's phases (core/scenario/plan.ts), numbered in plan order, so the real
 * run and the simulator name the same moment the same way.
 */

/** Bus message types as the proxy names them (real/proxy/frame-parser.ts). */
export type BusType = 'ping' | 'pong' | 'meet' | 'fail' | 'publish' | 'auth-req' | 'auth-ack' | 'update' | 'mfstart';

export type SteeringRule =
  /**
   * Before plan phase `phase` is applied, wait (at most `maxWaitMs`) until each node of `to` has
   * been delivered at least one bus message from `from` since phase `phase - 1` was applied: the
   * news `from` had then (a bumped epoch) reached them in the simulator before the fault.
   */
  | { kind: 'gate'; phase: number; from: string; to: string[]; maxWaitMs: number; why: string }
  /**
   * From phase `startPhase` (once applied) hold bus messages from `from` to each of `to` (of
   * `types` only when given). At phase `endPhase` (null: never, the run's end drops them): `discard` loses what is held (the sender died
   * and nothing of it arrived in the simulator), `release` lets it go, but only once `to` has been
   * delivered a message of `afterTypes` from `from` since that phase (plus `delayMs`; at most
   * `maxWaitMs`): the fresh message the simulator delivered before the stale ones.
   */
  | {
      kind: 'hold';
      startPhase: number;
      endPhase: number | null;
      from: string;
      to: string[];
      types?: BusType[];
      end: 'discard' | 'release';
      afterTypes?: BusType[];
      delayMs?: number;
      maxWaitMs?: number;
      why: string;
    }
  /**
   * From phase `startPhase` hold every bus message from `from` to each of `to` until `winner` has
   * been delivered `acks` auth acks after phase `electionPhase` (it won its election; at most
   * `maxWaitMs` from then), then release: in the simulator none of `to` had heard from `from`
   * since that phase when `winner` won.
   */
  | {
      kind: 'hold-until-election';
      startPhase: number;
      electionPhase: number;
      from: string;
      to: string[];
      winner: string;
      acks: number;
      maxWaitMs: number;
      why: string;
    }
  /**
   * Phase `phase` waits until `afterMs` have passed since `winner` was delivered its `acks`-th
   * auth ack after phase `since` (it won an election; at most `maxWaitMs` of waiting): in the
   * simulator that win came `afterMs` before this phase, and the voters' 2 x node_timeout
   * vote pause for that shard had run out by the time of the next election.
   */
  | {
      kind: 'gate-after-win';
      phase: number;
      since: number;
      winner: string;
      acks: number;
      afterMs: number;
      maxWaitMs: number;
      why: string;
    }
  /**
   * The node id of `lower` must sort before that of `higher` (memcmp, as the configEpoch collision
   * rule compares them: the smaller id bumps its epoch and keeps its slots). Real ids are random,
   * so a cluster formed the other way round is formed again before the try starts.
   */
  | { kind: 'id-order'; lower: string; higher: string; why: string }
  /** When phase `phase` (a kill or terminate of `node`) is applied, lose what a partition still holds from it. */
  | { kind: 'discard-on-kill'; phase: number; node: string; why: string };

export interface Steering {
  rules: SteeringRule[];
  /**
   * Per-try timing perturbation: each plan phase is moved by a uniform draw in
   * [-jitterMs, +jitterMs] (from `seed`), never before the previous one.
   */
  jitterMs: number;
  seed: number;
  /**
   * Wait this long after the final heal before the first convergence check, as the simulator
   * does (sim/runner.ts settleMs: two node timeouts, at most half the convergence budget). The
   * real backend otherwise checks at once, and a cluster that looks converged then may split
   * seconds later (crash 5846: the frozen replica's second election).
   */
  settleMs?: number;
  /**
   * Node ids by creation name (`node-K`), each the id the simulator's node had at its first start
   * (node-ids.ts): the real backend starts that node with it, so replicas with equal offsets rank
   * the same way on both backends. Nodes not named draw their own.
   */
  nodeIds?: Record<string, string>;
}

/** One line per rule, for the log and the crash file's `perturbation`. */
export function describeSteering(steering: Steering): string {
  const parts = steering.rules.map((rule) => {
    switch (rule.kind) {
      case 'gate':
        return `gate phase ${rule.phase} on ${rule.from}->{${rule.to.join(',')}}`;
      case 'hold':
        return `hold ${rule.from}->{${rule.to.join(',')}}${rule.types === undefined ? '' : ` ${rule.types.join('/')}`} phases ${rule.startPhase}..${rule.endPhase ?? 'end'} then ${rule.end}${rule.afterTypes === undefined ? '' : ` after ${rule.afterTypes.join('/')}+${rule.delayMs ?? 0}ms`}`;
      case 'discard-on-kill':
        return `discard held from ${rule.node} at phase ${rule.phase}`;
      case 'id-order':
        return `id of ${rule.lower} < id of ${rule.higher}`;
      case 'gate-after-win':
        return `phase ${rule.phase} at least ${rule.afterMs}ms after ${rule.winner}'s win (${rule.acks} acks after phase ${rule.since})`;
      case 'hold-until-election':
        return `hold ${rule.from}->{${rule.to.join(',')}} from phase ${rule.startPhase} until ${rule.winner} has ${rule.acks} auth-acks after phase ${rule.electionPhase}`;
      default: {
        const unknown: never = rule;
        throw new Error(`describeSteering: unknown rule ${JSON.stringify(unknown)}`);
      }
    }
  });
  if (steering.jitterMs > 0) parts.push(`jitter ±${steering.jitterMs}ms (seed ${steering.seed})`);
  const shared = Object.keys(steering.nodeIds ?? {}).length;
  if (shared > 0) parts.push(`simulator's node ids for ${shared} nodes`);
  if ((steering.settleMs ?? 0) > 0) parts.push(`first convergence check ${steering.settleMs}ms after the heal`);
  return parts.length === 0 ? 'none' : parts.join('; ');
}
