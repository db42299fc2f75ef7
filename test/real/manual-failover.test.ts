/**
 * manual-failover-completes on live valkey-server 8.0.1: the same invariant judges the real run.
 * The retry-window regression scenario (scenarios/regressions/manual-failover-retry-window.yaml)
 * leaves the accepted FORCE failover unpromoted here too, with 8.0.1's own log lines ("Failover
 * attempt expired", "Manual failover timed out"), and a failover on a quiet cluster completes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRealBackend } from '../../real/index.ts';
import { cluster, eventLines, runYaml } from './helpers.ts';

const backend = createRealBackend();
afterAll(() => backend.close());

const REGRESSION = new URL('../../scenarios/regressions/manual-failover-retry-window.yaml', import.meta.url);

describe('manual-failover-completes on live servers', () => {
  it('a FORCE failover inside the retry window of a failed election is never promoted', async () => {
    const { result, lines } = await runYaml(backend, readFileSync(REGRESSION, 'utf8'));
    const story = lines
      .filter((line) => / (fault|election-won|violation|healed) /.test(line) || line.includes('node=node-1 '))
      .join('\n');
    expect(result.violation?.fingerprint, `${result.verdict}\n${story}`).toBe(
      'manual-failover-completes/mode=force,outcome=not-promoted',
    );
    const log = readFileSync(join(result.artifactsDir!, 'node-1', 'server.log'), 'utf8');
    expect(log).toContain('Forced failover user request accepted');
    expect(log).toMatch(/Failover attempt expired[\s\S]*Manual failover timed out/);
  });

  it('a default failover on a quiet cluster completes and the run passes', async () => {
    const { result, lines } = await runYaml(
      backend,
      `
scenario_id: manual-failover-quiet
seed: 1
${cluster(3, 1)}timeline:
  - at: 500ms
    action: failover
    target: node-1
validation:
  convergence_timeout: 20s
`,
    );
    expect(result.violation, result.violation?.message).toBeNull();
    expect(eventLines(lines, 'election-won', { node: 'node-1' })).not.toHaveLength(0);
  });
});
