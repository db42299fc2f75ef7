/**
 * Logging: pino JSON on stderr at LOG_LEVEL (default `warn`, so a fuzz run's stderr stays its
 * status lines), pretty-printed when stderr is a terminal. Sync destinations, so a log line is
 * out before the process exits on a signal.
 */
import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(env: NodeJS.ProcessEnv, isTty: boolean): Logger {
  const requested = (env.LOG_LEVEL ?? 'warn').toLowerCase();
  const level = (LEVELS as readonly string[]).includes(requested) ? requested : 'warn';
  const destination = isTty
    ? pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname' })
    : pino.destination({ fd: 2, sync: true });
  return pino({ level, base: undefined }, destination);
}
