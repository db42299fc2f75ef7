/** When a replay counts as reproduced: exact on the simulator, the same invariant with real processes. */
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../core/backend.ts';
import { buildCrashFile, compareReplay } from '../../../core/crash/index.ts';
import { FakeBackend, generateFake } from '../fuzz/fake-backend.ts';

async function crashAndRun() {
  const scenario = generateFake(1);
  const result = await new FakeBackend().run(scenario, { maxSteps: 1_000_000 });
  return { crash: buildCrashFile({ scenario, result, maxSteps: 1_000_000 }), result };
}

describe('compareReplay', () => {
  it('sim: the same invariant, step and trace hash reproduce; anything else does not, and says what', async () => {
    const { crash, result } = await crashAndRun();
    expect(compareReplay(crash, result)).toEqual({ reproduced: true, exact: true, differences: [] });
    const laterStep: RunResult = { ...result, violation: { ...result.violation!, step: result.violation!.step + 1 } };
    expect(compareReplay(crash, laterStep)).toMatchObject({
      reproduced: false,
      differences: [`step: expected ${crash.violation.step}, got ${crash.violation.step + 1}`],
    });
    const otherTrace: RunResult = { ...result, traceHash: 'f'.repeat(64) };
    expect(compareReplay(crash, otherTrace)).toMatchObject({
      reproduced: false,
      differences: [expect.stringMatching(/^trace hash: expected [0-9a-f]{64}, got f{64}$/)],
    });
    const passed: RunResult = { ...result, verdict: 'pass', violation: null, steps: 77, traceHash: crash.traceHash };
    expect(compareReplay(crash, passed)).toMatchObject({
      reproduced: false,
      differences: [
        `invariant: expected ${crash.violation.invariant} at step ${crash.violation.step}, but the run passed after 77 steps`,
      ],
    });
  });

  it('an inconclusive replay says so, not that it passed', async () => {
    const { crash, result } = await crashAndRun();
    const cut: RunResult = { ...result, verdict: 'inconclusive', violation: null, steps: 5 };
    expect(compareReplay(crash, cut).differences[0]).toBe(
      `invariant: expected ${crash.violation.invariant} at step ${crash.violation.step}, but the run was inconclusive (the step bound ended it first) after 5 steps`,
    );
  });

  it('real: the same invariant reproduces; a step difference is reported, a trace-hash one (wall-clock timings) is not', async () => {
    const { crash, result } = await crashAndRun();
    const onReal: RunResult = {
      ...result,
      backend: 'real',
      traceHash: 'e'.repeat(64),
      violation: { ...result.violation!, step: 3 },
    };
    const comparison = compareReplay(crash, onReal);
    expect(comparison).toMatchObject({ reproduced: true, exact: false });
    expect(comparison.differences).toEqual([`step: expected ${crash.violation.step}, got 3`]);
    const otherInvariant: RunResult = {
      ...onReal,
      violation: { ...onReal.violation!, invariant: 'views-agree', fingerprint: 'views-agree/x' },
    };
    expect(compareReplay(crash, otherInvariant).reproduced).toBe(false);
  });
});
