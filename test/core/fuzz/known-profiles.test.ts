/**
 * Issue 19: known-issues entries carry the profiles whose rules have the flaw. A flaw 8.1.0 fixed is
 * KNOWN under valkey-8.0 and not under valkey-8.1 (there it would be NEW); an entry without
 * `profiles` applies everywhere; a bad profile name is exit 2 with the line.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/backend.ts';
import { DEFAULT_KNOWN_PATH, knownFor, parseKnownFile, readKnownFile } from '../../../core/fuzz/known.ts';

describe('known issues per profile', () => {
  it('applies an entry only under its profiles, and every entry without profiles everywhere', () => {
    const known = parseKnownFile(
      [
        '- fingerprint: slot-coverage/owner=noaddr',
        '  reason: r',
        '  upstream: valkey-io/valkey#1191',
        '  fixed_in: "8.1.0"',
        '  profiles: [valkey-8.0]',
        '- fingerprint: no-failure-flags/flag=pfail,on=primary',
        '  reason: r',
        '  upstream: valkey-io/valkey#4171',
      ].join('\n'),
      'k.yaml',
    );
    expect([...knownFor(known, 'valkey-8.0').keys()]).toEqual([
      'slot-coverage/owner=noaddr',
      'no-failure-flags/flag=pfail,on=primary',
    ]);
    expect([...knownFor(known, 'valkey-8.1').keys()]).toEqual(['no-failure-flags/flag=pfail,on=primary']);
  });

  it('refuses an unknown profile with the file, line and field', () => {
    expect(() =>
      parseKnownFile(
        '- fingerprint: a/b\n  reason: r\n  upstream: valkey-io/valkey#1\n  profiles: [valkey-9.9]\n',
        'k.yaml',
      ),
    ).toThrow(InputError);
    expect(() =>
      parseKnownFile(
        '- fingerprint: a/b\n  reason: r\n  upstream: valkey-io/valkey#1\n  profiles: [valkey-9.9]\n',
        'k.yaml',
      ),
    ).toThrow(/k\.yaml:4: \[0\]\.profiles: expected a list of protocols/);
  });

  it("the repository's list: every entry names its profiles; the 8.1.0 fixes apply under valkey-8.0 only", async () => {
    const known = await readKnownFile(DEFAULT_KNOWN_PATH);
    for (const [fingerprint, issue] of known) {
      expect(issue.profiles, fingerprint).toBeDefined();
      expect(issue.profiles!.includes('valkey-8.1'), fingerprint).toBe(issue.fixedIn !== '8.1.0');
      expect(issue.profiles!.includes('valkey-8.0'), fingerprint).toBe(true);
    }
    const under81 = knownFor(known, 'valkey-8.1');
    for (const fixed of ['slot-coverage/owner=noaddr', 'membership-symmetric/missing-peer,one-sided'])
      expect(under81.has(fixed), fixed).toBe(false);
  });
});
