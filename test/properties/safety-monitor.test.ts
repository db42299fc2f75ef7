/**
 * The incremental safety monitor (what the simulator runs on every step) agrees with the pure
 * safety invariants: the same event sequence gives the same first finding. The main run, with
 * event mixes per invariant, is test/core/invariants/safety-monitor.test.ts; here the same
 * statement over a small mix (votes, wins, node states, kills, restarts, pauses) with the real
 * monitor and with two broken ones, to show it fails: a monitor that flags any second vote of a
 * voter (a checker that mistakes "one vote per epoch" for "one vote"), and one that never hears of
 * kills (so a restarted voter's second vote gets the wrong fingerprint).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../core/events.ts';
import { createSafetyMonitor, invariantByName, type SafetyMonitor } from '../../core/invariants/index.ts';
import { DEFAULT_CLUSTER, SAFETY_INVARIANTS, type InvariantName, type Scenario } from '../../core/scenario/types.ts';
import { finding, type Finding } from '../../core/violation.ts';
import { expectPropertyFails, fcParams, seeded } from '../fc-config.ts';

const node = fc.constantFrom('node-0', 'node-1', 'node-2');
const epoch = fc.integer({ min: 1, max: 3 });

/** Few nodes and epochs, so votes collide and restarts fall between them. */
const eventArbitrary: fc.Arbitrary<ObservedEvent> = fc.oneof(
  fc.record({ kind: fc.constant('vote-granted' as const), atMs: fc.constant(0), voter: node, candidate: node, epoch }),
  fc.record({ kind: fc.constant('election-won' as const), atMs: fc.constant(0), node, epoch, consensus: fc.boolean() }),
  fc.record({
    kind: fc.constant('node-state' as const),
    atMs: fc.constant(0),
    node,
    role: fc.constantFrom('primary' as const, 'replica' as const),
    primary: fc.option(node, { nil: null }),
    currentEpoch: epoch,
    configEpoch: epoch,
    slotCount: fc.constantFrom(0, 100),
  }),
  fc.record({
    kind: fc.constant('node-down' as const),
    atMs: fc.constant(0),
    node,
    cause: fc.constantFrom('kill' as const, 'terminate' as const, 'pause' as const),
    wasPrimary: fc.boolean(),
    eligibleReplicas: fc.constant([]),
  }),
  fc.record({ kind: fc.constant('node-up' as const), atMs: fc.constant(0), node }),
) as fc.Arbitrary<ObservedEvent>;

const eventsArbitrary = fc
  .array(eventArbitrary, { maxLength: 16 })
  .map((events) => events.map((event, index) => ({ ...event, atMs: index * 10 })));

function scenarioWith(invariants: InvariantName[]): Scenario {
  return {
    scenarioId: 'monitor',
    seed: 1,
    protocol: 'valkey-8.0',
    cluster: { ...DEFAULT_CLUSTER },
    workload: null,
    timeline: [],
    chaos: null,
    validation: { convergenceTimeoutMs: 30_000, invariants },
  };
}

type MonitorOf = (scenario: Scenario) => SafetyMonitor;

function firstFinding(monitor: SafetyMonitor, events: readonly ObservedEvent[]): Finding | null {
  for (const event of events) {
    const found = monitor.observe(event);
    if (found !== null) return found;
  }
  return null;
}

function monitorAgreesProperty(monitorOf: MonitorOf) {
  return fc.property(eventsArbitrary, fc.constantFrom(...SAFETY_INVARIANTS), (events, name) => {
    const scenario = scenarioWith([name]);
    const pure = invariantByName(name).check({ scenario, views: [], events });
    expect(firstFinding(monitorOf(scenario), events)).toEqual(pure);
  });
}

/** Deliberately wrong: one vote per voter, not one per voter and epoch. */
const anySecondVote: MonitorOf = (scenario) => {
  const real = createSafetyMonitor(scenario);
  const voters = new Set<string>();
  return {
    observe(event) {
      const found = real.observe(event);
      if (
        found !== null ||
        event.kind !== 'vote-granted' ||
        !scenario.validation.invariants.includes('one-vote-per-epoch')
      )
        return found;
      if (!voters.has(event.voter)) {
        voters.add(event.voter);
        return null;
      }
      return finding('one-vote-per-epoch', 'candidates=different,voter-restarted=no', `${event.voter} voted again`, [
        event.voter,
      ]);
    },
  };
};

/** Deliberately wrong: kills and terminations never reach the monitor. */
const deafToKills: MonitorOf = (scenario) => {
  const real = createSafetyMonitor(scenario);
  return { observe: (event) => (event.kind === 'node-down' ? null : real.observe(event)) };
};

describe(seeded('safety monitor agrees with the pure safety invariants'), () => {
  it('same first finding for every safety invariant', () => {
    fc.assert(monitorAgreesProperty(createSafetyMonitor), fcParams(1000));
  });

  it('the property fails when the monitor flags any second vote of a voter', () => {
    expectPropertyFails(monitorAgreesProperty(anySecondVote), 1000);
  });

  it('the property fails when the monitor never hears of kills', () => {
    expectPropertyFails(monitorAgreesProperty(deafToKills), 1000);
  });
});
