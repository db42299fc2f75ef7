/**
 * Recording a run for the report must not change it: same steps, same trace hash, same verdict
 * with the recorder attached (it reads, never draws randomness or schedules), and the record
 * carries what the page draws.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCrashFile } from '../../core/crash/index.ts';
import { loadScenarioFile } from '../../core/dsl/index.ts';
import { generateScenario } from '../../core/generator.ts';
import { runSimScenario } from '../../sim/runner.ts';
import { REPO_ROOT } from '../cli/helpers.ts';

describe('the simulator recorder', () => {
  it('leaves every run as it was (steps, trace hash, verdict), generated and hand-written', () => {
    const scenarios = [
      ...[1, 2, 3].map((seed) => generateScenario(seed)),
      loadScenarioFile(join(REPO_ROOT, 'scenarios', 'paused-primary.yaml')),
      loadScenarioFile(join(REPO_ROOT, 'scenarios', 'regressions', 'frozen-replica-second-primary.yaml')),
    ];
    for (const scenario of scenarios) {
      const plain = runSimScenario(scenario, { maxSteps: 150_000 });
      const recorded = runSimScenario(scenario, { maxSteps: 150_000, record: true });
      expect(plain.record).toBeUndefined();
      expect({ steps: recorded.steps, hash: recorded.traceHash, verdict: recorded.verdict }).toEqual({
        steps: plain.steps,
        hash: plain.traceHash,
        verdict: plain.verdict,
      });
      expect(recorded.record).toBeDefined();
    }
  });

  it('records the frozen-replica story: the pause, the kill, the stale PING, both wins, and the node status', async () => {
    const crash = await readCrashFile(join(REPO_ROOT, 'crashes', 'crash-64d78a889a5b-5157.min.json'));
    const result = runSimScenario(crash.scenario, { maxSteps: crash.maxSteps, record: true });
    expect(result.traceHash).toBe(crash.traceHash);
    expect(result.nodeStatus).toHaveLength(18);
    expect(result.nodeStatus!.find((line) => line.startsWith('node-10 '))).toMatch(/primary .*slots=0/);
    const doc = result.record!.finish({
      scenarioId: result.scenarioId,
      backend: 'sim',
      server: null,
      seed: result.seed,
      verdict: result.verdict,
      steps: result.steps,
      endMs: result.simTimeMs,
      violation: result.violation,
      replay: null,
      confirmation: null,
      nodeTimeoutMs: 1000,
      nodeStatus: result.nodeStatus!,
      traceHash: result.traceHash,
    });
    expect(doc.faults).toContainEqual([22104, 23753, 'kill', ['node-9'], '']);
    expect(doc.faults.some(([, , action, nodes]) => action === 'pause' && nodes[0] === 'node-10')).toBe(true);
    const m = doc.messages;
    const stale = m.sent
      .map((_, i) => i)
      .filter(
        (i) => (m.mark[i]! & 1) !== 0 && doc.nodes[m.to[i]!] === 'node-10' && doc.nodes[m.from[i]!] === 'node-11',
      );
    expect(stale.length).toBeGreaterThan(0);
    // The stale PING was sent while node-11 was still a replica, before its win at 24091 ms.
    expect(Math.min(...stale.map((i) => m.sent[i]!))).toBeLessThan(24_091);
    const wins = doc.events.filter((e) => e.kind === 'election-won').map((e) => (e as { node: string }).node);
    expect(wins).toEqual(expect.arrayContaining(['node-10', 'node-11']));
    // Every message window the page opens on holds the story.
    expect(doc.focus[0]).toBeLessThan(25_624);
    expect(doc.focus[1]).toBeGreaterThan(26_626);
  });
});
