/**
 * A run whose only primary is killed for good while clients write (bench/agreement.ts, seed 15):
 * the real run neither ended nor honoured its abort. ioredis's cluster client keeps a command in
 * its offline queue, with no timeout, while it has no node to send it on, and the workload's
 * stop() waited for every write in flight. Writes now count as failed past a deadline, and the
 * run's abort ends the wait. The read-back then skips the keys of the dead owner, as the
 * simulator's does, rather than time out on them and call them unavailable.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRealBackend } from '../../real/index.ts';
import { cluster, eventLines, runYaml } from './helpers.ts';

const backend = createRealBackend();
afterAll(() => backend.close());

/** One shard, one replica: with its only primary dead no election can win (no voter is left). */
const SCENARIO = `
scenario_id: lost-primary-ends
seed: 15
${cluster(1, 1)}workload:
  keys: 1000
  writes_per_sec: 200
  wait_replicas: 0
timeline:
  - at: 1500ms
    action: kill
    target: shard-0-primary
  - at: 4s
    action: heal
validation:
  convergence_timeout: 10s
`;

describe('a cluster whose only primary is killed for good while clients write', () => {
  it("ends on its own, and passes as on the simulator (the dead owner's keys are not read back)", async () => {
    const startedAt = Date.now();
    const { result, lines } = await runYaml(backend, SCENARIO);
    expect(result.violation?.invariant ?? null).toBeNull();
    expect(result.verdict).toBe('pass');
    // Nothing owned by the dead node-0 was read; the run read nothing else either (one shard).
    expect(eventLines(lines, 'read-back')).toHaveLength(0);
    expect(eventLines(lines, 'write-acked').length).toBeGreaterThan(0);
    // Formation, 4 s of plan, settle and convergence (10 s), read-back: well under two minutes.
    expect(Date.now() - startedAt).toBeLessThan(120_000);
  }, 180_000);

  it('honours its abort after the plan', async () => {
    const controller = new AbortController();
    const startedAt = Date.now();
    let abortedAt = 0;
    const run = runYaml(backend, SCENARIO, {
      signal: controller.signal,
      onTraceLine: (line) => {
        // Abort once the writes are being stopped (the heal at the end of the plan).
        if (abortedAt === 0 && line.split(' ')[1] === 'healed') {
          abortedAt = Date.now();
          setTimeout(() => controller.abort(), 300);
        }
      },
    });
    const { result } = await run;
    expect(abortedAt).toBeGreaterThan(0);
    expect(result.verdict).toBe('aborted');
    expect(Date.now() - abortedAt).toBeLessThan(15_000);
    expect(Date.now() - startedAt).toBeLessThan(120_000);
  }, 180_000);
});
