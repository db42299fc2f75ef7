/**
 * One interpreter of scenario semantics (core/scenario/semantics/), two backends that carry out
 * its decisions: each test runs one timeline through core's interpreter and through the
 * simulator's and the fault proxy's own rule stores (sim/link-rules.ts via sim/faults.ts and the
 * world, real/proxy/network-faults.ts via real/fault-actions.ts), and checks that all three
 * decide the same on every directed link. The settle window after the final heal is checked on a
 * simulated run here and on a real one in test/real/settle.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.ts';
import { decideLink, type LinkDecision, type LinkRule } from '../../../core/scenario/semantics/link-rules.ts';
import { settleMs } from '../../../core/scenario/semantics/lifecycle.ts';
import {
  BUS_MESSAGE_TYPES,
  busMessageTypeNumber,
  MESSAGE_TYPES,
} from '../../../core/scenario/semantics/message-types.ts';
import { minoritySides, partitionPairs, quorumSurvives } from '../../../core/scenario/semantics/partition.ts';
import { resolveGroups, type TopologyEntry } from '../../../core/scenario/targets.ts';
import { DEFAULT_CLUSTER, type Step, type StepOf } from '../../../core/scenario/types.ts';
import { messageTypeName } from '../../../real/proxy/frame-parser.ts';
import { NetworkFaults, type NetworkRule } from '../../../real/proxy/network-faults.ts';
import { partition as realPartition } from '../../../real/fault-actions.ts';
import type { StepContext } from '../../../real/step-context.ts';
import { FaultApplier } from '../../../sim/faults.ts';
import { MESSAGE_TYPE_NAMES, messageTypeByName } from '../../../sim/message.ts';
import type { TopologyTracker } from '../../../sim/topology-entries.ts';
import { World } from '../../../sim/world.ts';
import { SimRun } from '../../../sim/runner.ts';
import { loadScenarioFile } from '../../../core/dsl/load.ts';
import { scenarioPath } from '../../sim/helpers.ts';

const NODES = 6;
const NAMES = Array.from({ length: NODES }, (_, index) => `node-${index}`);

/** Three shards of a primary and a replica: node-0/2/4 primaries, node-1/3/5 their replicas. */
const TOPOLOGY: TopologyEntry[] = NAMES.map((name, index) => ({
  name,
  shard: Math.floor(index / 2),
  role: index % 2 === 0 ? 'primary' : 'replica',
  running: true,
  replicaIndex: index % 2 === 0 ? null : 0,
}));

/** The two backends' rule stores, side by side, with the same timeline applied to each. */
class Backends {
  readonly world = new World({ seed: 1, cluster: DEFAULT_CLUSTER, createdShards: [0, 0, 1, 1, 2, 2] });
  readonly faults = new FaultApplier(
    this.world,
    { entries: () => TOPOLOGY } as unknown as TopologyTracker,
    new Rng('semantics'),
  );
  readonly proxy = new NetworkFaults();
  private readonly context = {
    cluster: { network: this.proxy, nodeByName: (name: string) => ({ name }) },
    nowMs: () => 0,
    emit: () => {},
  } as unknown as StepContext;

  /** A step's start on both backends (partition through each backend's own partition code). */
  start(faultId: number, step: Step): void {
    this.faults.start(faultId, step);
    if (step.action === 'partition') {
      realPartition(this.context, step, resolveGroups(step.groups, TOPOLOGY, new Rng('groups')), faultId);
    } else if (step.action === 'heal') {
      this.proxy.clear();
    } else if (step.action === 'release') {
      this.proxy.release(sideNames(step.from), sideNames(step.to));
    } else if (step.action === 'latency' || step.action === 'drop' || step.action === 'hold') {
      this.proxy.add(faultId, sideNames(step.from), sideNames(step.to), proxyRule(step));
    }
  }

  /** A step's planned end on both backends. */
  end(faultId: number, step: Step): void {
    this.faults.end(faultId, step);
    this.proxy.removeFault(faultId);
  }

  /** Both backends' decision on from → to for a message of `type`. */
  decisions(from: number, to: number, type?: string): { sim: LinkDecision; real: LinkDecision; stopped: boolean[] } {
    const rules = this.world.network.rules;
    const sim = rules.decision(from, to, type);
    const real = decideLink(this.proxy.rulesFor(NAMES[from]!, NAMES[to]!) as LinkRule[], type);
    const stopped = [rules.blocked(from, to, true), this.proxy.isStopped(NAMES[from]!, NAMES[to]!, true)];
    return { sim, real, stopped };
  }
}

