/**
 * Issue 19: the real backend checks its binary against the scenario's protocol. Under valkey-8.1 or
 * redis-7.0 another version is refused (exit 3, what to install); under the default it warns. With
 * VALKEY_81_SERVER (scripts/test.sh builds 8.1.1 and exports it), a valkey-8.1 scenario runs on 8.1.1.
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../core/backend.ts';
import { loadScenarioFile } from '../../core/dsl/index.ts';
import { createRealBackend } from '../../real/index.ts';
import { checkProtocol, protocolMismatch } from '../../real/protocol-check.ts';
import type { FoundServer } from '../../real/server-binary.ts';
import { busfuzz } from '../cli/helpers.ts';

const valkey801: FoundServer = {
  binary: '/usr/bin/valkey-server',
  flavor: 'valkey',
  version: '8.0.1',
  major: 8,
  minor: 0,
};
const valkey811: FoundServer = {
  binary: '/cache/valkey-server',
  flavor: 'valkey',
  version: '8.1.1',
  major: 8,
  minor: 1,
};
const redis70: FoundServer = {
  binary: '/usr/bin/redis-server',
  flavor: 'redis',
  version: '7.0.15',
  major: 7,
  minor: 0,
};

describe('the binary against the protocol', () => {
  it('matches each protocol to its release line', () => {
    expect(protocolMismatch(valkey801, 'valkey-8.0')).toBeNull();
    expect(protocolMismatch(valkey811, 'valkey-8.1')).toBeNull();
    expect(protocolMismatch(redis70, 'redis-7.0')).toBeNull();
    expect(protocolMismatch(valkey801, 'valkey-8.1')).toBe(
      'protocol valkey-8.1 expects Valkey 8.1.x, but /usr/bin/valkey-server is Valkey 8.0.1',
    );
    expect(protocolMismatch(valkey811, 'redis-7.0')).toMatch(/expects Redis 7\.0\.x, but .* is Valkey 8\.1\.1/);
  });

  it('refuses a mismatch under valkey-8.1 and redis-7.0 (environment error), warns under the default', () => {
    expect(() => checkProtocol(valkey801, 'valkey-8.1')).toThrow(EnvironmentError);
    expect(() => checkProtocol(valkey811, 'redis-7.0')).toThrow(EnvironmentError);
    expect(checkProtocol(redis70, 'valkey-8.0')).toMatch(/running it anyway/);
    expect(checkProtocol(valkey801, 'valkey-8.0')).toBeNull();
  });

  it('busfuzz run --backend real --protocol valkey-8.1 on the 8.0.1 binary is exit 3 with the install hint', () => {
    const run = busfuzz([
      'run',
      'scenarios/kill-primary.yaml',
      '--backend',
      'real',
      '--protocol',
      'valkey-8.1',
      '--valkey-server',
      '/usr/bin/valkey-server',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /protocol valkey-8.1 expects Valkey 8\.1\.x, but \/usr\/bin\/valkey-server is Valkey 8\.0\./,
    );
    expect(run.stderr).toMatch(/install-valkey-8\.1\.sh/);
  });

  it.runIf(process.env.VALKEY_81_SERVER)('runs a valkey-8.1 scenario on the built 8.1.1 binary', async () => {
    const backend = createRealBackend({ valkeyServer: process.env.VALKEY_81_SERVER, spares: 'never' });
    try {
      expect(backend.server.version).toBe('8.1.1');
      const scenario = { ...loadScenarioFile('scenarios/kill-primary.yaml'), protocol: 'valkey-8.1' as const };
      const result = await backend.run(scenario, { maxSteps: 10_000 });
      expect(result.server?.version).toBe('8.1.1');
      expect(result.verdict).toBe('pass');
    } finally {
      await backend.close();
    }
  });
});
