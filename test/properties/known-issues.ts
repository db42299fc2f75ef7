/**
 * The known Valkey 8.0.1 flaws, read from `known-issues.yaml` at the repository root: the same file
 * (and format, core/fuzz/known.ts) that `busfuzz fuzz --known known-issues.yaml` reads. A property
 * may let a counterexample pass only when its fingerprint is on that list; it never weakens its
 * invariant instead.
 */
import { readFileSync } from 'node:fs';
import { parseKnownFile, type KnownFingerprints } from '../../core/fuzz/known.ts';

export const KNOWN_ISSUES_PATH = new URL('../../known-issues.yaml', import.meta.url).pathname;

export const KNOWN_ISSUES: KnownFingerprints = parseKnownFile(
  readFileSync(KNOWN_ISSUES_PATH, 'utf8'),
  KNOWN_ISSUES_PATH,
);

/** Why a fingerprint is known, or undefined when it is not on the list. */
export function knownReason(fingerprint: string): string | undefined {
  return KNOWN_ISSUES.get(fingerprint)?.reason;
}
