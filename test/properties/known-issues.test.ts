/**
 * known-issues.yaml: the one list of known Valkey 8.0.1 flaws that both the fuzz loop
 * (`--known known-issues.yaml`) and the properties read. It parses in the fuzz loop's format, and
 * every entry names a real invariant, says why it is known and names its upstream issue or PR.
 */
import { describe, expect, it } from 'vitest';
import { readKnownFile } from '../../core/fuzz/known.ts';
import { INVARIANT_NAMES } from '../../core/scenario/types.ts';
import { KNOWN_ISSUES, KNOWN_ISSUES_PATH } from './known-issues.ts';

describe('known-issues.yaml', () => {
  it('is what the fuzz loop reads with --known', async () => {
    expect(await readKnownFile(KNOWN_ISSUES_PATH)).toEqual(KNOWN_ISSUES);
  });

  it('lists fingerprints of real invariants, each with a reason that names its source', () => {
    expect(KNOWN_ISSUES.size).toBeGreaterThan(0);
    for (const [fingerprint, issue] of KNOWN_ISSUES) {
      expect(INVARIANT_NAMES as readonly string[], fingerprint).toContain(fingerprint.split('/')[0]);
      expect(issue.reason, fingerprint).toMatch(/valkey|redis/i);
      expect(issue.upstream, fingerprint).toMatch(/^(valkey-io\/valkey|redis\/redis)#\d+$/);
    }
  });
});
