/**
 * The time and resource faults in the DSL (issue 20): clock and slow steps read, save and read
 * back unchanged; the chaos presets are exactly the plain blocks the README prints; the
 * generator draws them only for seeds whose own stream picks them.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadScenarioText, saveScenario } from '../../../core/dsl/index.ts';
import { generateScenario } from '../../../core/generator.ts';
import { rngFor } from '../../../core/rng.ts';
import { DEFAULT_CHAOS } from '../../../core/dsl/defaults.ts';

const BASE = 'scenario_id: t\ncluster:\n  num_shards: 3\n  replicas_per_shard: 1\n';

/** The README's documented expansion of a preset: the YAML block under its heading. */
function readmeBlock(preset: string): string {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const match = new RegExp(`\`chaos: ${preset}\` expands to:\\n\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (match === null) throw new Error(`README has no expansion of chaos: ${preset}`);
  return match[1]!;
}

describe('clock and slow steps', () => {
  it('read the documented forms', () => {
    const s = loadScenarioText(
      `${BASE}timeline:\n` +
        '  - { at: 1s, action: clock, target: node-0, jump: -60m }\n' +
        '  - { at: 2s, action: clock, target: shard-1-primary, drift: +500ppm, duration: 10s }\n' +
        "  - { at: 3s, action: clock, target: random, jump: '+1500ms', drift: -2%, duration: 1m }\n" +
        '  - { at: 4s, action: slow, target: node-3, factor: 5, duration: 2s }\n',
    );
    expect(s.timeline.map(({ source: _s, ...step }) => step)).toEqual([
      { atMs: 1000, action: 'clock', target: 'node-0', jumpMs: -3_600_000 },
      { atMs: 2000, action: 'clock', target: 'shard-1-primary', driftPpm: 500, durationMs: 10_000 },
      { atMs: 3000, action: 'clock', target: 'random', jumpMs: 1500, driftPpm: -20_000, durationMs: 60_000 },
      { atMs: 4000, action: 'slow', target: 'node-3', factor: 5, durationMs: 2000 },
    ]);
    expect(loadScenarioText(saveScenario(s))).toEqual(s);
  });
});

describe('chaos presets', () => {
  for (const preset of ['gentle', 'aggressive']) {
    it(`chaos: ${preset} equals the plain block the README documents`, () => {
      const named = loadScenarioText(`${BASE}chaos: ${preset}\n`);
      const block = readmeBlock(preset);
      const plain = loadScenarioText(`${BASE}chaos:\n${block.replace(/^/gm, '  ').trimEnd()}\n`);
      expect(named.chaos).toEqual(plain.chaos);
      expect(named.chaos!.types).toEqual(expect.arrayContaining(['clock', 'slow']));
    });
  }

  it('chaos: {} keeps the network and process faults only (existing scenarios keep their draws)', () => {
    expect(DEFAULT_CHAOS.types).not.toContain('clock');
    expect(DEFAULT_CHAOS.types).not.toContain('slow');
  });
});

describe('the generator and time faults', () => {
  it('only seeds whose own time stream picks them get clock or slow faults (about one in three)', () => {
    let withTime = 0;
    for (let seed = 0; seed < 300; seed++) {
      const scenario = generateScenario(seed);
      const picked = rngFor(seed).fork('generate-time').chance(1, 3);
      const hasTime =
        scenario.timeline.some((step) => step.action === 'clock' || step.action === 'slow') ||
        (scenario.chaos?.types ?? []).some((type) => type === 'clock' || type === 'slow');
      if (!picked) expect(hasTime).toBe(false);
      if (hasTime) withTime++;
    }
    expect(withTime).toBeGreaterThan(60);
    expect(withTime).toBeLessThan(140);
  });
});
