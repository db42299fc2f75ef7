/**
 * fast-check arbitraries of valid resolved Scenarios (every field, every action, targets in range
 * for the drawn cluster, steps sorted by time) for the DSL round trip and for other helpers'
 * properties (crash files, shrinking, the generator). `scenarioArbitrary()` is the entry point.
 */
import fc from 'fast-check';
import { MAX_DURATION_MS } from '../../../core/dsl/index.ts';
import {
  FAILOVER_MODES,
  FAULT_ACTIONS,
  INVARIANT_NAMES,
  MESSAGE_TYPES,
  type Chaos,
  type ClusterConfig,
  type Group,
  type InvariantName,
  type Scenario,
  type Step,
  type StepSource,
  type Target,
  type Workload,
} from '../../../core/scenario/types.ts';

export interface ScenarioArbitraryOptions {
  /** Upper bounds, to keep scenarios small where a property runs them. @defaultValue 64, 8, 12 */
  maxShards?: number;
  maxReplicas?: number;
  maxSteps?: number;
}

const durationMs = (max = MAX_DURATION_MS) => fc.integer({ min: 0, max });
const smallDurationMs = fc.oneof(fc.integer({ min: 0, max: 120_000 }), durationMs());

/** Node, primary and replica targets that exist in a cluster of that shape (no add_node needed). */
function fixedTarget(numShards: number, replicas: number): fc.Arbitrary<Target> {
  const nodeCount = numShards * (1 + replicas);
  const options: fc.Arbitrary<Target>[] = [
    fc.integer({ min: 0, max: nodeCount - 1 }).map((k) => `node-${k}`),
    fc.integer({ min: 0, max: numShards - 1 }).map((i) => `shard-${i}-primary`),
  ];
  if (replicas > 0) {
    options.push(
      fc
        .tuple(fc.integer({ min: 0, max: numShards - 1 }), fc.integer({ min: 0, max: replicas - 1 }))
        .map(([i, j]) => `shard-${i}-replica-${j}`),
    );
  }
  return fc.oneof(...options);
}

const randomTarget = fc.constantFrom<Target>('random', 'random-primary', 'random-replica');

function anyTarget(numShards: number, replicas: number): fc.Arbitrary<Target> {
  return fc.oneof({ weight: 4, arbitrary: fixedTarget(numShards, replicas) }, { weight: 1, arbitrary: randomTarget });
}

