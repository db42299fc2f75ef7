/**
 * What the crash folder already holds when a fuzz run starts: the fingerprints of its crash files
 * (so a finding recorded by an earlier run is counted, not written again: the first file found is
 * kept), after clearing temp files that a killed writer left behind.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isCrashFileName, readCrashFile, removeStaleTempFiles } from '../crash/index.ts';

export interface Corpus {
  /** fingerprint -> the crash file that records it (first by name) */
  recorded: Map<string, string>;
  /** Files that looked like crash files but could not be read, with the reason. */
  unreadable: string[];
  /** Temp files of dead writers that were removed. */
  removedTempFiles: string[];
}

export async function loadCorpus(dir: string): Promise<Corpus> {
  const removedTempFiles = await removeStaleTempFiles(dir);
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter(isCrashFileName).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const recorded = new Map<string, string>();
  const unreadable: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const crash = await readCrashFile(path);
      if (!recorded.has(crash.violation.fingerprint)) recorded.set(crash.violation.fingerprint, path);
    } catch (error) {
      unreadable.push((error as Error).message.split('\n')[0]!);
    }
  }
  return { recorded, unreadable, removedTempFiles };
}
