/**
 * The clock shim and the slow duty cycle on a live valkey-server (issue 20): a jump and a drift
 * move what the server reads as wall time (TIME), its monotonic clock
 * stays (INFO server reports the POSIX monotonic clock the shim leaves alone), and a slowed
 * server is stopped most of each period yet answers; the runs report the skew left at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findServer } from '../../real/index.ts';
import { findFreePort } from '../../real/loopback.ts';
import { NodeClockControl, clockShimEnv, clockShimPath } from '../../real/node-clock.ts';
import { delay, ServerProcess } from '../../real/server-process.ts';
import { createRealBackend } from '../../real/index.ts';
import { cluster, runYaml } from './helpers.ts';

const folder = mkdtempSync(join(tmpdir(), 'busfuzz-clock-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function startServer(): Promise<{ server: ServerProcess; port: number; clock: NodeClockControl }> {
  const port = await findFreePort('127.0.0.1');
  writeFileSync(
    join(folder, 'server.conf'),
    `port ${port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir "${folder}"\nlogfile "server.log"\n`,
  );
  const clock = new NodeClockControl(folder);
  const server = new ServerProcess({
    name: 'node-0',
    binary: findServer().binary,
    folder,
    host: '127.0.0.1',
    clientPort: port,
    env: clockShimEnv(folder),
  });
  await server.start();
  return { server, port, clock };
}

async function command(port: number, ...args: string[]): Promise<string> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return JSON.stringify(await client.call(args[0]!, ...args.slice(1)));
  } finally {
    client.disconnect();
  }
}

async function serverTimeMs(port: number): Promise<number> {
  const [sec, usec] = JSON.parse(await command(port, 'TIME')) as [string, string];
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

describe.skipIf(clockShimPath() === null)('the clock shim', () => {
  it('jumps and drifts the wall clock only', async () => {
    const { server, port, clock } = await startServer();
    try {
      expect(Math.abs((await serverTimeMs(port)) - Date.now())).toBeLessThan(500);
      expect(await command(port, 'INFO', 'server')).toContain('monotonic_clock:POSIX clock_gettime');
      clock.jump(-3_600_000);
      expect((await serverTimeMs(port)) - Date.now()).toBeLessThan(-3_599_000);
      expect((await serverTimeMs(port)) - Date.now()).toBeGreaterThan(-3_601_000);
      clock.jump(3_600_000);
      clock.startDrift(200_000, 1); // +20%
      await delay(2000);
      const skew = (await serverTimeMs(port)) - Date.now();
      expect(skew).toBeGreaterThan(250);
      expect(skew).toBeLessThan(700);
      clock.stopDrift(1);
      expect(Math.abs(clock.skewMs() - skew)).toBeLessThan(200);
      // The server still schedules its cron on the monotonic clock: it answers at once.
      expect(await command(port, 'PING')).toBe('"PONG"');
    } finally {
      await server.kill();
    }
  });
});

describe.skipIf(clockShimPath() === null)('clock and slow scenarios on the real backend', () => {
  const backend = createRealBackend();
  afterAll(() => backend.close());

  it('a clock jump is reported as skew left at the end; a slow primary is never failed over', async () => {
    const { result, lines } = await runYaml(
      backend,
      `scenario_id: t\nseed: 3\n${cluster()}timeline:\n` +
        '  - { at: 500ms, action: clock, target: node-2, jump: +5s }\n' +
        '  - { at: 500ms, action: slow, target: shard-0-primary, factor: 5, duration: 3s }\n' +
        'validation:\n  convergence_timeout: 20s\n',
    );
    expect(result.verdict).toBe('pass');
    expect(result.clockSkews?.['node-2']).toBe(5000);
    expect(lines.some((line) => line.includes('action=slow') && line.includes('SIGSTOP/SIGCONT'))).toBe(true);
    expect(lines.some((line) => line.includes('election-won'))).toBe(false);
  }, 60_000);
});
