// `busfuzz export --seed N`: the same YAML for the same N, and that YAML validates and loads back
// to the generator's scenario (so a random run can be edited and rerun).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../core/dsl/index.ts';
import { generateScenario } from '../../core/generator.ts';
import { busfuzz } from './helpers.ts';

describe('busfuzz export', () => {
  it.each([0, 7, 123456])('prints the same valid YAML twice for seed %i', (seed) => {
    const first = busfuzz(['export', '--seed', String(seed)]);
    const second = busfuzz(['export'], { FUZZ_SEED: String(seed) });
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    expect(loadScenarioText(first.stdout)).toEqual(generateScenario(seed));
    const file = join(mkdtempSync(join(tmpdir(), 'busfuzz-export-')), `gen-${seed}.yaml`);
    writeFileSync(file, first.stdout);
    expect(busfuzz(['validate', file]).code).toBe(0);
  });

  it('different seeds give different scenarios', () => {
    expect(busfuzz(['export', '--seed', '1']).stdout).not.toBe(busfuzz(['export', '--seed', '2']).stdout);
  });

  it('without a seed is exit 2', () => {
    const run = busfuzz(['export'], { FUZZ_SEED: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--seed');
  });
});
