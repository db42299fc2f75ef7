/** The known-fingerprints file: a YAML or JSON list of {fingerprint, reason}; problems name file, line and entry. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/backend.ts';
import { parseKnownFile, readKnownFile } from '../../../core/fuzz/known.ts';

describe('known-fingerprints file', () => {
  it('reads YAML and JSON lists into fingerprint -> reason', () => {
    const yaml = '# known\n- fingerprint: failover-bound/slow\n  reason: valkey#1\n- fingerprint: views-agree/x\n  reason: "modelled gap"\n';
    expect(parseKnownFile(yaml, 'k.yaml')).toEqual(new Map([['failover-bound/slow', 'valkey#1'], ['views-agree/x', 'modelled gap']]));
    expect(parseKnownFile('[{"fingerprint": "epoch-order/a", "reason": "r"}]', 'k.json')).toEqual(new Map([['epoch-order/a', 'r']]));
    expect(parseKnownFile('', 'k.yaml')).toEqual(new Map());
  });

  it('refuses an entry without a reason, a bad fingerprint, a non-list, broken YAML, with the line', () => {
    const noReason = '- fingerprint: failover-bound/slow\n  reason: ok\n- fingerprint: views-agree/x\n';
    expect(() => parseKnownFile(noReason, 'k.yaml')).toThrow(/^k\.yaml:3: \[1\]\.reason: expected a non-empty reason/);
    expect(() => parseKnownFile('- fingerprint: nonsense\n  reason: r\n', 'k.yaml')).toThrow(/^k\.yaml:1: \[0\]\.fingerprint: expected '<invariant>\/<shape>', found "nonsense"/);
    expect(() => parseKnownFile('fingerprint: a/b\n', 'k.yaml')).toThrow(/^k\.yaml:1: \(file\): expected a list/);
    expect(() => parseKnownFile('- [unclosed\n', 'k.yaml')).toThrow(/^k\.yaml:\d+: \(yaml\)/);
    expect(() => parseKnownFile('- 3\n', 'k.yaml')).toThrow(InputError);
  });

  it('a missing file is bad input', async () => {
    await expect(readKnownFile('/nonexistent/known.yaml')).rejects.toThrow(/known\.yaml: --known: no such file/);
  });
});
