/** Loading: defaults, durations, ordering, valkey-fuzzer expansion, and how problems are reported. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CHAOS,
  formatDuration,
  loadScenarioFile,
  loadScenarioText,
  parseDuration,
  scenarioFromDocument,
  ScenarioError,
} from '../../../core/dsl/index.ts';
import { DEFAULT_CLUSTER, DEFAULT_CONVERGENCE_TIMEOUT_MS, INVARIANT_NAMES } from '../../../core/scenario/types.ts';

function problemsOf(load: () => unknown): ScenarioError {
  try {
    load();
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

describe('durations', () => {
  it.each([
    [1500, 1500],
    ['500ms', 500],
    ['2s', 2000],
    ['1.5s', 1500],
    ['1m', 60000],
    ['.5s', 500],
    [0, 0],
    ['250', 250],
  ])('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, ms });
  });

  it.each([
    [-1],
    ['-2s'],
    [Number.NaN],
    [Infinity],
    ['2 parsecs'],
    ['1h'],
    [0.5],
    ['0.5ms'],
    [true],
    [null],
    [2 ** 31],
  ])('%j is rejected', (input) => {
    expect(parseDuration(input).ok).toBe(false);
  });

  it('bare numbers can mean seconds (valkey-fuzzer), rounded to whole ms', () => {
    expect(parseDuration(1.0005, 1000)).toEqual({ ok: true, ms: 1001 });
    expect(parseDuration('60.0', 1000)).toEqual({ ok: true, ms: 60000 });
    expect(parseDuration('60ms', 1000)).toEqual({ ok: true, ms: 60 });
  });

  it('formats the shortest exact spelling', () => {
    expect([0, 1, 999, 1000, 1500, 60000, 90000, 120000].map(formatDuration)).toEqual([
      '0ms',
      '1ms',
      '999ms',
      '1s',
      '1500ms',
      '1m',
      '90s',
      '2m',
    ]);
  });
});

describe('defaults', () => {
  it('a scenario with only an id gets every default', () => {
    expect(loadScenarioText('scenario_id: tiny\n')).toStrictEqual({
      scenarioId: 'tiny',
      seed: 0,
      protocol: 'valkey-8.0',
      cluster: { ...DEFAULT_CLUSTER, serverConfig: {} },
      workload: null,
      timeline: [],
      chaos: null,
      validation: { convergenceTimeoutMs: DEFAULT_CONVERGENCE_TIMEOUT_MS, invariants: [...INVARIANT_NAMES] },
    });
  });

  it('chaos: {} and workload: {} turn on the defaults', () => {
    const scenario = loadScenarioText('scenario_id: x\ncluster: {replicas_per_shard: 0}\nchaos: {}\nworkload: {}\n');
    expect(scenario.chaos).toStrictEqual(DEFAULT_CHAOS);
    expect(scenario.workload).toStrictEqual({ keys: 1000, writesPerSec: 100, waitReplicas: 0 });
  });

  it('step parameters get their defaults', () => {
    const scenario = loadScenarioText(`scenario_id: x
timeline:
  - {at: 0, action: partition, groups: [node-0, rest]}
  - {at: 0, action: latency, from: node-0, to: all, delay: 5ms}
  - {at: 0, action: drop, from: node-0, to: rest}
  - {at: 0, action: failover, target: shard-0-replica-0}
  - {at: 0, action: reset, target: node-1}
  - {at: 0, action: wait}
`);
    expect(scenario.timeline).toStrictEqual([
      { atMs: 0, action: 'partition', groups: [['node-0'], 'rest'], oneway: false },
      { atMs: 0, action: 'latency', from: ['node-0'], to: ['all'], delayMs: 5, jitterMs: 0 },
      { atMs: 0, action: 'drop', from: ['node-0'], to: 'rest', probability: 1 },
      { atMs: 0, action: 'failover', target: 'shard-0-replica-0', mode: 'default' },
      { atMs: 0, action: 'reset', target: 'node-1', hard: false },
      { atMs: 0, action: 'wait', until: 'converged', timeoutMs: 30000 },
    ]);
  });

  it('server_config values are kept as valkey.conf text', () => {
    const scenario = loadScenarioText(
      'scenario_id: x\ncluster:\n  server_config: {appendonly: true, hz: 10, save: ""}\n',
    );
    expect(scenario.cluster.serverConfig).toStrictEqual({ appendonly: 'yes', hz: '10', save: '' });
  });
});

describe('timeline', () => {
  it('steps sort by time, keeping file order at equal times', () => {
    const scenario = loadScenarioText(`scenario_id: x
timeline:
  - {at: 2s, action: heal}
  - {at: 1s, action: kill, target: node-0}
  - {at: 2s, action: restart, target: node-0}
  - {at: 1000, action: kill, target: node-1}
`);
    expect(scenario.timeline.map((step) => [step.atMs, step.action])).toEqual([
      [1000, 'kill'],
      [1000, 'kill'],
      [2000, 'heal'],
      [2000, 'restart'],
    ]);
    expect(scenario.timeline.slice(0, 2).map((step) => (step as { target: string }).target)).toEqual([
      'node-0',
      'node-1',
    ]);
  });

  it('add_node steps make room for node-K and replica targets they create', () => {
    const yaml = (extra: string) =>
      `scenario_id: x\ncluster: {num_shards: 2, replicas_per_shard: 0}\ntimeline:\n  - {at: 1s, action: add_node, shard: 1}\n${extra}`;
    expect(() => loadScenarioText(yaml('  - {at: 2s, action: kill, target: node-2}\n'))).not.toThrow();
    expect(() => loadScenarioText(yaml('  - {at: 2s, action: kill, target: shard-1-replica-0}\n'))).not.toThrow();
    expect(() => loadScenarioText(yaml('  - {at: 2s, action: kill, target: shard-0-replica-0}\n'))).toThrow(
      /shard 0 has 0 replicas/,
    );
    expect(() => loadScenarioText(yaml('  - {at: 2s, action: kill, target: node-3}\n'))).toThrow(
      /the cluster has 3 nodes/,
    );
  });

  it('random-* may repeat in a group; rest as a one-element group string', () => {
    const scenario = loadScenarioText(
      'scenario_id: x\ntimeline:\n  - {at: 0, action: partition, groups: [[random, random], rest]}\n',
    );
    expect(scenario.timeline[0]).toMatchObject({ groups: [['random', 'random'], 'rest'] });
  });
});

describe('valkey-fuzzer documents', () => {
  const doc = `scenario_id: vf
cluster: {num_shards: 3, replicas_per_shard: 1}
operations:
  - type: failover
    target_node: shard-0-primary
    parameters: {force: true}
    timing: {delay_before: 1.0, timeout: 5.0, delay_after: 2.0}
  - type: failover
    target_node: shard-1-primary
    timing: {delay_before: 0.5, timeout: 3, delay_after: 0}
chaos:
  type: process_kill
  process_chaos_type: sigterm
  target_selection: {strategy: specific, node: node-2}
  timing: {delay_before_operation: 0.25, delay_after_operation: 1, chaos_duration: 4}
  coordination: {chaos_before_operation: true, chaos_during_operation: false, chaos_after_operation: true}
validation:
  check_replica_sync: false
  check_slot_conflicts: false
  convergence_timeout: 12
`;

  it('operations run in sequence, chaos lands before/after each per the coordination flags', () => {
    const scenario = loadScenarioText(doc);
    // op 1 at 1s (budget 5s, then 2s: next cursor 8s); op 2 at 8.5s.
    expect(scenario.timeline).toStrictEqual([
      { atMs: 750, source: 'operations', action: 'terminate', target: 'node-2', restartAfterMs: 4000 },
      { atMs: 1000, source: 'operations', action: 'failover', target: 'shard-0-replica-0', mode: 'force' },
      { atMs: 7000, source: 'operations', action: 'terminate', target: 'node-2', restartAfterMs: 4000 },
      { atMs: 8250, source: 'operations', action: 'terminate', target: 'node-2', restartAfterMs: 4000 },
      { atMs: 8500, source: 'operations', action: 'failover', target: 'shard-1-replica-0', mode: 'default' },
      { atMs: 12500, source: 'operations', action: 'terminate', target: 'node-2', restartAfterMs: 4000 },
    ]);
    expect(scenario.chaos).toBeNull();
  });

  it('bare validation numbers are seconds, and check_* false turns invariants off', () => {
    const scenario = loadScenarioText(doc);
    expect(scenario.validation.convergenceTimeoutMs).toBe(12000);
    expect(scenario.validation.invariants).toEqual(
      INVARIANT_NAMES.filter((name) => name !== 'replicas-consistent' && name !== 'views-agree'),
    );
  });

  it('in our own documents bare validation numbers stay milliseconds', () => {
    expect(
      loadScenarioText('scenario_id: x\nvalidation: {convergence_timeout: 12}\n').validation.convergenceTimeoutMs,
    ).toBe(12);
  });

  it('a failover of a shard without replicas is a problem', () => {
    const error = problemsOf(() =>
      loadScenarioText(
        'scenario_id: x\ncluster: {replicas_per_shard: 0}\noperations:\n  - {type: failover, target_node: shard-0-primary}\n',
      ),
    );
    expect(error.problems).toMatchObject([{ line: 4, path: 'operations[0].target_node' }]);
  });
});

describe('problems', () => {
  it('lists every problem, one line each, in file order', () => {
    const error = problemsOf(() =>
      loadScenarioText(
        `scenario_id: Bad
cluster:
  num_shards: 0
  node_timout: 1s
timeline:
  - {at: -1, action: explode}
  - {at: 1s, action: kill, target: nobody}
`,
        'many.yaml',
      ),
    );
    expect(error.message.split('\n')).toEqual([
      expect.stringMatching(/^many\.yaml:1:14: scenario_id: /),
      expect.stringMatching(/^many\.yaml:3:15: cluster\.num_shards: expected an integer 1\.\.64, found 0$/),
      expect.stringMatching(
        /^many\.yaml:4:3: cluster\.node_timout: unknown field 'node_timout'; did you mean 'node_timeout'\?$/,
      ),
      expect.stringMatching(/^many\.yaml:6:10: timeline\[0\]\.at: /),
      expect.stringMatching(/^many\.yaml:6:22: timeline\[0\]\.action: .*found unknown action 'explode'/),
      expect.stringMatching(/^many\.yaml:7:36: timeline\[1\]\.target: .*unknown target 'nobody'/),
    ]);
  });

  it('an unknown action suggests the closest one', () => {
    expect(
      problemsOf(() => loadScenarioText('scenario_id: x\ntimeline:\n  - {at: 0, action: partiton}\n')).message,
    ).toMatch(/did you mean 'partition'\?/);
  });

  it('a missing file is a ScenarioError naming it', () => {
    const error = problemsOf(() => loadScenarioFile('/nonexistent/dir/missing.yaml'));
    expect(error.kind).toBe('input');
    expect(error.message).toBe('/nonexistent/dir/missing.yaml: (file): cannot read the scenario file (ENOENT)');
  });

  it('a parsed document (crash file) gets prefixed paths and no line numbers', () => {
    const error = problemsOf(() =>
      scenarioFromDocument(
        {
          scenario_id: 'x',
          timeline: [
            { at: 0, action: 'heal' },
            { at: 0, action: 'heal' },
            { at: 0, action: 'kill', target: 'node-77' },
          ],
        },
        'crash.json',
        'scenario',
      ),
    );
    expect(error.problems).toEqual([
      { file: 'crash.json', path: 'scenario.timeline[2].target', message: expect.stringContaining('node-77') },
    ]);
    expect(error.message).toMatch(/^crash\.json: scenario\.timeline\[2\]\.target: /);
  });

  it('an empty file and a multi-document stream are ScenarioErrors', () => {
    expect(problemsOf(() => loadScenarioText('', 'empty.yaml')).message).toBe(
      'empty.yaml:1:1: (top level): expected a map of fields, found null (an empty value)',
    );
    expect(problemsOf(() => loadScenarioText('---\na: 1\n---\nb: 2\n')).problems[0]!.path).toBe('(yaml)');
  });
});
