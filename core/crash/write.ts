/**
 * writeCrashFile: writes a crash file atomically (core/atomic-file.ts), so a reader (or a run killed
 * with SIGKILL) never sees half of one.
 *
 * Temp files are `.crash-....json.<pid>.<n>.tmp`: hidden, matched by .gitignore's `crashes/*.tmp`,
 * and carrying the writer's pid so `removeStaleTempFiles` can clear those of dead writers only.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive, writeFileAtomically } from '../atomic-file.ts';
import { crashToJson } from './document.ts';
import { crashFileName, type CrashFile } from './format.ts';

const TEMP_NAME = /^\.crash-.*\.(\d+)\.\d+\.tmp$/;

export interface WriteOptions {
  /** @defaultValue crashFileName(fingerprint, seed) */
  fileName?: string;
}

/** Writes `crash` into `dir` (created if missing) and returns the file's path. */
export async function writeCrashFile(dir: string, crash: CrashFile, options: WriteOptions = {}): Promise<string> {
  const name = options.fileName ?? crashFileName(crash.violation.fingerprint, crash.seed);
  return writeFileAtomically(dir, name, crashToJson(crash));
}

/**
 * Removes temp files left in `dir` by writers that died mid-write (SIGKILL). Returns their names.
 * A missing folder has none.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const stale = names.filter((name) => {
    const match = TEMP_NAME.exec(name);
    return match !== null && !isProcessAlive(Number(match[1]));
  });
  for (const name of stale) await rm(join(dir, name), { force: true });
  return stale;
}
