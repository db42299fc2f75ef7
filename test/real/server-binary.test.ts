/**
 * Finding the server: the order (flag, VALKEY_SERVER, valkey-server, redis-server), version
 * parsing, and the environment error with an install hint when there is none.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../core/backend.ts';
import { findServer, parseServerVersion } from '../../real/server-binary.ts';

const folder = mkdtempSync(join(tmpdir(), 'busfuzz-binary-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A fake server binary that prints a version line. */
function fakeServer(name: string, versionLine: string): string {
  const path = join(folder, name);
  writeFileSync(path, `#!/bin/sh\necho '${versionLine}'\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('findServer', () => {
  it('parses Valkey and Redis version lines', () => {
    expect(
      parseServerVersion('Valkey server v=8.0.1 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=39f7c371e0a96e3d'),
    ).toEqual({ flavor: 'valkey', version: '8.0.1', major: 8, minor: 0 });
    expect(parseServerVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64')).toEqual({
      flavor: 'redis',
      version: '7.0.15',
      major: 7,
      minor: 0,
    });
    expect(parseServerVersion('something else')).toBeNull();
  });

  it('prefers the flag, then VALKEY_SERVER, then valkey-server, then redis-server on PATH', () => {
    const valkey = fakeServer('valkey-server', 'Valkey server v=8.0.1 sha=0');
    const redis = fakeServer('redis-server', 'Redis server v=7.0.15 sha=0');
    const other = fakeServer('custom-server', 'Valkey server v=8.1.0 sha=0');
    const env = { PATH: folder };
    expect(findServer({ env }).binary).toBe(valkey);
    expect(findServer({ env: { ...env, VALKEY_SERVER: other } }).version).toBe('8.1.0');
    expect(findServer({ valkeyServer: redis, env: { ...env, VALKEY_SERVER: other } }).flavor).toBe('redis');
    rmSync(valkey);
    expect(findServer({ env }).binary).toBe(redis);
  });

  it('fails with an environment error and an install hint when nothing is found or it is too old', () => {
    const empty = mkdtempSync(join(folder, 'empty-'));
    const missing = () => findServer({ env: { PATH: empty } });
    expect(missing).toThrow(EnvironmentError);
    expect(missing).toThrow(/no valkey-server/);
    try {
      missing();
    } catch (error) {
      expect((error as EnvironmentError).hint).toMatch(/install-valkey\.sh|bookworm-backports/);
    }
    expect(() => findServer({ valkeyServer: join(empty, 'nope'), env: {} })).toThrow(/not found or not executable/);
    const old = fakeServer('old-server', 'Redis server v=6.2.14 sha=0');
    expect(() => findServer({ valkeyServer: old, env: {} })).toThrow(/needs 7\.0 or newer/);
  });
});
