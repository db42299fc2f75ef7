/**
 * A kill aimed at a paused node, on both backends (bench/agreement.ts, seed 8: the real backend
 * skipped it as "no running node" while the simulator killed the node, and the runs parted from
 * there). SIGKILL ends a SIGSTOPped process; the end of the pause then finds it down and leaves
 * it so, and the kill's own restart brings it back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../core/dsl/index.ts';
import { createRealBackend } from '../../real/index.ts';
import { createSimBackend } from '../../sim/index.ts';
import { cluster, eventLines, runYaml } from './helpers.ts';

const backend = createRealBackend();
afterAll(() => backend.close());

const SCENARIO = `
scenario_id: kill-paused
seed: 3
${cluster()}timeline:
  - at: 300ms
    action: pause
    target: node-0
    duration: 2s
  - at: 1s
    action: kill
    target: node-0
    restart_after: 4s
validation:
  convergence_timeout: 20s
`;

/** Fault actions and their nodes, in order, without times or details. */
function faults(lines: readonly string[]): string[] {
  return eventLines(lines, 'fault').map((line) => {
    const match = / fault action=(\S+) nodes=(\S+)/.exec(line);
    return `${match?.[1]} ${match?.[2]}`;
  });
}

/** The scenario on the real backend, then on the simulator: both runs' trace lines. */
async function onBoth(yaml: string): Promise<{ real: Awaited<ReturnType<typeof runYaml>>; simLines: string[] }> {
  const real = await runYaml(backend, yaml);
  const simLines: string[] = [];
  await createSimBackend().run(loadScenarioText(yaml, 'test scenario'), {
    maxSteps: 5_000_000,
    onTraceLine: (line) => simLines.push(line),
  });
  return { real, simLines };
}

/** Seed 71 of bench/agreement.ts: a second kill of a node still down, with a shorter restart. */
const KILL_DOWN = `
scenario_id: kill-down
seed: 71
${cluster()}timeline:
  - at: 300ms
    action: kill
    target: node-0
    restart_after: 4s
  - at: 1s
    action: kill
    target: node-0
    restart_after: 1s
validation:
  convergence_timeout: 20s
`;

describe('a kill aimed at a node that is down', () => {
  it("is skipped on both backends: the node comes back by the first kill's restart, not 1 s after the second", async () => {
    const { real, simLines } = await onBoth(KILL_DOWN);
    expect(faults(real.lines)).toEqual(['kill [node-0]', 'kill []', 'restart [node-0]']);
    expect(faults(simLines)).toEqual(faults(real.lines));
    for (const lines of [real.lines, simLines]) {
      expect(eventLines(lines, 'fault', { action: 'kill' })[1]).toContain('skipped: node-0 names no running node');
      // Up once, by the first kill's restart 4.3 s in (the simulator's clock counts formation too).
      expect(eventLines(lines, 'node-up', { node: 'node-0' })).toHaveLength(1);
    }
    const upAt = (lines: readonly string[]) =>
      Number.parseInt(eventLines(lines, 'node-up', { node: 'node-0' })[0]!, 10);
    const readyAt = (lines: readonly string[]) =>
      Number.parseInt(eventLines(lines, 'fault', { action: 'kill' })[0]!, 10) - 300;
    expect(upAt(real.lines) - readyAt(real.lines)).toBeGreaterThanOrEqual(4300);
    expect(upAt(simLines) - readyAt(simLines)).toBeGreaterThanOrEqual(4300);
  });
});

describe('a kill aimed at a paused node', () => {
  it('kills it on both backends; the end of the pause does not start it, the restart does', async () => {
    const { real, simLines } = await onBoth(SCENARIO);
    expect(faults(real.lines)).toEqual(['pause [node-0]', 'kill [node-0]', 'resume [node-0]', 'restart [node-0]']);
    expect(faults(real.lines)).toEqual(faults(simLines));
    expect(eventLines(real.lines, 'fault', { action: 'resume' })[0]).toContain('skipped, the node is down');
    // Up once: by the restart 5 s in, not by the end of the pause at 2.3 s.
    const ups = eventLines(real.lines, 'node-up', { node: 'node-0' });
    expect(ups).toHaveLength(1);
    expect(Number.parseInt(ups[0]!, 10)).toBeGreaterThanOrEqual(5000);
    expect(real.result.verdict).toBe('pass');
  });
});