/** Disjoint groups: distinct fixed targets cut into at least two groups, optionally one `rest`. */
function groupsArbitrary(numShards: number, replicas: number): fc.Arbitrary<Group[]> {
  return fc
    .tuple(
      fc.uniqueArray(fixedTarget(numShards, replicas), { minLength: 2, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      fc.boolean(),
      fc.nat(),
      fc.option(randomTarget, { nil: undefined }),
    )
    .map(([targets, cuts, withRest, restAt, random]) => {
      const groups: Group[] = [];
      let rest = [...targets];
      for (const cut of cuts) {
        if (rest.length < 2) break;
        const size = 1 + (cut % (rest.length - 1));
        groups.push(rest.slice(0, size));
        rest = rest.slice(size);
      }
      groups.push(rest);
      if (groups.length < 2) groups.splice(0, 1, [targets[0]!], targets.slice(1));
      if (random !== undefined) (groups[0] as Target[]).push(random);
      if (withRest) groups.splice(restAt % (groups.length + 1), 0, 'rest');
      return groups;
    });
}

/** `from`/`to` pairs; never `rest` on both sides. */
function sidesArbitrary(numShards: number, replicas: number): fc.Arbitrary<{ from: Group; to: Group }> {
  const list = fc.uniqueArray(anyTarget(numShards, replicas), { minLength: 1, maxLength: 4 });
  const side = fc.oneof(list, fc.constant<Group>(['all']), fc.constant<Group>('rest'));
  return fc
    .tuple(side, side)
    .map(([from, to]) => (from === 'rest' && to === 'rest' ? { from, to: ['all'] } : { from, to }));
}

function optionalDuration<K extends string>(key: K): fc.Arbitrary<Partial<Record<K, number>>> {
  return fc
    .option(smallDurationMs, { nil: undefined })
    .map((ms) => (ms === undefined ? {} : ({ [key]: ms } as Record<K, number>)));
}

/** The parameters of one step of each action (without `atMs`/`source`). */
function paramsArbitrary(numShards: number, replicas: number): fc.Arbitrary<Record<string, unknown>> {
  const target = anyTarget(numShards, replicas);
  const sides = sidesArbitrary(numShards, replicas);
  const kill = (action: 'kill' | 'terminate') =>
    fc.tuple(target, optionalDuration('restartAfterMs')).map(([t, d]) => ({ action, target: t, ...d }));
  return fc.oneof(
    kill('kill'),
    kill('terminate'),
    fc.tuple(target, smallDurationMs).map(([t, d]) => ({ action: 'pause', target: t, durationMs: d })),
    fc
      .constantFrom('restart', 'kill_links', 'bump_epoch')
      .chain((action) => target.map((t) => ({ action, target: t }))),
    fc
      .tuple(groupsArbitrary(numShards, replicas), fc.boolean(), optionalDuration('durationMs'))
      .map(([groups, oneway, d]) => ({ action: 'partition', groups, oneway, ...d })),
    fc.constant({ action: 'heal' }),
    fc
      .tuple(sides, smallDurationMs, smallDurationMs, optionalDuration('durationMs'))
      .map(([s, delayMs, jitterMs, d]) => ({ action: 'latency', ...s, delayMs, jitterMs, ...d })),
    fc
      .tuple(
        sides,
        fc.option(fc.shuffledSubarray([...MESSAGE_TYPES], { minLength: 1 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        optionalDuration('durationMs'),
      )
      .map(([s, types, probability, d]) => ({ action: 'drop', ...s, ...(types ? { types } : {}), probability, ...d })),
    fc.tuple(fc.constantFrom('hold', 'release'), sides).map(([action, s]) => ({ action, ...s })),
    fc.tuple(target, fc.constantFrom(...FAILOVER_MODES)).map(([t, mode]) => ({ action: 'failover', target: t, mode })),
    fc
      .tuple(fc.constantFrom('meet', 'forget'), target, target)
      .map(([action, t, other]) => ({ action, target: t, other })),
    fc.tuple(target, fc.boolean()).map(([t, hard]) => ({ action: 'reset', target: t, hard })),
    fc.tuple(target, target).map(([t, primary]) => ({ action: 'replicate', target: t, primary })),
    fc
      .option(fc.integer({ min: 0, max: numShards - 1 }), { nil: undefined })
      .map((shard) => ({ action: 'add_node', ...(shard === undefined ? {} : { shard }) })),
    fc
      .tuple(target, target, fc.integer({ min: 1, max: 16384 }))
      .map(([from, to, count]) => ({ action: 'migrate_slots', from, to, count })),
    smallDurationMs.map((timeoutMs) => ({ action: 'wait', until: 'converged', timeoutMs })),
  );
}

export function stepArbitrary(numShards: number, replicas: number): fc.Arbitrary<Step> {
  return fc
    .tuple(
      smallDurationMs,
      fc.option(fc.constantFrom<StepSource>('timeline', 'chaos', 'operations'), { nil: undefined }),
      fc.option(fc.boolean(), { nil: undefined }),
      paramsArbitrary(numShards, replicas),
    )
    .map(
      ([atMs, source, keepQuorum, params]) =>
        ({
          atMs,
          ...(source === undefined ? {} : { source }),
          ...(keepQuorum === undefined ? {} : { keepQuorum }),
          ...params,
        }) as Step,
    );
}

const serverConfigArbitrary = fc.dictionary(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  fc.string({ maxLength: 20 }).filter((value) => !/[\r\n]/.test(value)),
  { maxKeys: 4 },
);

export function clusterArbitrary(maxShards = 64, maxReplicas = 8): fc.Arbitrary<ClusterConfig> {
  return fc.record(
    {
      numShards: fc.integer({ min: 1, max: maxShards }),
      replicasPerShard: fc.integer({ min: 0, max: maxReplicas }),
      nodeTimeoutMs: fc.integer({ min: 1, max: MAX_DURATION_MS }),
      pingIntervalMs: smallDurationMs,
      replicaValidityFactor: fc.integer({ min: 0, max: 100 }),
      allowReplicaMigration: fc.boolean(),
      migrationBarrier: fc.integer({ min: 0, max: 10 }),
      requireFullCoverage: fc.boolean(),
      serverConfig: serverConfigArbitrary,
      basePort: fc.integer({ min: 1, max: 65535 }),
    },
    {
      requiredKeys: [
        'numShards',
        'replicasPerShard',
        'nodeTimeoutMs',
        'pingIntervalMs',
        'replicaValidityFactor',
        'allowReplicaMigration',
        'migrationBarrier',
        'requireFullCoverage',
        'serverConfig',
      ],
    },
  );
}

function workloadArbitrary(replicas: number): fc.Arbitrary<Workload | null> {
  return fc.option(
    fc.record({
      keys: fc.integer({ min: 1, max: 1_000_000 }),
      writesPerSec: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 1_000_000, noNaN: true })),
      waitReplicas: fc.integer({ min: 0, max: replicas }),
    }),
    { nil: null },
  );
}

const chaosArbitrary: fc.Arbitrary<Chaos | null> = fc.option(
  fc.tuple(smallDurationMs, smallDurationMs).chain(([a, b]) =>
    fc.record({
      rate: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.double({ min: 0, max: 60_000, noNaN: true })),
      types: fc.shuffledSubarray([...FAULT_ACTIONS], { minLength: 1 }),
      targets: fc.constantFrom('any', 'primaries', 'replicas'),
      maxConcurrent: fc.integer({ min: 1, max: 16 }),
      keepQuorum: fc.boolean(),
      untilMs: smallDurationMs,
      faultDurationMsMin: fc.constant(Math.min(a, b)),
      faultDurationMsMax: fc.constant(Math.max(a, b)),
    }),
  ),
  { nil: null },
);

export function scenarioArbitrary(options: ScenarioArbitraryOptions = {}): fc.Arbitrary<Scenario> {
  const { maxShards = 64, maxReplicas = 8, maxSteps = 12 } = options;
  return (
    clusterArbitrary(maxShards, maxReplicas)
      .chain((cluster) =>
        fc.record(
          {
            scenarioId: fc.stringMatching(/^[a-z0-9._-]{1,24}$/),
            seed: fc.oneof(fc.nat(), fc.maxSafeNat()),
            protocol: fc.constantFrom('valkey-8.0', 'redis-7.0'),
            cluster: fc.constant(cluster),
            workload: workloadArbitrary(cluster.replicasPerShard),
            timeline: fc
              .array(stepArbitrary(cluster.numShards, cluster.replicasPerShard), { maxLength: maxSteps })
              .map((steps) => [...steps].sort((a, b) => a.atMs - b.atMs)),
            chaos: chaosArbitrary,
            validation: fc.record({
              convergenceTimeoutMs: fc.integer({ min: 1, max: MAX_DURATION_MS }),
              invariants: fc.oneof(
                fc.constant<InvariantName[]>([...INVARIANT_NAMES]),
                fc.shuffledSubarray<InvariantName>([...INVARIANT_NAMES]),
              ),
            }),
            description: fc.string({ unit: 'binary', maxLength: 60 }),
          },
          {
            requiredKeys: ['scenarioId', 'seed', 'protocol', 'cluster', 'workload', 'timeline', 'chaos', 'validation'],
          },
        ),
      )
      // fc.record builds null-prototype objects; a Scenario is plain JSON-like data.
      .map((scenario) => structuredClone(scenario))
  );
}
