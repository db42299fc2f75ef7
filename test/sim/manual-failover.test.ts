/**
 * manual-failover-completes on the simulator: a CLUSTER FAILOVER that lands in the retry window of a
 * failed election is never promoted (8.0.1's rule, valkey-io/valkey#1274), one on a quiet cluster
 * completes at once, and the cases Valkey documents (primary unreachable for a default failover,
 * no quorum) are not findings.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../core/dsl/index.ts';
import { SimRun } from '../../sim/runner.ts';
import { eventsOf, simRunOf } from './helpers.ts';

function runText(yaml: string, seed = 1): SimRun {
  const run = new SimRun({ ...loadScenarioText(yaml, 'inline.yaml'), seed });
  run.runSteps(5_000_000);
  return run;
}

const CLUSTER = `
cluster:
  num_shards: 3
  replicas_per_shard: 1
  node_timeout: 3000ms
  ping_interval: 100ms
validation:
  convergence_timeout: 40s
`;

describe('manual-failover-completes (simulator)', () => {
  it('fires for a FORCE failover inside the retry window of a failed election (regression scenario)', () => {
    const run = simRunOf('regressions/manual-failover-retry-window');
    run.runSteps(5_000_000);
    expect(run.violation?.fingerprint).toBe('manual-failover-completes/mode=force,outcome=not-promoted');
    expect(run.violation?.nodes).toEqual(['node-0', 'node-1']);
    // The command was accepted, and node-1 never won.
    expect(eventsOf(run, 'fault').find((event) => event.action === 'failover')?.detail).toBe('force: OK');
    expect(eventsOf(run, 'election-won').filter((event) => event.node === 'node-1')).toEqual([]);
  });

  it('passes when the failover completes: default and force on a quiet cluster', () => {
    for (const mode of ['default', 'force']) {
      const run = runText(
        `scenario_id: mf-ok\nseed: 1\n${CLUSTER}timeline:\n  - at: 2s\n    action: failover\n    target: node-1\n    mode: ${mode}\n`,
      );
      expect(run.violation, mode).toBeNull();
      expect(run.converged).toBe(true);
      const asked = eventsOf(run, 'fault').find((event) => event.action === 'failover')!;
      const won = eventsOf(run, 'election-won').find((event) => event.node === 'node-1')!;
      expect(won.atMs - asked.atMs, mode).toBeLessThan(500);
    }
  });

  it("a default failover whose primary is cut off is Valkey's documented refusal, not a finding", () => {
    const run = runText(`scenario_id: mf-cut\nseed: 1\n${CLUSTER}timeline:
  - at: 2s
    action: partition
    groups: [[node-0], rest]
    duration: 8s
  - at: 2500ms
    action: failover
    target: node-1
    mode: default
`);
    expect(run.violation?.invariant ?? 'none').not.toBe('manual-failover-completes');
  });

  it('a replica every other node forgot cannot be promoted: its vote requests are dropped, not a finding', () => {
    // Seeds 2334 and 10519 of the swarm: CLUSTER FORGET of a live replica on every other node, then a
    // CLUSTER FAILOVER on it; the nodes that forgot it ignore an unknown sender's packets.
    for (const mode of ['default', 'force']) {
      const run = runText(`scenario_id: mf-forgotten\nseed: 1\n${CLUSTER}timeline:
  - at: 2s
    action: forget
    target: node-0
    other: node-1
  - at: 4s
    action: failover
    target: node-1
    mode: ${mode}
`);
      const forget = eventsOf(run, 'fault').find((event) => event.action === 'forget')!;
      expect(forget.detail, mode).toMatch(/^CLUSTER FORGET node-1 on .*: OK$/);
      expect(eventsOf(run, 'fault').find((event) => event.action === 'failover')?.detail, mode).toBe(`${mode}: OK`);
      expect(
        eventsOf(run, 'election-won').filter((event) => event.node === 'node-1'),
        mode,
      ).toEqual([]);
      expect(run.violation?.invariant ?? 'none', mode).not.toBe('manual-failover-completes');
    }
  });
});
