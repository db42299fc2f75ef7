/**
 * The known-issues file: findings that are Valkey's own behaviour, each with why. `fuzz` and `run`
 * read `known-issues.yaml` at the repository root by default (`--known FILE` or `FUZZ_KNOWN` name
 * another, `--no-known` turns the list off); a known finding is printed as KNOWN with its upstream
 * reference, exits 0 and writes no crash file, so a long run keeps looking for what is new.
 * A YAML (or JSON) list:
 *
 *   - fingerprint: failover-bound/no-eligible-replica
 *     reason: valkey 8.0.1 <what happens and the rule behind it>
 *     upstream: valkey-io/valkey#1234      # the issue or PR that reports or fixes it (required)
 *     fixed_in: "8.1.0"                    # the first fixed release, when there is one
 *     profiles: [valkey-8.0]               # the protocols whose rules have it (default: all)
 *
 * An entry excuses a finding only with its reason and an upstream reference (the guide's rule:
 * never weaken an invariant to silence a finding). Problems are InputErrors (exit 2) naming the
 * file, the line and the entry's field.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { LineCounter, isNode, parseDocument } from 'yaml';
import { InputError } from '../backend.ts';
import { PROTOCOLS, type Protocol } from '../scenario/types.ts';

export interface KnownIssue {
  reason: string;
  /** `valkey-io/valkey#4171`, `redis/redis#8057`, or a URL. */
  upstream: string;
  /** The first release that fixed it, or null (still open, or Valkey's design). */
  fixedIn: string | null;
  /**
   * The protocols (profiles) whose rules have this flaw (`profiles: [valkey-8.0]`): under any other
   * the finding is not known, so it is NEW if it happens. Absent (no `profiles:`): every protocol.
   */
  profiles?: readonly Protocol[];
}

/** fingerprint -> why it is known */
export type KnownFingerprints = Map<string, KnownIssue>;

/** The repository's own list, used when no other is named. */
export const DEFAULT_KNOWN_PATH = fileURLToPath(new URL('../../known-issues.yaml', import.meta.url));

/** `owner/repo#N` or an http(s) URL. */
const UPSTREAM = /^([\w.-]+\/[\w.-]+#\d+|https?:\/\/\S+)$/;

/**
 * The known list a command uses: none with `--no-known`, the named file (which must exist), or
 * the repository's own when it is present. `source` says where it came from, for the start line.
 */
export async function loadKnown(options: {
  known?: string;
  noKnown: boolean;
}): Promise<{ known: KnownFingerprints; source: string | null }> {
  if (options.noKnown) return { known: new Map(), source: null };
  if (options.known !== undefined) return { known: await readKnownFile(options.known), source: options.known };
  if (!existsSync(DEFAULT_KNOWN_PATH)) return { known: new Map(), source: null };
  return { known: await readKnownFile(DEFAULT_KNOWN_PATH), source: 'known-issues.yaml' };
}

export async function readKnownFile(path: string): Promise<KnownFingerprints> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: --known: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`}`);
  }
  return parseKnownFile(text, path);
}

export function parseKnownFile(text: string, path: string): KnownFingerprints {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lineOf = (node: unknown) => (isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined);
  const fail = (node: unknown, field: string, reason: string): never => {
    const line = lineOf(node);
    throw new InputError(`${line === undefined ? path : `${path}:${line}`}: ${field}: ${reason}`);
  };
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new InputError(`${path}:${error.linePos?.[0]?.line ?? 1}: (yaml): ${error.message.split('\n')[0]}`);
  }
  const entries: unknown = doc.toJS();
  if (entries === null || entries === undefined) return new Map();
  if (!Array.isArray(entries))
    fail(doc.contents, '(file)', 'expected a list of {fingerprint, reason, upstream} entries');
  const known: KnownFingerprints = new Map();
  (entries as unknown[]).forEach((entry, index) => {
    const node = doc.getIn([index], true);
    const field = (name: string) => doc.getIn([index, name], true) ?? node;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      fail(node, `[${index}]`, 'expected an entry with fingerprint, reason and upstream');
    }
    const { fingerprint, reason, upstream, fixed_in: fixedIn, profiles, ...rest } = entry as Record<string, unknown>;
    if (
      profiles !== undefined &&
      profiles !== null &&
      (!Array.isArray(profiles) ||
        profiles.length === 0 ||
        profiles.some((name) => !(PROTOCOLS as readonly unknown[]).includes(name)))
    ) {
      fail(
        field('profiles'),
        `[${index}].profiles`,
        `expected a list of protocols (${PROTOCOLS.join(', ')}), found ${JSON.stringify(profiles)}`,
      );
    }
    if (typeof fingerprint !== 'string' || !/^[a-z-]+\/./.test(fingerprint)) {
      fail(
        field('fingerprint'),
        `[${index}].fingerprint`,
        `expected '<invariant>/<shape>', found ${JSON.stringify(fingerprint) ?? 'nothing'}`,
      );
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      fail(field('reason'), `[${index}].reason`, 'expected a non-empty reason (why this finding is known)');
    }
    if (typeof upstream !== 'string' || !UPSTREAM.test(upstream.trim())) {
      fail(
        field('upstream'),
        `[${index}].upstream`,
        `expected an upstream issue or PR ('valkey-io/valkey#4171' or a URL), found ${JSON.stringify(upstream) ?? 'nothing'}`,
      );
    }
    if (
      fixedIn !== undefined &&
      fixedIn !== null &&
      (typeof fixedIn !== 'string' || !/^\d+\.\d+(\.\d+)?$/.test(fixedIn))
    ) {
      fail(
        field('fixed_in'),
        `[${index}].fixed_in`,
        `expected a release like "8.1.0" or null, found ${JSON.stringify(fixedIn)}`,
      );
    }
    const unknownKey = Object.keys(rest)[0];
    if (unknownKey !== undefined)
      fail(
        field(unknownKey),
        `[${index}].${unknownKey}`,
        'unknown field (expected fingerprint, reason, upstream, fixed_in, profiles)',
      );
    if (known.has(fingerprint as string))
      fail(field('fingerprint'), `[${index}].fingerprint`, `${fingerprint} is listed twice`);
    known.set(fingerprint as string, {
      reason: reason as string,
      upstream: (upstream as string).trim(),
      fixedIn: (fixedIn as string | null | undefined) ?? null,
      ...(Array.isArray(profiles) ? { profiles: profiles as Protocol[] } : {}),
    });
  });
  return known;
}

/** The entries that apply under a protocol: a flaw its rules fixed is not known there. */
export function knownFor(known: KnownFingerprints, protocol: Protocol): KnownFingerprints {
  const applying: KnownFingerprints = new Map();
  for (const [fingerprint, issue] of known)
    if (issue.profiles === undefined || issue.profiles.includes(protocol)) applying.set(fingerprint, issue);
  return applying;
}

/** `KNOWN <fingerprint>: <upstream>` and, when fixed, the release. */
export function knownLine(fingerprint: string, issue: KnownIssue): string {
  return `KNOWN ${fingerprint}: ${issue.upstream}${issue.fixedIn === null ? '' : ` (fixed in ${issue.fixedIn})`}`;
}
