/**
 * Crash files: the JSON round trip (a property over every valid scenario), the file name, the
 * atomic write, and every way a bad file is refused with the file, line and field named.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../core/backend.ts';
import {
  CRASH_FORMAT,
  CrashFileError,
  buildCrashFile,
  crashFileName,
  crashToDocument,
  crashToJson,
  fingerprintKey,
  isCrashFileName,
  parseCrashFile,
  readCrashFile,
  removeStaleTempFiles,
  writeCrashFile,
  type CrashFile,
} from '../../../core/crash/index.ts';
import { scenarioArbitrary } from '../dsl/arbitraries.ts';
import { FC_SEED, fcParams } from '../../fc-config.ts';
import { FakeBackend, generateFake } from '../fuzz/fake-backend.ts';

async function sampleCrash(seed = 1): Promise<CrashFile> {
  const scenario = generateFake(seed);
  const result = await new FakeBackend().run(scenario, { maxSteps: 1_000_000 });
  expect(result.violation).not.toBeNull();
  return buildCrashFile({ scenario, result, maxSteps: 1_000_000, createdAt: new Date('2026-01-02T03:04:05Z') });
}

function expectCrashError(run: () => unknown, field: string, reason: RegExp, line?: number): CrashFileError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CrashFileError);
  expect(caught).toBeInstanceOf(InputError);
  const error = caught as CrashFileError;
  expect(error.message).toContain('x.json');
  if (field !== 'scenario') expect(error.field).toBe(field);
  expect(error.message).toMatch(reason);
  if (line !== undefined) expect(error.line).toBe(line);
  return error;
}

describe(`crash file round trip (FC_SEED=${FC_SEED})`, () => {
  it('parse(save(crash)) equals crash for every valid scenario', () => {
    const violationArbitrary = fc.record({
      step: fc.nat({ max: 1_000_000 }),
      timeMs: fc.nat(),
      nodes: fc.array(fc.constantFrom('node-0', 'node-1', 'node-7')),
      message: fc.string(),
      shape: fc.stringMatching(/^[a-z0-9-]{1,20}$/),
    });
    fc.assert(
      fc.property(
        scenarioArbitrary({ maxShards: 8, maxSteps: 8 }),
        violationArbitrary,
        fc.boolean(),
        (scenario, v, real) => {
          const crash = buildCrashFile({
            scenario,
            maxSteps: 1_000_000,
            createdAt: new Date(0),
            result: {
              scenarioId: scenario.scenarioId,
              backend: real ? 'real' : 'sim',
              seed: scenario.seed,
              verdict: 'violation',
              steps: v.step,
              simTimeMs: v.timeMs,
              traceHash: 'a'.repeat(64),
              traceTail: ['x', 'y'],
              server: real ? { binary: '/usr/bin/valkey-server', version: '8.0.1' } : null,
              messages: 0,
              stats: {},
              violation: {
                invariant: 'views-agree',
                message: v.message,
                step: v.step,
                timeMs: v.timeMs,
                nodes: v.nodes,
                fingerprint: `views-agree/${v.shape}`,
              },
            },
          });
          expect(parseCrashFile(crashToJson(crash), 'x.json')).toEqual(crash);
        },
      ),
      fcParams(100),
    );
  });

  it('writes the interface page fields in its order, snake_case', async () => {
    const doc = crashToDocument(await sampleCrash());
    expect(Object.keys(doc)).toEqual([
      'format',
      'tool_version',
      'backend',
      'protocol',
      'server',
      'seed',
      'max_steps',
      'scenario',
      'violation',
      'fingerprint',
      'trace_hash',
      'trace_tail',
      'created_at',
    ]);
    expect(doc.format).toBe(CRASH_FORMAT);
    expect(Object.keys(doc.violation as object)).toEqual(['invariant', 'message', 'step', 'time_ms', 'nodes']);
    expect((doc.scenario as Record<string, unknown>).scenario_id).toBe('fake-1');
  });
});

describe('crash file names', () => {
  it('are crash-<12 hex of sha256(fingerprint)>-<seed>.json', () => {
    // printf 'views-agree/x' | sha256sum | cut -c1-12
    expect(fingerprintKey('views-agree/x')).toBe('5c75c437da0d');
    expect(crashFileName('views-agree/x', 17)).toBe('crash-5c75c437da0d-17.json');
    expect(fingerprintKey('views-agree/x')).not.toBe(fingerprintKey('views-agree/y'));
    expect(isCrashFileName(crashFileName('views-agree/x', 17))).toBe(true);
    expect(isCrashFileName('.crash-0123456789ab-17.json.99.0.tmp')).toBe(false);
    expect(isCrashFileName('notes.json')).toBe(false);
  });
});

describe('writing crash files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'busfuzz-crash-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes atomically under its name, creates the folder, and reads back equal', async () => {
    const crash = await sampleCrash();
    const path = await writeCrashFile(join(dir, 'new', 'crashes'), crash);
    expect(path).toBe(join(dir, 'new', 'crashes', crashFileName(crash.violation.fingerprint, crash.seed)));
    expect(await readdir(join(dir, 'new', 'crashes'))).toEqual([
      crashFileName(crash.violation.fingerprint, crash.seed),
    ]);
    expect(await readCrashFile(path)).toEqual(crash);
    expect(await readFile(path, 'utf8')).toBe(crashToJson(crash));
  });

  it('removes temp files of dead writers only', async () => {
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max default: never a live process
    await writeFile(join(dir, `.crash-0123456789ab-1.json.${deadPid}.0.tmp`), '{"form');
    await writeFile(join(dir, `.crash-0123456789ab-2.json.${process.pid}.0.tmp`), '{"form');
    expect(await removeStaleTempFiles(dir)).toEqual([`.crash-0123456789ab-1.json.${deadPid}.0.tmp`]);
    expect(await readdir(dir)).toEqual([`.crash-0123456789ab-2.json.${process.pid}.0.tmp`]);
    expect(await removeStaleTempFiles(join(dir, 'missing'))).toEqual([]);
  });
});

describe('bad crash files are refused with the file, line and field', () => {
  let json: string;
  beforeEach(async () => {
    json = crashToJson(await sampleCrash());
  });
  const edit = (change: (doc: Record<string, unknown>) => void) => {
    const doc = JSON.parse(json) as Record<string, unknown>;
    change(doc);
    return JSON.stringify(doc, null, 2);
  };

  it('truncated', () => {
    expectCrashError(() => parseCrashFile(json.slice(0, json.length / 2), 'x.json'), '(json)', /truncated or not JSON/);
  });
  it('empty', () => {
    expectCrashError(() => parseCrashFile('\n', 'x.json'), '(file)', /empty/);
  });
  it('not JSON, with the line of the error', () => {
    expectCrashError(
      () => parseCrashFile('{\n  "format": "busfuzz-crash/1",\n  oops\n}', 'x.json'),
      '(json)',
      /not JSON/,
      3,
    );
  });
  it('foreign: another format, or no format at all', () => {
    expectCrashError(
      () =>
        parseCrashFile(
          edit((d) => {
            d.format = 'afl-crash/2';
          }),
          'x.json',
        ),
      'format',
      /not a busfuzz crash file \(format "afl-crash\/2"/,
      2,
    );
    expectCrashError(
      () => parseCrashFile('{"name": "package", "version": "1.0.0"}', 'x.json'),
      'format',
      /no format field/,
    );
    expectCrashError(() => parseCrashFile('[1, 2]', 'x.json'), '(file)', /expected an object/);
  });
  it('a field of the wrong type, with its line', () => {
    const error = expectCrashError(
      () =>
        parseCrashFile(
          edit((d) => {
            (d.violation as Record<string, unknown>).step = 'late';
          }),
          'x.json',
        ),
      'violation.step',
      /expected an integer >= 0, found "late"/,
    );
    const line = json.split('\n').findIndex((text) => text.includes('"step":')) + 1;
    expect(error.line).toBe(line);
    expectCrashError(
      () =>
        parseCrashFile(
          edit((d) => {
            d.trace_hash = 'abc';
          }),
          'x.json',
        ),
      'trace_hash',
      /64 hex/,
    );
    expectCrashError(
      () =>
        parseCrashFile(
          edit((d) => {
            delete d.seed;
          }),
          'x.json',
        ),
      'seed',
      /missing/,
    );
    expectCrashError(
      () =>
        parseCrashFile(
          edit((d) => {
            d.backend = 'qemu';
          }),
          'x.json',
        ),
      'backend',
      /sim, real/,
    );
    expectCrashError(
      () =>
        parseCrashFile(
          edit((d) => {
            (d.violation as Record<string, unknown>).invariant = 'no-bugs';
          }),
          'x.json',
        ),
      'violation.invariant',
      /one of/,
    );
    expectCrashError(
      () =>
        parseCrashFile(
          edit((d) => {
            d.fingerprint = 'views-agree/x';
          }),
          'x.json',
        ),
      'fingerprint',
      /start with the violated invariant/,
    );
    expectCrashError(
      () =>
        parseCrashFile(
          edit((d) => {
            d.max_steps = 10;
          }),
          'x.json',
        ),
      'violation.step',
      /beyond max_steps/,
    );
  });
  it('a bad scenario, with the scenario field path', () => {
    const error = expectCrashError(
      () =>
        parseCrashFile(
          edit((d) => {
            ((d.scenario as Record<string, unknown>).cluster as Record<string, unknown>).num_shards = 0;
          }),
          'x.json',
        ),
      'scenario',
      /scenario\.cluster\.num_shards/,
    );
    expect(error.message).toMatch(/^x\.json/);
  });
  it('a missing file or a folder', async () => {
    await expect(readCrashFile('/nonexistent/x.json')).rejects.toThrow(/x\.json: \(file\): no such file/);
    await expect(readCrashFile(tmpdir())).rejects.toThrow(/is a folder/);
  });
});
