/**
 * readCrashFile: loads and checks one crash file. Every way a file can be unusable (missing,
 * unreadable, empty, truncated, not JSON, another tool's format, a bad field) is a CrashFileError
 * (exit 2) naming the file and the field.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../backend.ts';
import { crashFromDocument } from './document.ts';
import { jsonErrorOffset } from './json-position.ts';
import { CrashFileError } from './errors.ts';
import type { CrashFile } from './format.ts';

export async function readCrashFile(path: string): Promise<CrashFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder, expected a crash file'
          : `cannot read it (${code ?? (error as Error).message})`;
    throw new CrashFileError(path, '(file)', reason);
  }
  return parseCrashFile(text, path);
}

/** Parses crash-file text; `path` names it in errors. */
export function parseCrashFile(text: string, path: string): CrashFile {
  if (text.trim() === '') throw new CrashFileError(path, '(file)', 'the file is empty');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!;
    const truncated = /end of (JSON )?input|Unterminated/i.test(message);
    // A truncated file ends the parse at its end (V8 gives no position for that).
    const offset = jsonErrorOffset(text);
    const at =
      jsonErrorPosition(text, message) ??
      (offset !== null ? positionOf(text, offset) : truncated ? positionOf(text, text.length) : undefined);
    // One line: the file, where (line and column), and what the parser said.
    const where = at === undefined ? '' : ` at line ${at.line}, column ${at.column}`;
    throw new CrashFileError(
      path,
      '(json)',
      `${truncated ? 'truncated or not JSON' : 'not JSON'}${where}: ${message}`,
      at?.line,
    );
  }
  return crashFromDocument(doc, path, text);
}

/**
 * If `file` is a busfuzz crash file (JSON with our format tag), the InputError telling a user who
 * gave it to `run` to use `reproduce`; null for anything else (a scenario, YAML or not).
 */
export async function crashFileGivenToRun(file: string): Promise<InputError | null> {
  if (!file.endsWith('.json')) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
  const format = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).format : undefined;
  if (typeof format !== 'string' || !format.startsWith('busfuzz-crash/')) return null;
  return new InputError(
    `run: ${file} is a busfuzz crash file, not a scenario; use reproduce to replay it: busfuzz reproduce ${file}`,
  );
}

/** Line and column of a JSON.parse error, from the `position N` V8 puts in its message. */
function jsonErrorPosition(text: string, message: string): { line: number; column: number } | undefined {
  const match = /position (\d+)/.exec(message);
  return match === null ? undefined : positionOf(text, Number(match[1]));
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
