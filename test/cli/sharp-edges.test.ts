/**
 * Sharp edges a new user found, each through bin/busfuzz.js (sim backend) as that user would meet
 * it: the exit code and the one line that says what to change, never a stack trace.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../core/cli/args.ts';
import { REPO_ROOT, busfuzz } from './helpers.ts';

const scratch = mkdtempSync(join(tmpdir(), 'busfuzz-edges-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const noStack = (stderr: string) => expect(stderr).not.toMatch(/internal error|\n\s+at /);
const CRASH = 'crashes/crash-08d4abf33d70-1.min.json';

describe('the crash folder is checked at start', () => {
  const aFile = join(scratch, 'not-a-folder');
  writeFileSync(aFile, 'x');

  it.each([
    ['fuzz via CRASH_DIR', ['fuzz', '--runs', '1'], { CRASH_DIR: aFile }],
    ['run via --crash-dir', ['run', 'scenarios/kill-primary.yaml', '--crash-dir', aFile], {}],
    // The real backend keeps a violation's node folders there.
    ['reproduce --backend real via CRASH_DIR', ['reproduce', CRASH, '--backend', 'real'], { CRASH_DIR: aFile }],
  ])('%s naming a regular file: exit 3 with a message', (_, args, env) => {
    const run = busfuzz(args, env);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(`busfuzz: crash folder ${aFile} is a file, not a folder`);
    expect(run.stderr).toContain('Hint: set CRASH_DIR (or --crash-dir) to a folder you can write');
    noStack(run.stderr);
  });

  it('a folder that cannot be created (a path under a regular file) is found before any run: exit 3', () => {
    const run = busfuzz(['fuzz', '--runs', '1', '--crash-dir', join(aFile, 'crashes')]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('a part of that path is a file, not a folder');
    expect(run.stderr).not.toContain('busfuzz fuzz:'); // the start line: nothing ran
  });

  // A folder nobody can create files in, root included: the probe file, not mode bits, decides.
  it.skipIf(process.platform !== 'linux')(
    'a folder where files cannot be created (/proc) is found at start, by run and fuzz: exit 3',
    () => {
      for (const args of [
        ['fuzz', '--runs', '1', '--crash-dir', '/proc'],
        ['run', 'scenarios/kill-primary.yaml', '--crash-dir', '/proc'],
      ]) {
        const run = busfuzz(args);
        expect(run.code, run.stderr).toBe(3);
        expect(run.stderr).toContain('busfuzz: crash folder /proc is not writable');
        expect(run.stderr).not.toContain('busfuzz fuzz:');
        expect(run.stderr).not.toContain('pass after');
      }
    },
  );

  // As root, chmod does not stop writes (the probe would succeed): the case is only meaningful,
  // and only run, for another user. The path-under-a-file case above covers root.
  it.skipIf(process.getuid?.() === 0)('a read-only crash folder is found at start (non-root only)', () => {
    const readOnly = join(scratch, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    try {
      const run = busfuzz(['fuzz', '--runs', '1', '--crash-dir', readOnly]);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toContain(`crash folder ${readOnly} is not writable`);
    } finally {
      chmodSync(readOnly, 0o755);
    }
  });
});

describe('partition groups', () => {
  const scenario = (groups: string) => {
    const file = join(scratch, `groups-${Math.abs(hash(groups))}.yaml`);
    writeFileSync(
      file,
      `scenario_id: groups\nseed: 1\ncluster: {num_shards: 2, replicas_per_shard: 1}\ntimeline:\n  - at: 1s\n    action: partition\n    groups: ${groups}\n    duration: 2s\n`,
    );
    return file;
  };

  it.each([
    [
      'one node in two groups',
      '[[node-0, node-1], [node-2, node-1]]',
      /:7:\d+: timeline\[0\]\.groups\[1\]: names node-1, which is already in timeline\[0\]\.groups\[0\]/,
    ],
    ['rest twice', '[[node-0], rest, rest]', /:7:\d+: timeline\[0\]\.groups\[2\]: 'rest' may appear only once/],
    [
      'rest inside a group and on its own',
      '[[node-0], [node-1, rest], rest]',
      /:7:\d+: timeline\[0\]\.groups\[2\]: 'rest' may appear only once/,
    ],
  ])('%s: run exits 2 naming file, line and field', (_, groups, message) => {
    const file = scenario(groups);
    const run = busfuzz(['run', file]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toMatch(message);
  });

  it('rest inside a group, as the README says: node-1 and every node not named elsewhere', () => {
    const run = busfuzz(['run', scenario('[[node-0], [node-1, rest]]')], { LOG_LEVEL: 'info' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('[node-0] | [node-1,node-2,node-3]');
  });
});

describe('conflicting and misplaced flags', () => {
  it.each([
    [['fuzz', '--runs', '5', '--forever'], {}, 'fuzz: --runs and --forever contradict each other'],
    [['fuzz'], { FUZZ_RUNS: '5', FUZZ_FOREVER: '1' }, 'FUZZ_RUNS and FUZZ_FOREVER=1 contradict each other'],
    [['fuzz', '--trace'], {}, 'fuzz: --trace is not an option of fuzz (it is for reproduce)'],
    [
      ['run', 'scenarios/kill-primary.yaml', '-o', 'x.json'],
      {},
      'run: -o/--output is not an option of run (it is for shrink, report, merge)',
    ],
    [
      ['run', 'scenarios/kill-primary.yaml', '--workers', '2'],
      {},
      'run: --workers is not an option of run (it is for fuzz, fleet)',
    ],
    [['reproduce', CRASH, '--seed', '3'], {}, 'reproduce: --seed is not an option of reproduce'],
    [['export', '--seed', '3', '--backend', 'real'], {}, 'export: --backend is not an option of export'],
  ] as const)('%j %j: exit 2', (args, env, message) => {
    const run = busfuzz([...args], { ...env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a flag wins over the variable: --forever over FUZZ_RUNS (documented), with --time-limit bounding it', () => {
    const run = busfuzz(
      [
        'fuzz',
        '--forever',
        '--time-limit',
        '1',
        '--workers',
        '1',
        '--max-steps',
        '100',
        '--crash-dir',
        join(scratch, 'forever'),
      ],
      { FUZZ_RUNS: '5' },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('until stopped, at most 1 s');
  });

  it('--workers above the core count says so in a warning line, and runs', () => {
    const workers = availableParallelism() + 1;
    const run = busfuzz([
      'fuzz',
      '--runs',
      '1',
      '--workers',
      String(workers),
      '--max-steps',
      '100',
      '--crash-dir',
      join(scratch, 'workers'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`busfuzz: warning: ${workers} workers on ${availableParallelism()} cores`);
  });
});

describe('crash files in the wrong place or with the wrong shape', () => {
  const crashText = readFileSync(join(REPO_ROOT, CRASH), 'utf8');

  it('run given a crash file says to use reproduce (exit 2)', () => {
    const run = busfuzz(['run', CRASH]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim()).toBe(
      `busfuzz: run: ${CRASH} is a busfuzz crash file, not a scenario; use reproduce to replay it: busfuzz reproduce ${CRASH}`,
    );
  });

  it('a field of the wrong type is named: seed "abc" -> seed: expected an integer', () => {
    const file = join(scratch, 'seed-abc.json');
    writeFileSync(file, crashText.replace(/\n {2}"seed": \d+,/, '\n  "seed": "abc",'));
    const run = busfuzz(['reproduce', file]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim()).toMatch(
      new RegExp(`^busfuzz: ${file}:\\d+: seed: expected an integer >= 0, found "abc"$`),
    );
  });

  it('invalid JSON is one line with the file, line and column', () => {
    const file = join(scratch, 'broken.json');
    const broken = crashText.replace('"seed":', '"seed"::');
    writeFileSync(file, broken);
    const line = broken.slice(0, broken.indexOf('"seed"::')).split('\n').length;
    const run = busfuzz(['reproduce', file]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      new RegExp(`^busfuzz: ${file}:${line}: \\(json\\): not JSON at line ${line}, column \\d+: `),
    );
    const truncated = join(scratch, 'truncated.json');
    writeFileSync(truncated, crashText.slice(0, 200));
    const cut = busfuzz(['reproduce', truncated]);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/truncated or not JSON at line \d+, column \d+: /);
  });
});

describe('documentation that a new user copies', () => {
  it('every crashes/... path the README names exists', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const paths = [...readme.matchAll(/crashes\/(crash-[A-Za-z0-9._-]+\.json)/g)].map((match) => match[1]!);
    expect(paths.length).toBeGreaterThan(0);
    const present = new Set(readdirSync(join(REPO_ROOT, 'crashes')));
    expect(paths.filter((name) => !present.has(name))).toEqual([]);
  });

  it.each(COMMANDS.map((command) => [command]))('busfuzz %s --help: its usage and an example, exit 0', (command) => {
    const run = busfuzz([command, '--help']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.startsWith(`busfuzz ${command}`)).toBe(true);
    expect(run.stdout).toMatch(new RegExp(`Example:\\n {2}busfuzz ${command}\\b`));
  });
});

function hash(text: string): number {
  let h = 0;
  for (const char of text) h = (h * 31 + char.charCodeAt(0)) | 0;
  return h;
}
