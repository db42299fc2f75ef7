// The command line and its environment form: a flag wins over its variable, bad values are input
// errors (exit 2), and `npm run fuzz` (the `env` command) takes its mode from FUZZ_MODE.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/backend.ts';
import { parseCommandLine } from '../../../core/cli/args.ts';

describe('parseCommandLine', () => {
  it('reads flags of the run command', () => {
    const args = parseCommandLine(
      ['run', 'a.yaml', '--backend', 'real', '--seed', '7', '--max-steps', '1_000', '--json'],
      {},
    );
    expect(args.command).toBe('run');
    expect(args.positionals).toEqual(['a.yaml']);
    expect(args.flags).toMatchObject({ backend: 'real', seed: 7, maxSteps: 1000, json: true });
  });

  it('takes the environment form, and a flag wins over its variable', () => {
    const env = {
      FUZZ_MODE: 'fuzz',
      MAX_STEPS: '200000',
      FUZZ_SEED: '1',
      FUZZ_RUNS: '40',
      FUZZ_WORKERS: '2',
      CRASH_DIR: 'out',
    };
    const fromEnv = parseCommandLine([], env);
    expect(fromEnv.command).toBe('fuzz');
    expect(fromEnv.flags).toMatchObject({ maxSteps: 200000, seed: 1, runs: 40, workers: 2, crashDir: 'out' });
    const flagWins = parseCommandLine(['fuzz', '--seed', '9'], env);
    expect(flagWins.flags.seed).toBe(9);
  });

  it('turns FUZZ_MODE=reproduce with FUZZ_FILE into reproduce <file>', () => {
    const args = parseCommandLine(['env'], { FUZZ_MODE: 'reproduce', FUZZ_FILE: 'crashes/x.json' });
    expect(args.command).toBe('reproduce');
    expect(args.positionals).toEqual(['crashes/x.json']);
  });

  it('defaults the env command to fuzz, and leaves max steps unset when not given', () => {
    const args = parseCommandLine(['env'], {});
    expect(args.command).toBe('fuzz');
    expect(args.flags.maxSteps).toBeUndefined();
    expect(args.flags.crashDir).toBe('crashes');
  });

  it.each([
    [['run', '--seed', 'abc'], {}, '--seed'],
    [['run', '--max-steps', '0'], {}, '--max-steps'],
    [['run', '--backend', 'docker'], {}, '--backend'],
    [['run', '--nope'], {}, 'usage'],
    [[], { FUZZ_MODE: 'explode' }, 'FUZZ_MODE'],
    [[], { MAX_STEPS: '-5', FUZZ_MODE: 'fuzz' }, 'MAX_STEPS'],
  ] as const)('rejects %j %j naming %s', (argv, env, name) => {
    expect(() => parseCommandLine([...argv], { ...env })).toThrow(InputError);
    expect(() => parseCommandLine([...argv], { ...env })).toThrow(name);
  });
});
