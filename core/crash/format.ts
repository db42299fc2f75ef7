/**
 * The crash file (interface page, "The crash file"): one finding, with everything needed to replay
 * it. `CrashFile` is the in-memory form (camelCase, the resolved Scenario); the JSON on disk is
 * snake_case and is produced and parsed only by core/crash/document.ts.
 *
 * File names are `crash-<first 12 hex of sha256(fingerprint)>-<seed>.json`, so one fingerprint
 * found by several seeds gives several names but a directory listing groups them.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { BackendName, ServerInfo } from '../backend.ts';
import type { Protocol, Scenario } from '../scenario/types.ts';
import type { Violation } from '../violation.ts';

export const CRASH_FORMAT = 'busfuzz-crash/1';

/** busfuzz's own version (package.json), recorded in every crash file. */
export const TOOL_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;

export interface CrashFile {
  format: typeof CRASH_FORMAT;
  toolVersion: string;
  backend: BackendName;
  protocol: Protocol;
  /** The real backend's server binary and version; null on the simulator. */
  server: ServerInfo | null;
  seed: number;
  /** The step bound the finding was made with; replay uses the same. */
  maxSteps: number;
  /** The complete, resolved scenario. */
  scenario: Scenario;
  /** `violation.fingerprint` is the file's top-level `fingerprint`. */
  violation: Violation;
  /** sha256 of the event trace up to the violation. */
  traceHash: string;
  /** The last readable events before the violation. */
  traceTail: string[];
  /** One status line per node at the violation (role, epochs, slots, flags it sees); absent in older files. */
  nodeStatus?: string[];
  /** ISO time the finding was made. */
  createdAt: string;
  /** Set by `busfuzz shrink`: the crash file this one was minimised from. */
  shrunkFrom?: string;
}

/** The first 12 hex digits of sha256(fingerprint): the file-name key of a fingerprint. */
export function fingerprintKey(fingerprint: string): string {
  return createHash('sha256').update(fingerprint).digest('hex').slice(0, 12);
}

/** `crash-<fingerprintKey>-<seed>.json` */
export function crashFileName(fingerprint: string, seed: number): string {
  return `crash-${fingerprintKey(fingerprint)}-${seed}.json`;
}

/** Whether a directory entry looks like a crash file (not a temp file or anything else). */
export function isCrashFileName(name: string): boolean {
  return /^crash-[0-9a-f]{12}-\d+(?:[-.][a-z0-9.-]+)?\.json$/.test(name);
}
