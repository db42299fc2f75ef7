/**
 * Command-line and environment parsing. The environment form (FUZZ_MODE, MAX_STEPS, FUZZ_SEED, ...)
 * is equivalent to the flags; a flag wins over its variable. Bad usage is an InputError (exit 2).
 */
import { parseArgs } from 'node:util';
import { InputError, type BackendName } from '../backend.ts';
import type { Flags, ParsedArgs } from './context.ts';

export const COMMANDS = ['run', 'fuzz', 'reproduce', 'shrink', 'validate', 'export', 'bench', 'confirm'] as const;

const OPTIONS = {
  backend: { type: 'string' },
  seed: { type: 'string' },
  'max-steps': { type: 'string' },
  json: { type: 'boolean' },
  runs: { type: 'string' },
  forever: { type: 'boolean' },
  workers: { type: 'string' },
  'time-limit': { type: 'string' },
  'crash-dir': { type: 'string' },
  trace: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  known: { type: 'string' },
  'valkey-server': { type: 'string' },
  tries: { type: 'string' },
  all: { type: 'boolean' },
  confirm: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

function wholeNumber(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined || value === '') return undefined;
  const cleaned = value.replace(/_/g, '');
  if (!/^\d+$/.test(cleaned) || Number(cleaned) < min || !Number.isSafeInteger(Number(cleaned))) {
    throw new InputError(`${name}: expected a whole number >= ${min}, found '${value}'`);
  }
  return Number(cleaned);
}

function backendName(value: string | undefined, name: string): BackendName {
  const backend = value ?? 'sim';
  if (backend !== 'sim' && backend !== 'real') {
    throw new InputError(`${name}: expected 'sim' or 'real', found '${backend}'`);
  }
  return backend;
}

/**
 * Parses argv. With no command, or the command `env` (what `npm run fuzz` uses), the command comes
 * from FUZZ_MODE (`fuzz` when unset under `env`).
 */
export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): ParsedArgs & { help: boolean; version: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(`usage: ${(error as Error).message}. Hint: busfuzz --help`);
  }
  const { values, positionals } = parsed;
  let [command, ...rest] = positionals;
  if (command === undefined || command === 'env') {
    const mode = env.FUZZ_MODE ?? (command === 'env' ? 'fuzz' : undefined);
    if (mode !== undefined && mode !== 'fuzz' && mode !== 'reproduce') {
      throw new InputError(`FUZZ_MODE: expected 'fuzz' or 'reproduce', found '${mode}'`);
    }
    command = mode ?? '';
    if (command === 'reproduce' && rest.length === 0 && env.FUZZ_FILE) rest = [env.FUZZ_FILE];
  }
  const flags: Flags = {
    backend: backendName(values.backend ?? env.FUZZ_BACKEND, values.backend ? '--backend' : 'FUZZ_BACKEND'),
    seed: wholeNumber(values.seed ?? env.FUZZ_SEED, values.seed ? '--seed' : 'FUZZ_SEED'),
    maxSteps: wholeNumber(values['max-steps'] ?? env.MAX_STEPS, values['max-steps'] ? '--max-steps' : 'MAX_STEPS', 1),
    json: values.json ?? false,
    runs: wholeNumber(values.runs ?? env.FUZZ_RUNS, values.runs ? '--runs' : 'FUZZ_RUNS', 1),
    forever: values.forever ?? env.FUZZ_FOREVER === '1',
    workers: wholeNumber(values.workers ?? env.FUZZ_WORKERS, values.workers ? '--workers' : 'FUZZ_WORKERS', 1),
    timeLimitSec: wholeNumber(values['time-limit'] ?? env.FUZZ_TIME_LIMIT, values['time-limit'] ? '--time-limit' : 'FUZZ_TIME_LIMIT', 1),
    crashDir: values['crash-dir'] ?? env.CRASH_DIR ?? 'crashes',
    trace: values.trace ?? false,
    output: values.output,
    known: values.known ?? env.FUZZ_KNOWN,
    valkeyServer: values['valkey-server'] ?? env.VALKEY_SERVER,
    file: env.FUZZ_FILE,
    tries: wholeNumber(values.tries, '--tries', 1),
    all: values.all ?? false,
    confirm: values.confirm ?? false,
  };
  return { command, positionals: rest, flags, help: values.help ?? false, version: values.version ?? false };
}
