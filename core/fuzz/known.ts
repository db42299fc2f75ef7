/**
 * The known-fingerprints file (`--known FILE`, `FUZZ_KNOWN`): findings a long run should count but
 * not report, each with the reason it is known, so the run keeps looking for what is new.
 * A YAML (or JSON) list:
 *
 *   - fingerprint: failover-bound/no-eligible-replica
 *     reason: valkey#1234, replica with a stale offset never votes
 *
 * Problems are InputErrors (exit 2) naming the file, the line and the entry's field.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isNode, parseDocument } from 'yaml';
import { InputError } from '../backend.ts';

/** fingerprint -> reason */
export type KnownFingerprints = Map<string, string>;

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
  if (!Array.isArray(entries)) fail(doc.contents, '(file)', 'expected a list of {fingerprint, reason} entries');
  const known: KnownFingerprints = new Map();
  (entries as unknown[]).forEach((entry, index) => {
    const node = doc.getIn([index], true);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      fail(node, `[${index}]`, 'expected an entry with fingerprint and reason');
    }
    const { fingerprint, reason } = entry as Record<string, unknown>;
    if (typeof fingerprint !== 'string' || !/^[a-z-]+\/./.test(fingerprint)) {
      fail(doc.getIn([index, 'fingerprint'], true) ?? node, `[${index}].fingerprint`, `expected '<invariant>/<shape>', found ${JSON.stringify(fingerprint) ?? 'nothing'}`);
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      fail(doc.getIn([index, 'reason'], true) ?? node, `[${index}].reason`, 'expected a non-empty reason (why this finding is known)');
    }
    known.set(fingerprint as string, reason as string);
  });
  return known;
}
