// `busfuzz validate`: every shipped scenario is valid; every malformed one is exit 2 with a message
// naming its file, line and field, and no stack trace.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MALFORMED_CASES } from '../core/dsl/malformed-cases.ts';
import { busfuzz, REPO_ROOT } from './helpers.ts';

function scenarioFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => join(dir, name));
}

describe('busfuzz validate', () => {
  it('accepts every scenario in scenarios/, the valkey-fuzzer example among them', () => {
    const files = scenarioFiles('scenarios');
    expect(files).toContain(join('scenarios', 'valkey-fuzzer-example.yaml'));
    const run = busfuzz(['validate', ...files]);
    expect(run.stderr).not.toMatch(/error|invalid/i);
    expect(run.code).toBe(0);
  });

  it(`rejects all ${MALFORMED_CASES.length} malformed scenarios with exit 2, naming line and field`, () => {
    expect(MALFORMED_CASES.length).toBeGreaterThanOrEqual(30);
    const dir = mkdtempSync(join(tmpdir(), 'busfuzz-malformed-'));
    const files = MALFORMED_CASES.map((c, index) => {
      const file = join(dir, `case-${index}.yaml`);
      writeFileSync(file, c.yaml);
      return file;
    });
    // One process for all files (validate reports every file), then one per case for its exit code.
    const all = busfuzz(['validate', ...files]);
    expect(all.code).toBe(2);
    MALFORMED_CASES.forEach((c, index) => {
      const lines = all.stderr.split('\n').filter((line) => line.startsWith(`${files[index]}:`));
      const expected = `${files[index]}:${c.line}:`;
      expect(
        lines.some((line) => line.startsWith(expected) && line.includes(c.path)),
        `${c.name}: ${lines.join(' | ')}`,
      ).toBe(true);
    });
    expect(all.stderr).not.toMatch(/\n\s+at .*\.ts:\d+/);
    for (const index of [0, 4, 11, MALFORMED_CASES.length - 1]) {
      expect(busfuzz(['validate', files[index]!]).code, MALFORMED_CASES[index]!.name).toBe(2);
    }
  });

  it('names an unreadable file, exit 2', () => {
    const run = busfuzz(['validate', 'no/such/file.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no/such/file.yaml');
  });
});

describe('busfuzz usage errors', () => {
  it('an unknown command is exit 2 with a hint', () => {
    const run = busfuzz(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command');
  });

  it('an unknown flag is exit 2', () => {
    expect(busfuzz(['validate', '--frob']).code).toBe(2);
  });

  it('--help prints the usage, exit 0', () => {
    const run = busfuzz(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('busfuzz reproduce <crash.json>');
  });
});
