/**
 * The regression corpus: every crash file in crashes/ is replayed on the simulator and must hit
 * its recorded fingerprint (exact step and trace hash are reported but not required here: a
 * deliberate change to the simulator model moves them, and `busfuzz reproduce` checks them).
 * Crash files found on the real backend are replayed by the real-backend tests.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isCrashFileName, parseCrashFile } from '../../../core/crash/index.ts';
import { createSimBackend } from '../../../sim/index.ts';

const CRASH_DIR = fileURLToPath(new URL('../../../crashes/', import.meta.url));
const names = readdirSync(CRASH_DIR).filter(isCrashFileName).sort();
// Parsed while collecting, so a broken corpus file fails the run loudly here.
const crashes = names.map((name) => ({
  name,
  crash: parseCrashFile(readFileSync(join(CRASH_DIR, name), 'utf8'), `crashes/${name}`),
}));
const simCrashes = crashes.filter(({ crash }) => crash.backend === 'sim');

describe('crashes/ corpus', () => {
  it('holds only crash files (and its README); folders are real-backend node logs kept beside them', () => {
    const others = readdirSync(CRASH_DIR, { withFileTypes: true })
      .filter(
        (entry) =>
          entry.isFile() && !isCrashFileName(entry.name) && entry.name !== 'README.md' && entry.name !== '.gitkeep',
      )
      .map((entry) => entry.name);
    expect(others).toEqual([]);
  });

  it.each(simCrashes)('$name replays on the simulator to its fingerprint', async ({ name, crash }) => {
    const result = await createSimBackend().run(crash.scenario, { maxSteps: crash.maxSteps });
    expect(result.violation?.fingerprint, `${name}: ${result.verdict} after ${result.steps} steps`).toBe(
      crash.violation.fingerprint,
    );
  });
});
