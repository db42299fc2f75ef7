/**
 * Files a reader (or a run killed with SIGKILL) never sees half of: the text goes to a hidden temp
 * file in the same folder, is fsynced, renamed over the final name, and the folder is fsynced so
 * the rename itself survives a power cut. Crash files and the campaign stats file are written so.
 *
 * Temp files are `.<name>.<pid>.<n>.tmp`: hidden, and carrying the writer's pid so a cleaner can
 * clear those of dead writers only (`isProcessAlive`).
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

let tempCounter = 0;

/** Writes `text` as `dir/name` (the folder created if missing) and returns the file's path. */
export async function writeFileAtomically(dir: string, name: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const tempPath = join(dir, `.${name}.${process.pid}.${tempCounter++}.tmp`);
  const handle = await open(tempPath, 'wx');
  try {
    await handle.writeFile(text);
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
    // Some file systems refuse fsync on a folder; the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}

/** Whether a process with this pid is alive (signal 0 probes without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
