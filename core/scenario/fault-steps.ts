/**
 * One fault as timeline steps, with its parameters drawn from an Rng: the shared vocabulary of the
 * generator's explicit faults and the chaos block's expansion. A fault around one target: the node
 * itself (kill, terminate, pause, kill_links) or its links to every other node (partition,
 * latency, drop, hold). Pure data out; nothing is resolved here.
 */
import type { Rng } from '../rng.ts';
import { parseTarget } from './targets.ts';
import { timeFaultStep } from './time-fault-steps.ts';
import {
  MESSAGE_TYPES,
  type FaultAction,
  type MessageType,
  type Group,
  type Step,
  type StepSource,
  type Target,
} from './types.ts';

export interface FaultShape {
  action: FaultAction;
  target: Target;
  atMs: number;
  /** How long it lasts: restart delay of kills, pause, partition, latency, drop; hold until release. */
  durationMs: number;
  source: StepSource;
  keepQuorum?: boolean;
  /** cluster-node-timeout, to scale latencies around it. */
  nodeTimeoutMs: number;
}

/** Faults that can take a node away from the majority: keep_quorum applies to them. */
export const QUORUM_FAULTS: ReadonlySet<FaultAction> = new Set(['kill', 'terminate', 'pause', 'partition']);

/** Drop probabilities, as exact decimals so a saved scenario reads back equal. */
const DROP_PROBABILITIES = [0.1, 0.25, 0.5, 0.75, 0.9, 1] as const;

/** The target alone on one side, every other node on the other; sometimes the other way round. */
function sides(rng: Rng, target: Target): { from: Group; to: Group } {
  return rng.chance(1, 3) ? { from: 'rest', to: [target] } : { from: [target], to: 'rest' };
}

/** Half the time every message type, else one to three of them (in the interface's order). */
function dropTypes(rng: Rng): { types?: MessageType[] } {
  if (rng.chance(1, 2)) return {};
  const types = rng.shuffle(MESSAGE_TYPES).slice(0, rng.range(1, 3));
  return { types: MESSAGE_TYPES.filter((type) => types.includes(type)) };
}

/**
 * The steps of one fault: one step, or two for `hold` (its `release` after `durationMs`; with a
 * random target the release cannot name the same node again, so it releases every pair).
 */
export function faultSteps(rng: Rng, shape: FaultShape): Step[] {
  const { action, target, atMs, durationMs, source } = shape;
  const base = { atMs, source, ...(shape.keepQuorum && QUORUM_FAULTS.has(action) ? { keepQuorum: true } : {}) };
  switch (action) {
    case 'kill':
    case 'terminate':
      return [{ ...base, action, target, restartAfterMs: durationMs }];
    case 'pause':
      return [{ ...base, action, target, durationMs }];
    case 'kill_links':
      return [{ ...base, action, target }];
    case 'partition':
      return [{ ...base, action, groups: [[target], 'rest'], oneway: rng.chance(1, 4), durationMs }];
    case 'latency': {
      const delayMs = rng.range(20, Math.max(100, Math.floor(shape.nodeTimeoutMs * 1.5)));
      const jitterMs = rng.chance(1, 2) ? 0 : rng.range(0, Math.floor(delayMs / 2));
      return [{ ...base, action, ...sides(rng, target), delayMs, jitterMs, durationMs }];
    }
    case 'drop':
      return [
        {
          ...base,
          action,
          ...sides(rng, target),
          ...dropTypes(rng),
          probability: rng.pick(DROP_PROBABILITIES),
          durationMs,
        },
      ];
    case 'hold': {
      const held = sides(rng, target);
      const fixed = parseTarget(target)?.kind !== 'random';
      const released = fixed ? held : { from: ['all'], to: ['all'] };
      return [
        { ...base, action: 'hold', ...held },
        { atMs: atMs + durationMs, source, action: 'release', ...released },
      ];
    }
    case 'clock':
    case 'slow':
      return [timeFaultStep(rng, { ...shape, action }, base)];
    default: {
      const unknown: never = action;
      throw new Error(`faultSteps: unknown fault ${String(unknown)}`);
    }
  }
}

/** When the fault is over (kill_links is a blip). */
export function faultEndMs(shape: Pick<FaultShape, 'action' | 'atMs' | 'durationMs'>): number {
  return shape.action === 'kill_links' ? shape.atMs : shape.atMs + shape.durationMs;
}

/**
 * Milliseconds to the next arrival of a Poisson process at `ratePerMinute`: exponential with mean
 * 60000/rate, whole ms, at least 1.
 */
export function nextArrivalGapMs(rng: Rng, ratePerMinute: number): number {
  const meanMs = 60_000 / ratePerMinute;
  return Math.max(1, Math.round(-Math.log(1 - rng.float()) * meanMs));
}
