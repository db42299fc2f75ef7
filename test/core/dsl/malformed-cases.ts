/**
 * Malformed scenarios as data: each must fail to load with a ScenarioError naming `line` and the
 * field `path`. Exported so the CLI's tests (`busfuzz validate`, exit 2) can reuse them.
 * Every case after the first few is the 4-line BASE document (a valid 3x1 cluster) plus the
 * lines that break it, so line numbers count from 5 for the added text.
 */
export interface MalformedCase {
  name: string;
  yaml: string;
  /** 1-based line of the offending node. */
  line: number;
  /** The field path the problem names (`cluster.num_shards`, `timeline[0].target`). */
  path: string;
}

const BASE = 'scenario_id: bad\ncluster:\n  num_shards: 3\n  replicas_per_shard: 1\n';

/** BASE plus a timeline holding the given step lines (line 5 is `timeline:`, 6 the first step). */
function step(...lines: string[]): string {
  return `${BASE}timeline:\n${lines.map((line, i) => (i === 0 ? `  - ${line}` : `    ${line}`)).join('\n')}\n`;
}

export const MALFORMED_CASES: MalformedCase[] = [
  {
    name: 'bad YAML syntax: unclosed flow list',
    yaml: 'scenario_id: x\ncluster: [1, 2\nseed: 3\n',
    line: 3,
    path: '(yaml)',
  },
  {
    name: 'bad YAML syntax: tab indentation',
    yaml: 'scenario_id: x\ncluster:\n\tnum_shards: 3\n',
    line: 3,
    path: '(yaml)',
  },
  { name: 'duplicate key', yaml: 'scenario_id: x\nseed: 1\nseed: 2\n', line: 3, path: '(yaml)' },
  { name: 'top level is a list', yaml: '- scenario_id: x\n', line: 1, path: '(top level)' },
  { name: 'missing scenario_id', yaml: 'seed: 1\ncluster:\n  num_shards: 3\n', line: 1, path: 'scenario_id' },
  { name: 'scenario_id with upper case and spaces', yaml: 'scenario_id: Kill Primary\n', line: 1, path: 'scenario_id' },
  { name: 'scenario_id is a number', yaml: 'seed: 1\nscenario_id: 42\n', line: 2, path: 'scenario_id' },
  { name: 'negative seed', yaml: 'scenario_id: x\nseed: -1\n', line: 2, path: 'seed' },
  { name: 'fractional seed', yaml: 'scenario_id: x\nseed: 1.5\n', line: 2, path: 'seed' },
  { name: 'unknown protocol', yaml: 'scenario_id: x\nprotocol: valkey-9.9\n', line: 2, path: 'protocol' },
  { name: 'unknown top-level field', yaml: 'scenario_id: x\ntimelines: []\n', line: 2, path: 'timelines' },
  { name: 'num_shards 0', yaml: 'scenario_id: x\ncluster:\n  num_shards: 0\n', line: 3, path: 'cluster.num_shards' },
  { name: 'num_shards 65', yaml: 'scenario_id: x\ncluster:\n  num_shards: 65\n', line: 3, path: 'cluster.num_shards' },
  {
    name: 'num_shards as a string',
    yaml: 'scenario_id: x\ncluster:\n  num_shards: "3"\n',
    line: 3,
    path: 'cluster.num_shards',
  },
  {
    name: 'replicas_per_shard 9',
    yaml: 'scenario_id: x\ncluster:\n  replicas_per_shard: 9\n',
    line: 3,
    path: 'cluster.replicas_per_shard',
  },
  {
    name: 'misspelt cluster field',
    yaml: 'scenario_id: x\ncluster:\n  node_timout: 5s\n',
    line: 3,
    path: 'cluster.node_timout',
  },
  {
    name: 'duration "2 parsecs"',
    yaml: 'scenario_id: x\ncluster:\n  node_timeout: 2 parsecs\n',
    line: 3,
    path: 'cluster.node_timeout',
  },
  {
    name: 'negative node_timeout',
    yaml: 'scenario_id: x\ncluster:\n  node_timeout: -500ms\n',
    line: 3,
    path: 'cluster.node_timeout',
  },
  {
    name: 'fractional milliseconds',
    yaml: 'scenario_id: x\ncluster:\n  ping_interval: 0.5\n',
    line: 3,
    path: 'cluster.ping_interval',
  },
  {
    name: 'allow_replica_migration is yes',
    yaml: 'scenario_id: x\ncluster:\n  allow_replica_migration: yes\n',
    line: 3,
    path: 'cluster.allow_replica_migration',
  },
  {
    name: 'server_config value is a list',
    yaml: 'scenario_id: x\ncluster:\n  server_config:\n    save: [1, 2]\n',
    line: 4,
    path: 'cluster.server_config.save',
  },
  {
    name: 'wait_replicas above replicas_per_shard',
    yaml: `${BASE}workload:\n  keys: 10\n  wait_replicas: 2\n`,
    line: 7,
    path: 'workload.wait_replicas',
  },
  { name: 'workload keys 0', yaml: `${BASE}workload:\n  keys: 0\n`, line: 6, path: 'workload.keys' },
  { name: 'timeline is a map', yaml: `${BASE}timeline:\n  at: 1s\n`, line: 6, path: 'timeline' },
  { name: 'unknown action', yaml: step('at: 1s', 'action: explode'), line: 7, path: 'timeline[0].action' },
  { name: 'missing action', yaml: step('at: 1s', 'target: node-0'), line: 6, path: 'timeline[0].action' },
  { name: 'missing at', yaml: step('action: heal'), line: 6, path: 'timeline[0].at' },
  { name: 'negative at', yaml: step('at: -1s', 'action: heal'), line: 6, path: 'timeline[0].at' },
  {
    name: 'unknown target',
    yaml: step('at: 1s', 'action: kill', 'target: shard-0-leader'),
    line: 8,
    path: 'timeline[0].target',
  },
  {
    name: 'node-99 out of range',
    yaml: step('at: 1s', 'action: kill', 'target: node-99'),
    line: 8,
    path: 'timeline[0].target',
  },
  {
    name: 'shard index out of range',
    yaml: step('at: 1s', 'action: pause', 'target: shard-3-primary', 'duration: 1s'),
    line: 8,
    path: 'timeline[0].target',
  },
  {
    name: 'replica index out of range',
    yaml: step('at: 1s', 'action: kill', 'target: shard-0-replica-1'),
    line: 8,
    path: 'timeline[0].target',
  },
  { name: 'missing target', yaml: step('at: 1s', 'action: kill'), line: 6, path: 'timeline[0].target' },
  {
    name: 'parameter of another action',
    yaml: step('at: 1s', 'action: kill', 'target: node-0', 'duration: 2s'),
    line: 9,
    path: 'timeline[0].duration',
  },
  {
    name: 'misspelt step parameter',
    yaml: step('at: 1s', 'action: kill', 'target: node-0', 'restart_afer: 2s'),
    line: 9,
    path: 'timeline[0].restart_afer',
  },
  {
    name: 'pause without duration',
    yaml: step('at: 1s', 'action: pause', 'target: node-0'),
    line: 6,
    path: 'timeline[0].duration',
  },
  {
    name: 'group names a node twice',
    yaml: step('at: 1s', 'action: partition', 'groups: [[node-0, node-0], rest]'),
    line: 8,
    path: 'timeline[0].groups[0][1]',
  },
  {
    name: 'a node in two groups',
    yaml: step('at: 1s', 'action: partition', 'groups: [[node-0], [node-1, node-0]]'),
    line: 8,
    path: 'timeline[0].groups[1]',
  },
  {
    name: 'two rests',
    yaml: step('at: 1s', 'action: partition', 'groups: [[node-0], rest, rest]'),
    line: 8,
    path: 'timeline[0].groups[2]',
  },
  {
    name: 'one group only',
    yaml: step('at: 1s', 'action: partition', 'groups: [[node-0]]'),
    line: 8,
    path: 'timeline[0].groups',
  },
  {
    name: 'empty group',
    yaml: step('at: 1s', 'action: partition', 'groups: [[], rest]'),
    line: 8,
    path: 'timeline[0].groups[0]',
  },
  {
    name: 'oneway is a string',
    yaml: step('at: 1s', 'action: partition', 'groups: [[node-0], rest]', 'oneway: "no"'),
    line: 9,
    path: 'timeline[0].oneway',
  },
  {
    name: 'probability 2',
    yaml: step('at: 1s', 'action: drop', 'from: node-0', 'to: rest', 'probability: 2'),
    line: 10,
    path: 'timeline[0].probability',
  },
  {
    name: 'bad message type',
    yaml: step('at: 1s', 'action: drop', 'from: all', 'to: all', 'types: [ping, pang]'),
    line: 10,
    path: 'timeline[0].types[1]',
  },
  {
    name: 'from and to both rest',
    yaml: step('at: 1s', 'action: hold', 'from: rest', 'to: rest'),
    line: 9,
    path: 'timeline[0].to',
  },
  {
    name: 'all inside a list',
    yaml: step('at: 1s', 'action: release', 'from: [node-0, all]', 'to: rest'),
    line: 8,
    path: 'timeline[0].from[1]',
  },
  {
    name: 'bad failover mode',
    yaml: step('at: 1s', 'action: failover', 'target: shard-0-replica-0', 'mode: gentle'),
    line: 9,
    path: 'timeline[0].mode',
  },
  {
    name: 'latency delay unparseable',
    yaml: step('at: 1s', 'action: latency', 'from: node-0', 'to: node-1', 'delay: soon'),
    line: 10,
    path: 'timeline[0].delay',
  },
  {
    name: 'migrate_slots count 0',
    yaml: step('at: 1s', 'action: migrate_slots', 'from: shard-0-primary', 'to: shard-1-primary', 'count: 0'),
    line: 10,
    path: 'timeline[0].count',
  },
  {
    name: 'wait until something else',
    yaml: step('at: 1s', 'action: wait', 'until: quiet'),
    line: 8,
    path: 'timeline[0].until',
  },
  {
    name: 'add_node to a missing shard',
    yaml: step('at: 1s', 'action: add_node', 'shard: 3'),
    line: 8,
    path: 'timeline[0].shard',
  },
  {
    name: 'bad invariant name',
    yaml: `${BASE}validation:\n  invariants: [epoch-order, no-split-brain]\n`,
    line: 6,
    path: 'validation.invariants[1]',
  },
  {
    name: 'invariants is a number',
    yaml: `${BASE}validation:\n  invariants: 3\n`,
    line: 6,
    path: 'validation.invariants',
  },
  {
    name: 'convergence_timeout NaN',
    yaml: `${BASE}validation:\n  convergence_timeout: .nan\n`,
    line: 6,
    path: 'validation.convergence_timeout',
  },
  {
    name: 'chaos type not a fault',
    yaml: `${BASE}chaos:\n  types: [kill, failover]\n`,
    line: 6,
    path: 'chaos.types[1]',
  },
  { name: 'chaos targets unknown', yaml: `${BASE}chaos:\n  targets: leaders\n`, line: 6, path: 'chaos.targets' },
  {
    name: 'chaos fault durations reversed',
    yaml: `${BASE}chaos:\n  fault_duration_min: 5s\n  fault_duration_max: 1s\n`,
    line: 7,
    path: 'chaos.fault_duration_max',
  },
  {
    name: 'valkey-fuzzer operation type unknown',
    yaml: `${BASE}operations:\n  - type: reshard\n    target_node: shard-0-primary\n`,
    line: 6,
    path: 'operations[0].type',
  },
  {
    name: 'valkey-fuzzer operation timing negative',
    yaml: `${BASE}operations:\n  - type: failover\n    target_node: shard-0-primary\n    timing:\n      timeout: -3.0\n`,
    line: 9,
    path: 'operations[0].timing.timeout',
  },
  {
    name: 'valkey-fuzzer chaos strategy unknown',
    yaml: `${BASE}chaos:\n  type: process_kill\n  target_selection:\n    strategy: leader_only\n`,
    line: 8,
    path: 'chaos.target_selection.strategy',
  },
  {
    name: 'valkey-fuzzer check switch not a boolean',
    yaml: `${BASE}validation:\n  check_slot_coverage: sometimes\n`,
    line: 6,
    path: 'validation.check_slot_coverage',
  },
  {
    name: 'clock with neither jump nor drift',
    yaml: step('at: 1s', 'action: clock', 'target: node-0'),
    line: 6,
    path: 'timeline[0].jump',
  },
  {
    name: 'clock jump without a unit sign or duration',
    yaml: step('at: 1s', 'action: clock', 'target: node-0', 'jump: soon'),
    line: 9,
    path: 'timeline[0].jump',
  },
  {
    name: 'clock drift as a bare number',
    yaml: step('at: 1s', 'action: clock', 'target: node-0', 'drift: 500', 'duration: 5s'),
    line: 9,
    path: 'timeline[0].drift',
  },
  {
    name: 'clock drift beyond 50%',
    yaml: step('at: 1s', 'action: clock', 'target: node-0', 'drift: -60%', 'duration: 5s'),
    line: 9,
    path: 'timeline[0].drift',
  },
  {
    name: 'clock drift without a duration',
    yaml: step('at: 1s', 'action: clock', 'target: node-0', 'drift: +500ppm'),
    line: 6,
    path: 'timeline[0].duration',
  },
  {
    name: 'clock jump with a duration',
    yaml: step('at: 1s', 'action: clock', 'target: node-0', 'jump: -60m', 'duration: 5s'),
    line: 10,
    path: 'timeline[0].duration',
  },
  {
    name: 'clock target out of range',
    yaml: step('at: 1s', 'action: clock', 'target: node-9', 'jump: +1s'),
    line: 8,
    path: 'timeline[0].target',
  },
  {
    name: 'slow factor 1',
    yaml: step('at: 1s', 'action: slow', 'target: node-0', 'factor: 1', 'duration: 5s'),
    line: 9,
    path: 'timeline[0].factor',
  },
  {
    name: 'slow without a duration',
    yaml: step('at: 1s', 'action: slow', 'target: node-0', 'factor: 5'),
    line: 6,
    path: 'timeline[0].duration',
  },
  {
    name: 'unknown chaos preset',
    yaml: `${BASE}chaos: wild\n`,
    line: 5,
    path: 'chaos',
  },
  {
    name: 'chaos types with an unknown time fault',
    yaml: `${BASE}chaos:\n  types: [clock, skew]\n`,
    line: 6,
    path: 'chaos.types[1]',
  },
];
