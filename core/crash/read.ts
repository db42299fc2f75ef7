/**
 * readCrashFile: loads and checks one crash file. Every way a file can be unusable (missing,
 * unreadable, empty, truncated, not JSON, another tool's format, a bad field) is a CrashFileError
 * (exit 2) naming the file and the field.
 */
import { readFile } from 'node:fs/promises';
import { crashFromDocument } from './document.ts';
import { CrashFileError } from './errors.ts';
import type { CrashFile } from './format.ts';

export async function readCrashFile(path: string): Promise<CrashFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a crash file' : `cannot read it (${code ?? (error as Error).message})`;
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
    const message = (error as Error).message;
    const truncated = /end of (JSON )?input|Unterminated/i.test(message);
    throw new CrashFileError(path, '(json)', truncated ? `truncated or not JSON: ${message}` : `not JSON: ${message}`, jsonErrorLine(text, message));
  }
  return crashFromDocument(doc, path, text);
}

/** The line of a JSON.parse error, from the `position N` V8 puts in its message. */
function jsonErrorLine(text: string, message: string): number | undefined {
  const match = /position (\d+)/.exec(message);
  if (match === null) return undefined;
  return text.slice(0, Number(match[1])).split('\n').length;
}
