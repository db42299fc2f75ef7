/**
 * Command-line and environment parsing. The environment form (FUZZ_MODE, MAX_STEPS, FUZZ_SEED, ...)
 * is equivalent to the flags; a flag wins over its variable. Bad usage is an InputError (exit 2).
 */
import { parseArgs } from 'node:util';
import { InputError, type BackendName } from '../backend.ts';
import { PROTOCOLS, type Protocol } from '../scenario/types.ts';
import type { Flags, ParsedArgs } from './context.ts';

export const COMMANDS = [
  'run',
  'fuzz',
  'reproduce',
  'shrink',
  'validate',
  'export',
  'bench',
  'report',
  'merge',
  'fleet',
  'confirm',
  'corpus',
] as const;

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
  'no-known': { type: 'boolean' },
  'valkey-server': { type: 'string' },
  report: { type: 'string' },
  shard: { type: 'string' },
  shards: { type: 'string' },
  image: { type: 'string' },
  tries: { type: 'string' },
  all: { type: 'boolean' },
  confirm: { type: 'boolean' },
  protocol: { type: 'string' },
  guided: { type: 'boolean' },
  corpus: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/**
 * The commands each flag means something to. A flag given to another command was silently ignored
 * (`fuzz --trace`, `run -o out.json`), which hid a typo or a misunderstanding: now it is exit 2.
 * Flags not listed here (added by later work) are not checked.
 */
const FLAG_COMMANDS: Record<string, readonly string[]> = {
  backend: ['run', 'fuzz', 'reproduce', 'shrink', 'fleet'],
  seed: ['run', 'fuzz', 'export', 'fleet'],
  'max-steps': ['run', 'fuzz', 'reproduce', 'bench', 'fleet'],
  json: ['run', 'fuzz', 'reproduce', 'shrink', 'bench', 'merge', 'confirm', 'corpus'],
  guided: ['fuzz'],
  corpus: ['fuzz'],
  runs: ['fuzz', 'fleet'],
  forever: ['fuzz', 'fleet'],
  workers: ['fuzz', 'fleet'],
  'time-limit': ['fuzz', 'shrink', 'fleet'],
  'crash-dir': ['run', 'fuzz'],
  trace: ['reproduce'],
  output: ['shrink', 'report', 'merge'],
  report: ['run', 'reproduce', 'fuzz', 'confirm'],
  known: ['run', 'fuzz', 'reproduce'],
  'no-known': ['run', 'fuzz', 'reproduce'],
  'valkey-server': ['run', 'fuzz', 'reproduce', 'shrink', 'confirm'],
  tries: ['confirm', 'fuzz'],
  all: ['confirm'],
  confirm: ['fuzz'],
  shard: ['fuzz'],
  shards: ['fleet'],
  image: ['fleet'],
  protocol: ['run', 'fuzz', 'reproduce', 'confirm'],
};

function flagName(name: string): string {
  return name === 'output' ? '-o/--output' : `--${name}`;
}

/** Flags that belong to other commands, and flags that contradict each other: exit 2. */
function checkFlagsFit(command: string, values: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(values)) {
    const commands = FLAG_COMMANDS[name];
    if (value === undefined || commands === undefined || commands.includes(command)) continue;
    throw new InputError(
      `${command}: ${flagName(name)} is not an option of ${command} (it is for ${commands.join(', ')}). Hint: busfuzz ${command} --help`,
    );
  }
  if (values.runs !== undefined && values.forever === true) {
    throw new InputError(
      `${command}: --runs and --forever contradict each other; give one. Hint: --time-limit SECONDS bounds a --forever run`,
    );
  }
  // A flag wins over its variable (--forever over FUZZ_RUNS, --runs over FUZZ_FOREVER); two
  // variables that contradict each other are refused like two flags.
  if (values.runs === undefined && values.forever === undefined && env.FUZZ_RUNS && env.FUZZ_FOREVER === '1') {
    throw new InputError('FUZZ_RUNS and FUZZ_FOREVER=1 contradict each other; unset one');
  }
}

function wholeNumber(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined || value === '') return undefined;
  const cleaned = value.replace(/_/g, '');
  if (!/^\d+$/.test(cleaned) || Number(cleaned) < min || !Number.isSafeInteger(Number(cleaned))) {
    throw new InputError(`${name}: expected a whole number >= ${min}, found '${value}'`);
  }
  return Number(cleaned);
}

