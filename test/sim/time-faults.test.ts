/**
 * The time and resource faults on the simulator (issue 20): each clock/slow scenario goes through
 * the states 8.0.1's rules predict, and a node's wall clock moves only the timers that read it.
 */
import { describe, expect, it } from 'vitest';
import { SimRun, runSimScenario } from '../../sim/runner.ts';
import { loadScenarioFile, loadScenarioText } from '../../core/dsl/load.ts';
import { CLUSTER_OK, NodeClock, VALKEY_CLOCK_OFFSET_MS } from '../../sim/valkey/index.ts';
import { eventsOf, finish, flagsSeen, roleOf, scenarioPath, serverOf, simRunOf, untilReady } from './helpers.ts';

describe('NodeClock', () => {
  it('jumps and drifts; a finished drift keeps its skew; only the owner ends a drift', () => {
    const clock = new NodeClock();
    expect(clock.exact).toBe(true);
    clock.jump(-3_600_000);
    expect(clock.wallMs(10_000)).toBe(10_000 - 3_600_000);
    clock.startDrift(10_000, 200_000, 7); // +20% from 10 s
    expect(clock.wallMs(15_000)).toBe(15_000 - 3_600_000 + 1000);
    clock.stopDrift(15_000, 8); // not its drift
    expect(clock.wallMs(20_000)).toBe(20_000 - 3_600_000 + 2000);
    clock.stopDrift(20_000, 7);
    expect(clock.skewMs(60_000)).toBe(-3_600_000 + 2000);
    clock.jump(3_600_000 - 2000);
    expect(clock.exact).toBe(true);
  });
});

describe('clock and slow scenarios on the simulator', () => {
  it('clock-forward-jump-primary: the jumped primary suspects nobody (no PING is pending when its cron looks); no failover', () => {
    const run = simRunOf('clock-forward-jump-primary');
    const readyAtMs = untilReady(run);
    const world = run.world;
    for (let t = 2000; t < 4000; t += 20) {
      run.runUntilMs(readyAtMs + t);
      for (const peer of ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'])
        expect(flagsSeen(world, 'node-0', peer)).not.toMatch(/fail/);
      expect(serverOf(world, 'node-0').state).toBe(CLUSTER_OK);
    }
    expect(serverOf(world, 'node-0').nowMs - Math.floor(world.clockMs) - VALKEY_CLOCK_OFFSET_MS).toBe(10_000);
    finish(run);
    expect(eventsOf(run, 'election-won')).toEqual([]);
    expect(run.result(false).clockSkews).toEqual({ 'node-0': 10_000 });
  });

  it('clock-backward-jump-replica: the replica wins the election, then stays in state fail (redis/redis#6416)', () => {
    const result = runSimScenario(loadScenarioFile(scenarioPath('clock-backward-jump-replica')), {
      maxSteps: 1_000_000,
    });
    expect(result.verdict).toBe('violation');
    expect(result.violation?.fingerprint).toBe('cluster-state-ok/state=fail,role=primary,clock=back');
    expect(result.violation?.nodes).toEqual(['node-1']);
    expect(result.clockSkews).toEqual({ 'node-1': -3_600_000 });
  });

  it('clock-backward-jump-replica without the jump: a plain failover and state ok', () => {
    const scenario = loadScenarioFile(scenarioPath('clock-backward-jump-replica'));
    const result = runSimScenario(
      { ...scenario, timeline: scenario.timeline.filter((s) => s.action !== 'clock') },
      { maxSteps: 1_000_000 },
    );
    expect(result.verdict).toBe('pass');
  });

  it('clock-drift-voter: the drifting voter still votes; shard 0 fails over; the drift leaves -2 s', () => {
    const run = simRunOf('clock-drift-voter');
    finish(run);
    expect(eventsOf(run, 'election-won').map((e) => e.node)).toEqual(['node-1']);
    expect(roleOf(run.world, 'node-1').role).toBe('primary');
    expect(run.result(false).verdict).toBe('pass');
    expect(run.result(false).clockSkews).toEqual({ 'node-2': -2000 });
  });

  it('slow-primary: the slowed primary is stopped most of each 100 ms period, answers late, and is never suspected', () => {
    const run = simRunOf('slow-primary');
    const readyAtMs = untilReady(run);
    let stopped = 0;
    for (let t = 1050; t < 9000; t += 10) {
      run.runUntilMs(readyAtMs + t);
      if (run.world.processes[0]!.state === 3) stopped++;
    }
    // factor 10: stopped 90 ms of every 100 ms, sampled every 10 ms over ~8 s.
    expect(stopped).toBeGreaterThan(600);
    expect(stopped).toBeLessThan(760);
    finish(run);
    expect(eventsOf(run, 'election-won')).toEqual([]);
    expect(eventsOf(run, 'node-down')).toEqual([]);
    expect(run.result(false).verdict).toBe('pass');
  });

  it('a pause landing in a stopped slice of a slow node still pauses it (the cycle yields), and it is failed over', () => {
    const scenario = loadScenarioText(
      'scenario_id: t\nseed: 5\ncluster:\n  num_shards: 3\n  replicas_per_shard: 1\n  node_timeout: 1000ms\n' +
        '  ping_interval: 100ms\ntimeline:\n' +
        '  - { at: 1s, action: slow, target: node-0, factor: 50, duration: 6s }\n' +
        '  - { at: 2005ms, action: pause, target: node-0, duration: 3s }\n',
    );
    const result = runSimScenario(scenario, { maxSteps: 1_000_000 });
    expect(result.verdict).toBe('pass');
    expect(result.stats.converged_at_ms).toBeGreaterThan(0);
    const run = new SimRun(scenario, {});
    run.runSteps(1_000_000);
    expect(eventsOf(run, 'node-down').map((e) => [e.node, e.cause])).toEqual([['node-0', 'pause']]);
    expect(eventsOf(run, 'election-won').map((e) => e.node)).toEqual(['node-1']);
  });

  it('same seed, same trace: a clock and slow scenario replays to the same hash', () => {
    const a = runSimScenario(loadScenarioFile(scenarioPath('clock-drift-voter')), { maxSteps: 1_000_000 });
    const b = runSimScenario(loadScenarioFile(scenarioPath('clock-drift-voter')), { maxSteps: 1_000_000 });
    expect(a.traceHash).toBe(b.traceHash);
    const c = runSimScenario(loadScenarioFile(scenarioPath('slow-primary')), { maxSteps: 1_000_000 });
    const d = runSimScenario(loadScenarioFile(scenarioPath('slow-primary')), { maxSteps: 1_000_000 });
    expect(c.traceHash).toBe(d.traceHash);
  });
});
