/**
 * The read-back after a primary lost its only replica while clients wrote with WAIT 1
 * (bench/agreement.ts seeds 38 and 59): each WAIT blocks its connection for the WAIT timeout,
 * the writes the client gave up on stayed queued behind it on the server, and a read-back sent on
 * the same connections waited behind tens of seconds of them: acked-writes-durable/read=unavailable,
 * a false alarm (the key was there, and the simulator's read-back, which queues behind nothing,
 * passed). The read-back now goes out on fresh connections.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRealBackend } from '../../real/index.ts';
import { cluster, eventLines, runYaml } from './helpers.ts';

const backend = createRealBackend();
afterAll(() => backend.close());

/** One shard: its replica is killed for good, so every WAIT 1 after that waits out its timeout. */
const SCENARIO = `
scenario_id: read-behind-wait
seed: 38
${cluster(1, 1)}workload:
  keys: 1000
  writes_per_sec: 200
  wait_replicas: 1
timeline:
  - at: 1500ms
    action: kill
    target: shard-0-replica-0
  - at: 20s
    action: heal
validation:
  convergence_timeout: 10s
`;

describe('the read-back after a primary lost its replica under WAIT 1 writes', () => {
  it('reads every acknowledged key (the writes given up on do not stand in front of it)', async () => {
    const { result, lines } = await runYaml(backend, SCENARIO);
    expect(result.violation?.message ?? null).toBeNull();
    expect(result.verdict).toBe('pass');
    const acked = new Set(eventLines(lines, 'write-acked').map((line) => /key=(\S+)/.exec(line)?.[1]));
    expect(acked.size).toBeGreaterThan(0);
    expect(eventLines(lines, 'read-back')).toHaveLength(acked.size);
  }, 180_000);
});
