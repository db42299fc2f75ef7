/**
 * Writes a node acknowledges between SIGTERM and its exit (bench/agreement.ts, seed 16). Valkey
 * 8.0.1 shuts down only in its next serverCron (up to 1/hz later) and serves clients meanwhile;
 * the real backend marked the node down (and, without persistence, its data lost) when it sent
 * the signal, so a write acknowledged in that window read as lost after the data-lost mark: a
 * false acked-writes-durable finding. The node now counts as down from its exit, after the
 * replies it sent have reached the client.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRealBackend } from '../../real/index.ts';
import { cluster, runYaml } from './helpers.ts';

const backend = createRealBackend();
afterAll(() => backend.close());

/** One shard without replicas, writes as fast as the workload goes, terminates of its primary. */
const SCENARIO = `
scenario_id: terminate-acks
seed: 5
${cluster(1, 0)}workload:
  keys: 200
  writes_per_sec: 1500
  wait_replicas: 0
timeline:
  - at: 1s
    action: terminate
    target: node-0
    restart_after: 1500ms
  - at: 4s
    action: terminate
    target: node-0
    restart_after: 1500ms
  - at: 7s
    action: terminate
    target: node-0
    restart_after: 1500ms
validation:
  convergence_timeout: 20s
`;

/** Event words of a trace line: kind, then key=value fields. */
function fieldsOf(line: string): { kind: string; fields: Map<string, string> } {
  const words = line.split(' ');
  const fields = new Map<string, string>();
  for (const word of words.slice(2)) {
    const at = word.indexOf('=');
    if (at > 0) fields.set(word.slice(0, at), word.slice(at + 1));
  }
  return { kind: words[1] ?? '', fields };
}

describe('a terminated node', () => {
  it('counts as down from its exit: no write it acknowledged comes after its node-down or data-lost', async () => {
    const { result, lines } = await runYaml(backend, SCENARIO);
    let down = false;
    let marks = 0;
    let ackedWhileDown = 0;
    let acked = 0;
    for (const line of lines) {
      const { kind, fields } = fieldsOf(line);
      if (fields.get('node') !== 'node-0') continue;
      if (kind === 'node-down' || kind === 'data-lost') {
        down = true;
        marks++;
      } else if (kind === 'node-up') down = false;
      else if (kind === 'write-acked') {
        acked++;
        if (down) ackedWhileDown++;
      }
    }
    expect(marks).toBe(6);
    expect(acked).toBeGreaterThan(100);
    expect(ackedWhileDown).toBe(0);
    expect(result.violation?.invariant ?? null).toBeNull();
    expect(result.verdict).toBe('pass');
  }, 120_000);
});
