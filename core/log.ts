/**
 * Logging: pino JSON on stderr at LOG_LEVEL (default `warn`, so a fuzz run's stderr stays its
 * status lines), pretty-printed when stderr is a terminal. A run's story (core/run-story.ts) is
 * logged at info (formation, faults, elections, findings) and debug (votes, node states).
 * A level pino does not know is bad input (exit 2). Sync destinations, so a log line is
 * out before the process exits on a signal.
 */
import pino from 'pino';
import pretty from 'pino-pretty';
import { InputError } from './backend.ts';

export type Logger = pino.Logger;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(env: NodeJS.ProcessEnv, isTty: boolean): Logger {
  const requested = (env.LOG_LEVEL || 'warn').toLowerCase();
  // A mistyped level used to fall back to warn silently, and the debug story never came.
  if (!(LEVELS as readonly string[]).includes(requested)) {
    throw new InputError(`LOG_LEVEL: expected one of ${LEVELS.join(', ')}, found '${env.LOG_LEVEL}'`);
  }
  const level = requested;
  const destination = isTty
    ? pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname' })
    : pino.destination({ fd: 2, sync: true });
  return pino({ level, base: undefined }, destination);
}
