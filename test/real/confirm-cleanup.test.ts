/**
 * `busfuzz confirm` leaves nothing behind (interface page: confirm): no server process (checked by
 * pid) and no folder, whether it is stopped by Ctrl-C in the middle of a try or an exception
 * is thrown inside a real run; the crash file keeps its content.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { confirmCrash } from '../../core/confirm/confirm.ts';
import { readCrashFile } from '../../core/crash/index.ts';
import { createRealBackend, liveChildPids } from '../../real/index.ts';
import { delay } from '../../real/server-process.ts';
import { createSimBackend } from '../../sim/index.ts';
import { isRunning, serverChildren } from './helpers.ts';

const BUSFUZZ = new URL('../../bin/busfuzz.js', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;
const CRASH = join(ROOT, 'crashes/crash-08d4abf33d70-1.min.json');
const scratch = mkdtempSync(join(tmpdir(), 'busfuzz-confirm-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function farmFolders(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('busfuzz-real-'));
}

describe('confirm cleans up', () => {
  it('Ctrl-C during a try: exit 130, every server it started is gone, no folder, the crash file unchanged', async () => {
    const file = join(scratch, 'crash-08d4abf33d70-1.min.json');
    copyFileSync(CRASH, file);
    const foldersBefore = farmFolders();
    const child = spawn(process.execPath, [BUSFUZZ, 'confirm', file, '--tries', '2'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    let pids: number[] = [];
    for (let attempt = 0; attempt < 600 && pids.length < 6; attempt++) {
      await delay(50);
      pids = serverChildren(child.pid!);
    }
    expect(pids.length).toBeGreaterThanOrEqual(6);
    await delay(1500);
    pids = [...new Set([...pids, ...serverChildren(child.pid!)])];
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(pids.filter(isRunning)).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(CRASH, 'utf8'));
    expect(readdirSync(scratch)).toEqual(['crash-08d4abf33d70-1.min.json']);
    expect(farmFolders().filter((name) => !foldersBefore.includes(name))).toEqual([]);
  }, 120_000);

  it('an exception inside a real run: it propagates, no server runs, no folder is left', async () => {
    const file = join(scratch, 'crash-thrown.json');
    copyFileSync(CRASH, file);
    const inner = createRealBackend({ spares: 'never' });
    let pids: number[] = [];
    const real = {
      name: 'real' as const,
      run: (scenario: Parameters<typeof inner.run>[0], options: Parameters<typeof inner.run>[1]) =>
        inner.run(scenario, {
          ...options,
          onTraceLine: (line: string) => {
            if (!line.includes('steering: hold')) return;
            pids = liveChildPids();
            throw new Error('boom in the middle of a steered try');
          },
        }),
    };
    const crash = await readCrashFile(file);
    const run = confirmCrash({
      crash,
      file,
      sim: createSimBackend(),
      real,
      tries: 2,
      all: false,
      signal: new AbortController().signal,
      say: () => {},
    });
    await expect(run).rejects.toThrow('boom in the middle of a steered try');
    await inner.close();
    expect(pids).toHaveLength(6);
    expect(pids.filter(isRunning)).toEqual([]);
    expect(existsSync(join(scratch, 'crash-thrown.min.confirm'))).toBe(false);
    expect(readdirSync(scratch).filter((name) => name.includes('thrown'))).toEqual(['crash-thrown.json']);
  }, 120_000);
});
