/**
 * YAML text to a plain value plus a map from field path to source position, so the validator
 * (which only sees plain values, the same as for a crash file's JSON) can name the line and column
 * of each offending node. Syntax errors come back as problems with the parser's position.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { ScenarioProblem } from './errors.ts';
import { childPath, indexPath } from './paths.ts';

export interface Position {
  line: number;
  column: number;
}

/** Positions of value nodes and of map keys, by field path (`timeline[0].target`). */
export interface PositionIndex {
  values: Map<string, Position>;
  keys: Map<string, Position>;
}

export type ParsedText =
  | { ok: true; value: unknown; positions: PositionIndex }
  | { ok: false; problems: ScenarioProblem[] };

/** Bounds alias expansion (the "billion laughs" document) before it reaches us. */
const MAX_ALIAS_COUNT = 100;

export function parseYamlText(text: string, file: string): ParsedText {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        file,
        ...at(error.pos[0]),
        path: '(yaml)',
        message: `YAML syntax: ${firstLine(error.message)}`,
      })),
    };
  }
  const positions: PositionIndex = { values: new Map(), keys: new Map() };
  recordPositions(doc.contents, '', positions, at);
  let raw: unknown;
  try {
    // mapAsMap keeps non-string keys visible (plainValue reports them) instead of a process warning.
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT, mapAsMap: true });
  } catch (error) {
    return {
      ok: false,
      problems: [
        { file, line: 1, column: 1, path: '(yaml)', message: `YAML: ${firstLine(String((error as Error).message))}` },
      ],
    };
  }
  const keyProblems: ScenarioProblem[] = [];
  const value = plainValue(raw, '', new Map(), (path) => {
    const position = lookup(positions, path);
    keyProblems.push({
      file,
      ...position,
      path: path || '(top level)',
      message: 'expected plain string keys, found a list or map as a key',
    });
  });
  if (keyProblems.length > 0) return { ok: false, problems: keyProblems };
  return { ok: true, value, positions };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

function recordPositions(node: unknown, path: string, index: PositionIndex, at: (offset: number) => Position): void {
  if (node === null || typeof node !== 'object') return;
  const range = (node as Node).range;
  if (range && !index.values.has(path)) index.values.set(path, at(range[0]));
  // An alias's children are positioned at the alias itself (lookup walks up to it).
  if (isAlias(node) || isScalar(node)) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : null;
      if (key === null) continue;
      const keyPath = childPath(path, key);
      const keyRange = (pair.key as Node).range;
      if (keyRange && !index.keys.has(keyPath)) index.keys.set(keyPath, at(keyRange[0]));
      // `key:` with nothing after it: the key's position stands for the missing value.
      if (pair.value === null && keyRange) index.values.set(keyPath, at(keyRange[0]));
      recordPositions(pair.value, keyPath, index, at);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      recordPositions(item, indexPath(path, i), index, at);
    });
  }
}

/** The position of a path's node, else of its nearest ancestor that has one. */
export function lookup(index: PositionIndex | null, path: string, preferKey = false): Partial<Position> {
  if (index === null) return {};
  if (preferKey) {
    const key = index.keys.get(path);
    if (key) return key;
  }
  let current: string | null = path;
  while (current !== null) {
    const found = index.values.get(current) ?? index.keys.get(current);
    if (found) return found;
    current = parentPath(current);
  }
  return { line: 1, column: 1 }; // an empty document: the problem is the file's start
}

function parentPath(path: string): string | null {
  if (path === '') return null;
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}

/**
 * Maps to plain objects (Object.fromEntries, so a `__proto__` key stays an own field), scalar keys
 * to strings. Shared (aliased) nodes are converted once.
 */
function plainValue(value: unknown, path: string, seen: Map<object, unknown>, badKey: (path: string) => void): unknown {
  if (value === null || typeof value !== 'object') return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  let out: unknown;
  if (value instanceof Map) {
    const entries: [string, unknown][] = [];
    for (const [key, item] of value) {
      if (key !== null && typeof key === 'object') {
        badKey(path);
        continue;
      }
      const name = String(key);
      entries.push([name, plainValue(item, childPath(path, name), seen, badKey)]);
    }
    out = Object.fromEntries(entries);
  } else if (Array.isArray(value)) {
    out = value.map((item, i) => plainValue(item, indexPath(path, i), seen, badKey));
  } else {
    out = value; // Uint8Array from !!binary and the like: the validator reports the type.
  }
  seen.set(value, out);
  return out;
}
