/** `busfuzz confirm` refuses bad input (exit 2) and a missing server (exit 3) before any server starts. */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { busfuzz } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'busfuzz-confirm-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('busfuzz confirm: exit codes without a run', () => {
  it('2 for a missing or foreign crash file, naming it; 2 for no file or --tries 0', () => {
    const missing = busfuzz(['confirm', join(dir, 'none.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('none.json');
    const foreign = join(dir, 'foreign.json');
    writeFileSync(foreign, '{"format":"x"}');
    const bad = busfuzz(['confirm', 'crashes/crash-08d4abf33d70-1.min.json', foreign]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/foreign\.json:1: format/);
    expect(busfuzz(['confirm']).code).toBe(2);
    expect(busfuzz(['confirm', 'crashes/crash-08d4abf33d70-1.min.json', '--tries', '0']).code).toBe(2);
  });

  it('3 when the server binary is missing, with an install hint', () => {
    const run = busfuzz([
      'confirm',
      'crashes/crash-08d4abf33d70-1.min.json',
      '--valkey-server',
      join(dir, 'no-valkey-server'),
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Hint: install valkey-server/);
  });
});
