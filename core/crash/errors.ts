/**
 * CrashFileError: a crash file that cannot be used (missing, not JSON, truncated, another tool's
 * format, a field of the wrong type). Bad input, so an InputError (exit 2); the message names the
 * file, the line when known, and the field.
 */
import { InputError } from '../backend.ts';

export class CrashFileError extends InputError {
  constructor(
    readonly file: string,
    /** Field path as the file spells it (`violation.step`), or `(file)` / `(json)`. */
    readonly field: string,
    readonly reason: string,
    readonly line?: number,
    /** Several problems already formatted with file and field (the scenario loader's). */
    problems?: string[],
  ) {
    const message = problems?.join('\n') ?? `${line === undefined ? file : `${file}:${line}`}: ${field}: ${reason}`;
    super(message, problems ?? [message]);
    this.name = 'CrashFileError';
  }
}