function sideNames(side: StepOf<'latency'>['from']): string[] {
  if (side === 'rest') throw new Error('test timelines name their nodes');
  return side.flatMap((target) => (target === 'all' ? NAMES : [target]));
}

function proxyRule(step: StepOf<'latency' | 'drop' | 'hold'>): NetworkRule {
  if (step.action === 'latency') return { kind: 'latency', delayMs: step.delayMs, jitterMs: step.jitterMs };
  if (step.action === 'drop')
    return { kind: 'drop', probability: step.probability, ...(step.types === undefined ? {} : { types: step.types }) };
  return { kind: 'hold' };
}

const NO_RULE: LinkDecision = { blocked: false, held: false, delayMs: 0, jitterMs: 0, dropProbabilities: [] };

/** Every directed pair: both backends decide what core's reference says. */
function expectEveryLink(backends: Backends, expected: (from: number, to: number) => LinkDecision, type?: string) {
  for (let from = 0; from < NODES; from++) {
    for (let to = 0; to < NODES; to++) {
      if (from === to) continue;
      const { sim, real, stopped } = backends.decisions(from, to, type);
      const want = expected(from, to);
      expect({ link: `${from}->${to}`, ...sim }).toEqual({ link: `${from}->${to}`, ...want });
      expect({ link: `${from}->${to}`, ...real }).toEqual({ link: `${from}->${to}`, ...want });
      expect(stopped).toEqual([want.blocked || want.held, want.blocked || want.held]);
    }
  }
}

