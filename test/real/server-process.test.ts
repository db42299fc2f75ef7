/**
 * One server process: it starts and answers PING, pause/resume by signal, an exit we did not
 * cause is reported once (a crash of the server itself), one we caused is not, and a restart on
 * the same folder comes back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findServer } from '../../real/index.ts';
import { findFreePort } from '../../real/loopback.ts';
import { delay, ServerProcess } from '../../real/server-process.ts';
import { isRunning } from './helpers.ts';

const folder = mkdtempSync(join(tmpdir(), 'busfuzz-process-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('ServerProcess', () => {
  it('reports an exit it did not cause once, and none for its own kill', async () => {
    const server = findServer();
    const port = await findFreePort('127.0.0.1');
    writeFileSync(
      join(folder, 'server.conf'),
      `port ${port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir "${folder}"\nlogfile "server.log"\n`,
    );
    const process_ = new ServerProcess({
      name: 'node-0',
      binary: server.binary,
      folder,
      host: '127.0.0.1',
      clientPort: port,
    });
    await process_.start();
    const firstPid = process_.pid!;
    expect(process_.state).toBe('running');
    process_.pause();
    expect(process_.state).toBe('paused');
    process_.resume();
    process.kill(firstPid, 'SIGKILL');
    while (process_.state !== 'down') await delay(10);
    expect(process_.takeUnexpectedExits()).toEqual(['exit SIGKILL']);
    expect(process_.takeUnexpectedExits()).toEqual([]);
    await process_.start();
    expect(process_.pid).not.toBe(firstPid);
    const secondPid = process_.pid!;
    await process_.kill();
    expect(process_.takeUnexpectedExits()).toEqual([]);
    expect([firstPid, secondPid].filter(isRunning)).toEqual([]);
  });
});
