/**
 * Crash files: the format (format.ts), building one from a run (build.ts), the JSON codec
 * (document.ts), atomic writing (write.ts) and checked reading (read.ts).
 */
export {
  CRASH_FORMAT,
  TOOL_VERSION,
  crashFileName,
  fingerprintKey,
  isCrashFileName,
  type CrashFile,
} from './format.ts';
export { CrashFileError } from './errors.ts';
export { buildCrashFile, type CrashInput } from './build.ts';
export { crashFromDocument, crashToDocument, crashToJson } from './document.ts';
export { removeStaleTempFiles, writeCrashFile, type WriteOptions } from './write.ts';
export { crashFileGivenToRun, parseCrashFile, readCrashFile } from './read.ts';
export { compareReplay, type ReplayComparison } from './compare.ts';
export { assertCrashDirUsable } from './dir-check.ts';