describe('scenario semantics: one interpreter in core, two backends', () => {
  it('partition pairs with rest: both backends cut exactly the pairs core computes, two-way and one-way', () => {
    for (const oneway of [false, true]) {
      const backends = new Backends();
      const step: StepOf<'partition'> = {
        atMs: 0,
        action: 'partition',
        groups: [['node-0', 'node-3'], 'rest'],
        oneway,
      };
      const groups = resolveGroups(step.groups, TOPOLOGY, new Rng('groups'));
      expect(groups).toEqual([
        ['node-0', 'node-3'],
        ['node-1', 'node-2', 'node-4', 'node-5'],
      ]);
      const cut = new Set(partitionPairs(groups, oneway).map(([a, b]) => `${a}>${b}`));
      expect(cut.size).toBe(oneway ? 8 : 16);
      backends.start(1, step);
      expectEveryLink(backends, (from, to) => ({ ...NO_RULE, blocked: cut.has(`${NAMES[from]}>${NAMES[to]}`) }));
      backends.end(1, step);
      expectEveryLink(backends, () => NO_RULE);
    }
  });

  it('minority sides and keep_quorum are one rule for both backends (core partition.ts)', () => {
    const voting = (name: string) => TOPOLOGY.find((entry) => entry.name === name)?.role === 'primary';
    expect(
      minoritySides(
        [
          ['node-0', 'node-1'],
          ['node-2', 'node-3', 'node-4'],
        ],
        voting,
      ),
    ).toEqual(['node-0', 'node-1']);
    // A tie keeps the first group as the majority side.
    expect(minoritySides([['node-0'], ['node-2']], voting)).toEqual(['node-2']);
    expect(quorumSurvives(['node-0', 'node-2', 'node-4'], (name) => name === 'node-0')).toBe(true);
    expect(quorumSurvives(['node-0', 'node-2', 'node-4'], (name) => name !== 'node-4')).toBe(false);
  });

  it('overlapping latency: the newest rule in force sets the delay on both backends; the older one returns when it ends', () => {
    const backends = new Backends();
    const slow: StepOf<'latency'> = {
      atMs: 0,
      action: 'latency',
      from: ['node-0'],
      to: ['node-1'],
      delayMs: 100,
      jitterMs: 0,
    };
    const slower: StepOf<'latency'> = {
      atMs: 0,
      action: 'latency',
      from: ['node-0'],
      to: ['node-1', 'node-2'],
      delayMs: 300,
      jitterMs: 20,
    };
    const on = (pairs: string[], delayMs: number, jitterMs: number) => (from: number, to: number) =>
      pairs.includes(`${from}->${to}`) ? { ...NO_RULE, delayMs, jitterMs } : NO_RULE;
    backends.start(1, slow);
    expectEveryLink(backends, on(['0->1'], 100, 0));
    backends.start(2, slower);
    expectEveryLink(backends, (from, to) =>
      from === 0 && (to === 1 || to === 2) ? { ...NO_RULE, delayMs: 300, jitterMs: 20 } : NO_RULE,
    );
    // What a message on the simulated link gets, jitter drawn as 0: the newest rule's delay, not the sum.
    const zero = { int: () => 0, float: () => 0 } as unknown as Rng;
    expect(backends.world.network.rules.drawDelayMs(0, 1, zero)).toBe(300);
    backends.end(2, slower);
    expectEveryLink(backends, on(['0->1'], 100, 0));
    backends.end(1, slow);
    expectEveryLink(backends, () => NO_RULE);
  });

  it('hold and release: a hold stops the bus on both backends; release ends every hold on the link, a partition stays', () => {
    const backends = new Backends();
    const hold: StepOf<'hold'> = { atMs: 0, action: 'hold', from: ['node-0'], to: ['node-1'] };
    backends.start(1, hold);
    backends.start(2, hold);
    expectEveryLink(backends, (from, to) => (from === 0 && to === 1 ? { ...NO_RULE, held: true } : NO_RULE));
    const cut: StepOf<'partition'> = { atMs: 0, action: 'partition', groups: [['node-0'], ['node-1']], oneway: true };
    backends.start(3, cut);
    backends.start(4, { atMs: 0, action: 'release', from: ['node-0'], to: ['node-1'] });
    expectEveryLink(backends, (from, to) => (from === 0 && to === 1 ? { ...NO_RULE, blocked: true } : NO_RULE));
    backends.start(5, { atMs: 0, action: 'heal' });
    expectEveryLink(backends, () => NO_RULE);
  });

  it('drop rules: one independent chance per rule that names the type, on both backends', () => {
    const backends = new Backends();
    backends.start(1, { atMs: 0, action: 'drop', from: ['node-0'], to: ['node-1'], probability: 0.5, types: ['ping'] });
    backends.start(2, { atMs: 0, action: 'drop', from: ['node-0'], to: ['node-1'], probability: 0.25 });
    expectEveryLink(
      backends,
      (from, to) => (from === 0 && to === 1 ? { ...NO_RULE, dropProbabilities: [0.5, 0.25] } : NO_RULE),
      'ping',
    );
    expectEveryLink(
      backends,
      (from, to) => (from === 0 && to === 1 ? { ...NO_RULE, dropProbabilities: [0.25] } : NO_RULE),
      'pong',
    );
  });

  it('bus message types: one table, numbered as Valkey numbers them, read the same by both backends', () => {
    for (const [number, name] of BUS_MESSAGE_TYPES.entries()) {
      expect(messageTypeName(number)).toBe(name);
      expect(messageTypeName(number | 0x8000)).toBe(name);
      expect(busMessageTypeNumber(name)).toBe(number);
    }
    for (const name of MESSAGE_TYPES) {
      const number = messageTypeByName(name);
      expect(MESSAGE_TYPE_NAMES[number]).toBe(name);
      expect(BUS_MESSAGE_TYPES[number]).toBe(name);
    }
    expect(messageTypeName(11)).toBe('unknown');
  });

  it('settle after heal: the simulator checks convergence first settleMs after the final heal, never before', () => {
    const lines: string[] = [];
    const run = new SimRun(loadScenarioFile(scenarioPath('action-heal')), { onTraceLine: (line) => lines.push(line) });
    run.runSteps(20_000_000);
    const result = run.result(false);
    const healedAtMs = result.stats.healed_at_ms!;
    const convergedAtMs = result.stats.converged_at_ms!;
    expect(healedAtMs).toBeGreaterThan(0);
    expect(convergedAtMs - healedAtMs).toBeGreaterThanOrEqual(settleMs(run.scenario));
    const checks = lines.filter((line) => line.includes('convergence check:')).map((line) => Number.parseInt(line, 10));
    expect(checks.length).toBeGreaterThan(0);
    for (const atMs of checks) expect(atMs - healedAtMs).toBeGreaterThanOrEqual(settleMs(run.scenario));
  });
});