/** --protocol: one of the protocols a scenario may name (core/scenario/types.ts). */
function protocolName(value: string | undefined): Protocol | undefined {
  if (value === undefined) return undefined;
  if (!(PROTOCOLS as readonly string[]).includes(value))
    throw new InputError(`--protocol: expected ${PROTOCOLS.join(', ')}, found '${value}'`);
  return value as Protocol;
}

function backendName(value: string | undefined, name: string): BackendName {
  const backend = value ?? 'sim';
  if (backend !== 'sim' && backend !== 'real') {
    throw new InputError(`${name}: expected 'sim' or 'real', found '${backend}'`);
  }
  return backend;
}

/** node:util's parseArgs, its error turned into a usage line (exit 2). */
function parseOrExplain(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(`usage: ${(error as Error).message}. Hint: busfuzz --help`);
  }
}

/**
 * Parses argv. With no command, or the command `env` (what `npm run fuzz` uses), the command comes
 * from FUZZ_MODE (`fuzz` when unset under `env`).
 */
export function parseCommandLine(
  argv: string[],
  env: NodeJS.ProcessEnv,
): ParsedArgs & { help: boolean; version: boolean } {
  const { values, positionals } = parseOrExplain(argv);
  let [command, ...rest] = positionals;
  if (command === undefined || command === 'env') {
    const mode = env.FUZZ_MODE ?? (command === 'env' ? 'fuzz' : undefined);
    if (mode !== undefined && mode !== 'fuzz' && mode !== 'reproduce') {
      throw new InputError(`FUZZ_MODE: expected 'fuzz' or 'reproduce', found '${mode}'`);
    }
    command = mode ?? '';
    if (command === 'reproduce' && rest.length === 0 && env.FUZZ_FILE) rest = [env.FUZZ_FILE];
  }
  if (!(values.help ?? false) && command !== '') checkFlagsFit(command, values, env);
  const flags: Flags = {
    backend: backendName(values.backend ?? env.FUZZ_BACKEND, values.backend ? '--backend' : 'FUZZ_BACKEND'),
    seed: wholeNumber(values.seed ?? env.FUZZ_SEED, values.seed ? '--seed' : 'FUZZ_SEED'),
    maxSteps: wholeNumber(values['max-steps'] ?? env.MAX_STEPS, values['max-steps'] ? '--max-steps' : 'MAX_STEPS', 1),
    json: values.json ?? false,
    // --forever wins over FUZZ_RUNS, --runs over FUZZ_FOREVER (a flag wins over its variable).
    runs: values.forever
      ? undefined
      : wholeNumber(values.runs ?? env.FUZZ_RUNS, values.runs ? '--runs' : 'FUZZ_RUNS', 1),
    forever: values.forever ?? (values.runs === undefined && env.FUZZ_FOREVER === '1'),
    workers: wholeNumber(values.workers ?? env.FUZZ_WORKERS, values.workers ? '--workers' : 'FUZZ_WORKERS', 1),
    timeLimitSec: wholeNumber(
      values['time-limit'] ?? env.FUZZ_TIME_LIMIT,
      values['time-limit'] ? '--time-limit' : 'FUZZ_TIME_LIMIT',
      1,
    ),
    crashDir: values['crash-dir'] ?? env.CRASH_DIR ?? 'crashes',
    trace: values.trace ?? false,
    output: values.output,
    known: values.known ?? env.FUZZ_KNOWN,
    noKnown: values['no-known'] ?? false,
    valkeyServer: values['valkey-server'] ?? env.VALKEY_SERVER,
    file: env.FUZZ_FILE,
    report: values.report,
    shard: values.shard,
    shards: wholeNumber(values.shards, '--shards', 1),
    image: values.image,
    tries: wholeNumber(values.tries, '--tries', 1),
    all: values.all ?? false,
    confirm: values.confirm ?? false,
    protocol: protocolName(values.protocol),
    guided: values.guided ?? false,
    corpusDir: values.corpus,
  };
  if (flags.noKnown && values.known !== undefined)
    throw new InputError('--known and --no-known: pick one (--no-known turns the known-issues list off)');
  return { command, positionals: rest, flags, help: values.help ?? false, version: values.version ?? false };
}
