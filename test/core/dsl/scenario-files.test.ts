/** The scenario files in scenarios/: every one loads, and the examples mean what they say. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, loadScenarioText, saveScenario } from '../../../core/dsl/index.ts';
import { ACTIONS, INVARIANT_NAMES } from '../../../core/scenario/types.ts';

const SCENARIOS = join(import.meta.dirname, '../../../scenarios');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

describe('scenarios/', () => {
  it.each(yamlFiles(SCENARIOS).map((path) => [path.slice(SCENARIOS.length + 1), path]))(
    '%s loads and round-trips',
    (_name, path) => {
      const scenario = loadScenarioFile(path);
      expect(loadScenarioText(saveScenario(scenario))).toStrictEqual(scenario);
    },
  );

  it('kill-primary: 3x1 cluster, kill shard-0-primary at 1s, back after 4s', () => {
    const scenario = loadScenarioFile(join(SCENARIOS, 'kill-primary.yaml'));
    expect(scenario.cluster).toMatchObject({
      numShards: 3,
      replicasPerShard: 1,
      nodeTimeoutMs: 1000,
      pingIntervalMs: 100,
      replicaValidityFactor: 10,
    });
    expect(scenario.workload).toEqual({ keys: 100, writesPerSec: 50, waitReplicas: 1 });
    expect(scenario.timeline).toEqual([
      { atMs: 1000, action: 'kill', target: 'shard-0-primary', restartAfterMs: 4000 },
    ]);
    expect(scenario.validation).toEqual({ convergenceTimeoutMs: 20000, invariants: [...INVARIANT_NAMES] });
    expect(scenario.chaos).toBeNull();
  });

  it('valkey-fuzzer example: one failover at delay_before, a SIGKILL during it, seconds in validation', () => {
    const scenario = loadScenarioFile(join(SCENARIOS, 'valkey-fuzzer-example.yaml'));
    expect(scenario.scenarioId).toBe('my-test');
    expect(scenario.cluster.basePort).toBe(7000);
    expect(scenario.timeline).toEqual([
      { atMs: 1000, source: 'operations', action: 'failover', target: 'shard-0-replica-0', mode: 'default' },
      { atMs: 1000, source: 'operations', action: 'kill', target: 'random-primary', restartAfterMs: 10000 },
    ]);
    expect(scenario.chaos).toBeNull();
    expect(scenario.validation.convergenceTimeoutMs).toBe(60000); // 60.0 is seconds there
    expect(scenario.validation.invariants).toEqual([...INVARIANT_NAMES]);
  });

  it('full-example uses every action exactly once (the operation adds a second failover)', () => {
    const scenario = loadScenarioFile(join(SCENARIOS, 'full-example.yaml'));
    const fromTimeline = scenario.timeline.filter((step) => step.source !== 'operations').map((step) => step.action);
    expect([...fromTimeline].sort()).toEqual([...ACTIONS].sort());
    expect(scenario.chaos).not.toBeNull();
    expect(scenario.workload).not.toBeNull();
    expect(scenario.description).toBeDefined();
    expect(scenario.cluster.serverConfig).toEqual({ appendonly: 'no', hz: '10' });
    expect(scenario.timeline.find((step) => step.source === 'operations')).toEqual({
      atMs: 20000,
      source: 'operations',
      action: 'failover',
      target: 'shard-2-replica-0',
      mode: 'default',
    });
  });
});
