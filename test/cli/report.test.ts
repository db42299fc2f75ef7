/**
 * `busfuzz report` and `--report` through the real command line: the pages and records they
 * write, and one clear line with exit 2 for input it cannot draw.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { busfuzz } from './helpers.ts';

const work = mkdtempSync(join(tmpdir(), 'busfuzz-report-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('busfuzz report', () => {
  it('run --report writes the page and the event record, names both in --json, and report redraws run.json', () => {
    const out = join(work, 'run');
    const run = busfuzz([
      'run',
      'scenarios/paused-primary.yaml',
      '--report',
      out,
      '--json',
      '--crash-dir',
      join(work, 'crashes'),
    ]);
    const json = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(json.report).toBe(join(out, 'index.html'));
    expect(json.events_file).toBe(join(out, 'run.json'));
    const record = JSON.parse(readFileSync(json.events_file, 'utf8'));
    expect(record.format).toBe('busfuzz-run/1');
    expect(record.meta.traceHash).toBe(json.trace_hash);
    const again = busfuzz(['report', json.events_file, '-o', join(work, 'again')]);
    expect(again.code).toBe(0);
    expect(readFileSync(join(work, 'again', 'index.html'), 'utf8')).toContain('id="busfuzz-data"');
  });

  it('turns input it cannot draw into one line and exit 2', () => {
    const missing = busfuzz(['report', join(work, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json: no such file or folder');
    const other = join(work, 'other.json');
    writeFileSync(other, '{"format":"something-else"}');
    const wrong = busfuzz(['report', other]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('field format: expected "busfuzz-crash/1" or "busfuzz-run/1"');
    expect(wrong.stderr).not.toContain('    at ');
    expect(existsSync('report')).toBe(false);
  });
});
