/** Confirmations written into a crash file: atomic, additive, still read by the crash-file reader. */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  confirmationLine,
  readConfirmations,
  recordConfirmation,
  type Confirmation,
} from '../../../core/confirm/record.ts';
import { readCrashFile } from '../../../core/crash/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'busfuzz-confirm-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry: Confirmation = {
  backend: 'real',
  server: { binary: '/usr/bin/valkey-server', version: '8.0.1' },
  tries: 10,
  hits: 3,
  perturbation: 'gate phase 2 on node-0->{node-2}',
  logs: 'crashes/x.confirm/first-hit-try-1',
  at: '2026-12-07T00:00:00.000Z',
};

describe('confirm records', () => {
  it('appends to confirmations, keeps every other field, leaves no temp file', async () => {
    const file = join(dir, 'crash-08d4abf33d70-1.min.json');
    copyFileSync('crashes/crash-08d4abf33d70-1.min.json', file);
    const { confirmations: earlier = [], ...before } = JSON.parse(readFileSync(file, 'utf8'));
    await recordConfirmation(file, entry);
    await recordConfirmation(file, { ...entry, hits: 0 });
    const after = JSON.parse(readFileSync(file, 'utf8'));
    const { confirmations, ...rest } = after;
    expect(rest).toEqual(before);
    expect(confirmations).toHaveLength(earlier.length + 2);
    expect(confirmations.slice(0, earlier.length)).toEqual(earlier);
    expect(readdirSync(dir)).toEqual(['crash-08d4abf33d70-1.min.json']);
    const crash = await readCrashFile(file);
    expect(crash.violation.invariant).toBe('failover-bound');
    expect((await readConfirmations(file)).slice(earlier.length).map(confirmationLine)).toEqual([
      'CONFIRMED on valkey-server 8.0.1, 3/10',
      'NOT CONFIRMED on valkey-server 8.0.1, 0/10',
    ]);
  });
});
