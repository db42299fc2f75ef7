/**
 * The busfuzz command line: parses argv and the environment, dispatches to a command, and turns
 * every user error into its exit code and a one-line message (no stack traces): 2 for bad input,
 * 3 for the environment. Anything else is a busfuzz bug: exit 4 with the stack, so it can be reported.
 */
import { EnvironmentError, InputError, RunBug } from '../backend.ts';
import { TOOL_VERSION } from '../crash/format.ts';
import { createLogger } from '../log.ts';
import { COMMANDS, parseCommandLine } from './args.ts';
import type { CliContext, CliDeps, Command } from './context.ts';
import { COMMAND_HELP, USAGE } from './usage.ts';

/** Exit code for an internal error (a bug in busfuzz, not in the scenario or the environment). */
export const EXIT_INTERNAL = 4;

export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  deps: CliDeps,
  commands: Record<(typeof COMMANDS)[number], Command>,
): Promise<number> {
  const stderr = process.stderr;
  const isTty = Boolean(stderr.isTTY);
  const say = (line: string) => stderr.write(`${line}\n`);
  try {
    const args = parseCommandLine(argv, env);
    if (args.version) {
      process.stdout.write(`busfuzz ${TOOL_VERSION}\n`);
      return 0;
    }
    if (args.help || args.command === 'help') {
      // `busfuzz run --help` (or `busfuzz help run`): that command's page, with an example.
      const topic = args.command === 'help' ? args.positionals[0] : args.command;
      process.stdout.write(topic !== undefined && COMMAND_HELP[topic] !== undefined ? COMMAND_HELP[topic] : USAGE);
      return 0;
    }
    if (args.command === '') {
      say('busfuzz: no command given. Hint: busfuzz --help, or FUZZ_MODE=fuzz|reproduce npm run fuzz');
      return 2;
    }
    if (!(COMMANDS as readonly string[]).includes(args.command)) {
      say(`busfuzz: unknown command '${args.command}'; expected one of ${COMMANDS.join(', ')}. Hint: busfuzz --help`);
      return 2;
    }
    const context: CliContext = { deps, env, stderr, stdout: process.stdout, log: createLogger(env, isTty), isTty };
    return await commands[args.command as (typeof COMMANDS)[number]](args, context);
  } catch (error) {
    return reportError(error, say);
  }
}

export function reportError(error: unknown, say: (line: string) => void): number {
  if (error instanceof InputError) {
    for (const line of error.message.split('\n')) say(`busfuzz: ${line}`);
    return 2;
  }
  if (error instanceof EnvironmentError) {
    say(`busfuzz: ${error.message}`);
    if (error.hint) say(`Hint: ${error.hint}`);
    return 3;
  }
  if (error instanceof RunBug) {
    say(
      `busfuzz: internal error (a bug in busfuzz, please report it with the command line) in the run of ${error.scenarioId} at seed ${error.seed}:`,
    );
    const original = error.original;
    say(original instanceof Error ? (original.stack ?? original.message) : String(original));
    return EXIT_INTERNAL;
  }
  say(`busfuzz: internal error (a bug in busfuzz, please report it with the command line):`);
  say(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return EXIT_INTERNAL;
}
