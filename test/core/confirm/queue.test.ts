/**
 * fuzz --confirm's queue without servers: a fake "real" backend that hits on its second try. Each
 * new finding is confirmed in turn (stopping at its first hit), the result is appended to its
 * crash file, and nothing is left beside it when no try hit.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, RunOptions, RunResult } from '../../../core/backend.ts';
import { confirmQueue } from '../../../core/confirm/queue.ts';
import { readConfirmations } from '../../../core/confirm/record.ts';
import { buildCrashFile, writeCrashFile } from '../../../core/crash/index.ts';
import type { Scenario } from '../../../core/scenario/types.ts';
import { FakeBackend, generateFake } from '../fuzz/fake-backend.ts';

const dir = mkdtempSync(join(tmpdir(), 'busfuzz-confirm-queue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Replays like the fake simulator, as a real backend would report it; misses until try `hitFrom`. */
class FakeReal implements Backend {
  readonly name = 'real' as const;
  tries = 0;
  constructor(private readonly hitFrom: number) {}
  async run(scenario: Scenario, options: RunOptions): Promise<RunResult> {
    this.tries++;
    const result = await new FakeBackend().run(scenario, options);
    const hit = this.tries >= this.hitFrom;
    expect(options.steering).toBeDefined();
    return {
      ...result,
      backend: 'real',
      server: { binary: '/usr/bin/valkey-server', version: '8.0.1' },
      ...(hit ? {} : { verdict: 'pass' as const, violation: null }),
    };
  }
}

async function findingFor(seed: number): Promise<{ fingerprint: string; crashFile: string }> {
  const scenario = generateFake(seed);
  const result = await new FakeBackend().run(scenario, { maxSteps: 1_000_000 });
  const crash = buildCrashFile({ scenario, result, maxSteps: 1_000_000 });
  return { fingerprint: crash.violation.fingerprint, crashFile: await writeCrashFile(dir, crash) };
}

describe('confirm queue', () => {
  it('confirms each finding, stops at the first hit, and records it in the crash file', async () => {
    let seed = 1;
    let finding: { fingerprint: string; crashFile: string } | null = null;
    // The first fake seed with a finding.
    for (; finding === null && seed < 200; seed++) {
      const scenario = generateFake(seed);
      const result = await new FakeBackend().run(scenario, { maxSteps: 1_000_000 });
      if (result.violation !== null) finding = await findingFor(seed);
    }
    expect(finding).not.toBeNull();
    const real = new FakeReal(2);
    const lines: string[] = [];
    const outcomes = await confirmQueue({
      findings: [finding!],
      sim: new FakeBackend(),
      real,
      tries: 5,
      signal: new AbortController().signal,
      say: (line) => lines.push(line),
    });
    expect(real.tries).toBe(2);
    expect(outcomes.get(finding!.fingerprint)).toMatchObject({ tries: 2, hits: 1 });
    const [recorded] = await readConfirmations(finding!.crashFile);
    expect(recorded).toMatchObject({ backend: 'real', tries: 2, hits: 1, server: { version: '8.0.1' } });
    expect(lines.join('\n')).toContain('CONFIRMED on valkey-server 8.0.1, 1/2');

    const never = new FakeReal(99);
    const missed = await confirmQueue({
      findings: [finding!],
      sim: new FakeBackend(),
      real: never,
      tries: 3,
      signal: new AbortController().signal,
      say: () => {},
    });
    expect(missed.get(finding!.fingerprint)).toMatchObject({ tries: 3, hits: 0, logs: null });
    expect((await readConfirmations(finding!.crashFile)).map((entry) => entry.hits)).toEqual([1, 0]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.confirm'))).toEqual([]);
  });
});
