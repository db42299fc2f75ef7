/** The known-issues file: a YAML or JSON list of {fingerprint, reason, upstream, fixed_in}; problems name file, line and entry. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/backend.ts';
import { DEFAULT_KNOWN_PATH, knownLine, loadKnown, parseKnownFile, readKnownFile } from '../../../core/fuzz/known.ts';

const entry = (fingerprint: string, reason: string, upstream = 'valkey-io/valkey#1', fixedIn: string | null = null) =>
  [fingerprint, { reason, upstream, fixedIn }] as const;

describe('known-issues file', () => {
  it('reads YAML and JSON lists into fingerprint -> reason, upstream and the fixing release', () => {
    const yaml =
      '# known\n- fingerprint: failover-bound/slow\n  reason: valkey 8.0.1 x\n  upstream: valkey-io/valkey#1\n' +
      '- fingerprint: views-agree/x\n  reason: "modelled gap"\n  upstream: redis/redis#8057\n  fixed_in: "8.1.0"\n';
    expect(parseKnownFile(yaml, 'k.yaml')).toEqual(
      new Map([
        entry('failover-bound/slow', 'valkey 8.0.1 x'),
        entry('views-agree/x', 'modelled gap', 'redis/redis#8057', '8.1.0'),
      ]),
    );
    expect(
      parseKnownFile(
        '[{"fingerprint": "epoch-order/a", "reason": "r", "upstream": "https://example.org/x"}]',
        'k.json',
      ),
    ).toEqual(new Map([entry('epoch-order/a', 'r', 'https://example.org/x')]));
    expect(parseKnownFile('', 'k.yaml')).toEqual(new Map());
  });

  it('refuses an entry without a reason or upstream, a bad fingerprint or release, a duplicate, a non-list, broken YAML, with the line', () => {
    const ok = '- fingerprint: failover-bound/slow\n  reason: ok\n  upstream: valkey-io/valkey#2\n';
    expect(() =>
      parseKnownFile(`${ok}- fingerprint: views-agree/x\n  upstream: valkey-io/valkey#3\n`, 'k.yaml'),
    ).toThrow(/^k\.yaml:4: \[1\]\.reason: expected a non-empty reason/);
    expect(() => parseKnownFile(`${ok}- fingerprint: views-agree/x\n  reason: r\n`, 'k.yaml')).toThrow(
      /^k\.yaml:4: \[1\]\.upstream: expected an upstream issue or PR/,
    );
    expect(() =>
      parseKnownFile(`${ok}- fingerprint: views-agree/x\n  reason: r\n  upstream: see the code\n`, 'k.yaml'),
    ).toThrow(/^k\.yaml:6: \[1\]\.upstream:/);
    expect(() =>
      parseKnownFile(
        `${ok}- fingerprint: views-agree/x\n  reason: r\n  upstream: valkey-io/valkey#3\n  fixed_in: soon\n`,
        'k.yaml',
      ),
    ).toThrow(/^k\.yaml:7: \[1\]\.fixed_in: expected a release/);
    expect(() => parseKnownFile(`${ok}${ok}`, 'k.yaml')).toThrow(
      /^k\.yaml:4: \[1\]\.fingerprint: failover-bound\/slow is listed twice/,
    );
    expect(() => parseKnownFile(`${ok}  fixd_in: "8.1"\n`, 'k.yaml')).toThrow(
      /^k\.yaml:4: \[0\]\.fixd_in: unknown field/,
    );
    expect(() => parseKnownFile('- fingerprint: nonsense\n  reason: r\n', 'k.yaml')).toThrow(
      /^k\.yaml:1: \[0\]\.fingerprint: expected '<invariant>\/<shape>', found "nonsense"/,
    );
    expect(() => parseKnownFile('fingerprint: a/b\n', 'k.yaml')).toThrow(/^k\.yaml:1: \(file\): expected a list/);
    expect(() => parseKnownFile('- [unclosed\n', 'k.yaml')).toThrow(/^k\.yaml:\d+: \(yaml\)/);
    expect(() => parseKnownFile('- 3\n', 'k.yaml')).toThrow(InputError);
  });

  it('a missing file is bad input', async () => {
    await expect(readKnownFile('/nonexistent/known.yaml')).rejects.toThrow(/known\.yaml: --known: no such file/);
  });

  it('is the repository list by default, another file with --known, none with --no-known', async () => {
    const repo = await loadKnown({ noKnown: false });
    expect(repo.source).toBe('known-issues.yaml');
    expect(repo.known).toEqual(await readKnownFile(DEFAULT_KNOWN_PATH));
    expect(repo.known.size).toBeGreaterThan(0);
    expect(await loadKnown({ noKnown: true })).toEqual({ known: new Map(), source: null });
    const dir = mkdtempSync(join(tmpdir(), 'busfuzz-known-'));
    try {
      const file = join(dir, 'k.yaml');
      writeFileSync(file, '- fingerprint: epoch-order/a\n  reason: r\n  upstream: valkey-io/valkey#9\n');
      expect(await loadKnown({ known: file, noKnown: false })).toEqual({
        known: new Map([entry('epoch-order/a', 'r', 'valkey-io/valkey#9')]),
        source: file,
      });
      await expect(loadKnown({ known: join(dir, 'absent.yaml'), noKnown: false })).rejects.toThrow(/no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a KNOWN line names the fingerprint, its upstream reference and the fixing release', () => {
    expect(knownLine('a/b', { reason: 'r', upstream: 'valkey-io/valkey#4171', fixedIn: null })).toBe(
      'KNOWN a/b: valkey-io/valkey#4171',
    );
    expect(knownLine('a/b', { reason: 'r', upstream: 'valkey-io/valkey#2178', fixedIn: '8.0.5' })).toBe(
      'KNOWN a/b: valkey-io/valkey#2178 (fixed in 8.0.5)',
    );
  });
});
