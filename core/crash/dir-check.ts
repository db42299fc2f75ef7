/**
 * The crash folder is checked when a run or a fuzz campaign starts, not at its first finding: a
 * CRASH_DIR that names a regular file, or a folder busfuzz cannot write, is an environment error
 * (exit 3) before hours are spent finding something that could not be kept.
 *
 * Writability is tested by creating and removing a probe file, not by reading permission bits:
 * as root a read-only mode does not stop writes, and a read-only mount or an ACL is not in the bits.
 * A folder that does not exist yet is not created here (writeCrashFile creates it with the first
 * finding); its nearest existing parent must then be a writable folder.
 */
import { constants, type Stats } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { EnvironmentError } from '../backend.ts';

const HINT = 'set CRASH_DIR (or --crash-dir) to a folder you can write, or fix its permissions';

export async function assertCrashDirUsable(dir: string): Promise<void> {
  let probeDir = resolve(dir);
  for (;;) {
    let info: Stats;
    try {
      info = await stat(probeDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dirname(probeDir) !== probeDir) {
        probeDir = dirname(probeDir);
        continue;
      }
      if (code === 'ENOTDIR')
        throw new EnvironmentError(`crash folder ${dir}: a part of that path is a file, not a folder`, HINT);
      throw new EnvironmentError(`crash folder ${dir}: ${(error as Error).message}`, HINT);
    }
    if (!info.isDirectory()) {
      throw new EnvironmentError(
        probeDir === resolve(dir)
          ? `crash folder ${dir} is a file, not a folder`
          : `crash folder ${dir}: ${probeDir} is a file, not a folder`,
        HINT,
      );
    }
    break;
  }
  const probe = join(probeDir, `.busfuzz-write-probe.${process.pid}.tmp`);
  try {
    const handle = await open(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
    await handle.close();
    await rm(probe, { force: true });
  } catch (error) {
    const what =
      probeDir === resolve(dir) ? `crash folder ${dir}` : `crash folder ${dir} (to be created in ${probeDir})`;
    throw new EnvironmentError(
      `${what} is not writable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      HINT,
    );
  }
}
