/**
 * writeCrashFile: writes a crash file atomically, so a reader (or a run killed with SIGKILL) never
 * sees half of one: the JSON goes to a temp file in the same folder, is fsynced, renamed over the
 * final name, and the folder is fsynced so the rename itself survives a power cut.
 *
 * Temp files are `.crash-....json.<pid>.<n>.tmp`: hidden, matched by .gitignore's `crashes/*.tmp`,
 * and carrying the writer's pid so `removeStaleTempFiles` can clear those of dead writers only.
 */
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crashToJson } from './document.ts';
import { crashFileName, type CrashFile } from './format.ts';

let tempCounter = 0;

const TEMP_NAME = /^\.crash-.*\.(\d+)\.\d+\.tmp$/;

export interface WriteOptions {
  /** @defaultValue crashFileName(fingerprint, seed) */
  fileName?: string;
}

/** Writes `crash` into `dir` (created if missing) and returns the file's path. */
export async function writeCrashFile(dir: string, crash: CrashFile, options: WriteOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = options.fileName ?? crashFileName(crash.violation.fingerprint, crash.seed);
  const path = join(dir, name);
  const tempPath = join(dir, `.${name}.${process.pid}.${tempCounter++}.tmp`);
  const handle = await open(tempPath, 'wx');
  try {
    await handle.writeFile(crashToJson(crash));
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tempPath, { force: true });
    throw error;
  }
  await handle.close();
  await rename(tempPath, path);
  await syncDirectory(dir);
  return path;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL' && (error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}

/** Whether a process with this pid is alive (signal 0 probes without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
    return match !== null && !isAlive(Number(match[1]));
  });
  for (const name of stale) await rm(join(dir, name), { force: true });
  return stale;
}
