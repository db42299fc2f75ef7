/**
 * The run lifecycle on live servers (core/scenario/semantics/lifecycle.ts): after the final heal
 * the real run waits the settle window before its first convergence check, as the simulator does
 * (test/core/scenario/semantics.test.ts checks the simulator's side).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../core/dsl/index.ts';
import { settleMs } from '../../core/scenario/semantics/lifecycle.ts';
import { createRealBackend } from '../../real/index.ts';
import { cluster, runYaml } from './helpers.ts';

const backend = createRealBackend();
afterAll(() => backend.close());

const YAML = `
scenario_id: settle-after-heal
seed: 5
${cluster(3, 0)}timeline:
  - at: 200ms
    action: partition
    groups:
      - [node-0]
      - rest
    duration: 300ms
validation:
  convergence_timeout: 20s
  invariants: all
`;

describe('settle after heal on live servers', () => {
  it('the first convergence check comes settleMs after the heal, as on the simulator', async () => {
    const { result, lines } = await runYaml(backend, YAML);
    expect(result.verdict).toBe('pass');
    const settle = settleMs(loadScenarioText(YAML, 'test scenario'));
    expect(settle).toBe(2000);
    const healedAtMs = result.stats.healed_at_ms!;
    expect(healedAtMs).toBeGreaterThan(0);
    expect(result.stats.converged_at_ms! - healedAtMs).toBeGreaterThanOrEqual(settle);
    expect(lines.some((line) => line.includes(`settle: first convergence check ${settle} ms after the heal`))).toBe(
      true,
    );
  });
});
