/**
 * The crash file's JSON document: `crashToDocument` writes the interface page's snake_case fields
 * in their documented order; `crashFromDocument` checks every field and returns the in-memory
 * CrashFile, or throws a CrashFileError naming the file, the line (when the text is at hand) and
 * the field. The scenario goes through the DSL's own document codec, so a crash file's scenario
 * obeys exactly the rules of a scenario file.
 */
import { LineCounter, isNode, parseDocument } from 'yaml';
import { InputError } from '../backend.ts';
import { scenarioFromDocument, scenarioToDocument } from '../dsl/index.ts';
import { INVARIANT_NAMES, PROTOCOLS, type InvariantName } from '../scenario/types.ts';
import { CrashFileError } from './errors.ts';
import { CRASH_FORMAT, type CrashFile } from './format.ts';

export function crashToDocument(crash: CrashFile): Record<string, unknown> {
  const v = crash.violation;
  return {
    format: crash.format,
    tool_version: crash.toolVersion,
    backend: crash.backend,
    protocol: crash.protocol,
    server: crash.server === null ? null : { binary: crash.server.binary, version: crash.server.version },
    seed: crash.seed,
    max_steps: crash.maxSteps,
    scenario: scenarioToDocument(crash.scenario),
    violation: { invariant: v.invariant, message: v.message, step: v.step, time_ms: v.timeMs, nodes: [...v.nodes] },
    fingerprint: v.fingerprint,
    trace_hash: crash.traceHash,
    trace_tail: [...crash.traceTail],
    ...(crash.nodeStatus === undefined ? {} : { node_status: [...crash.nodeStatus] }),
    created_at: crash.createdAt,
    ...(crash.shrunkFrom === undefined ? {} : { shrunk_from: crash.shrunkFrom }),
  };
}

/** The JSON text of a crash file (two-space indent, final newline). */
export function crashToJson(crash: CrashFile): string {
  return `${JSON.stringify(crashToDocument(crash), null, 2)}\n`;
}

type Path = (string | number)[];

/** Reads fields of one document, throwing CrashFileError with the field's path and line. */
class FieldReader {
  private lines: LineCounter | null = null;
  private parsed: ReturnType<typeof parseDocument> | null = null;

  constructor(
    readonly file: string,
    private readonly text: string | undefined,
  ) {}

  fail(path: Path, reason: string): never {
    throw new CrashFileError(this.file, formatPath(path), reason, this.lineOf(path));
  }

  /** The 1-based line of the value at `path` (or of its nearest present parent). */
  private lineOf(path: Path): number | undefined {
    if (this.text === undefined) return undefined;
    if (this.parsed === null) {
      this.lines = new LineCounter();
      this.parsed = parseDocument(this.text, { lineCounter: this.lines });
    }
    for (let length = path.length; length > 0; length--) {
      const node = this.parsed.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range) return this.lines!.linePos(node.range[0]).line;
    }
    return undefined;
  }

  object(value: unknown, path: Path): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, `expected an object, found ${describe(value)}`);
    }
    return value as Record<string, unknown>;
  }

  string(value: unknown, path: Path): string {
    if (typeof value !== 'string') this.fail(path, `expected a string, found ${describe(value)}`);
    return value;
  }

  wholeNumber(value: unknown, path: Path, min: number): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      // "an integer", as the scenario loader words it: `seed: expected an integer >= 0, found "abc"`.
      this.fail(path, `expected an integer >= ${min}, found ${describe(value)}`);
    }
    return value;
  }

  strings(value: unknown, path: Path): string[] {
    if (!Array.isArray(value)) this.fail(path, `expected a list of strings, found ${describe(value)}`);
    return value.map((item, index) => this.string(item, [...path, index]));
  }

  oneOf<T extends string>(value: unknown, path: Path, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(path, `expected one of ${allowed.join(', ')}, found ${describe(value)}`);
    }
    return value as T;
  }
}

function formatPath(path: Path): string {
  if (path.length === 0) return '(file)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Checks a parsed crash document. `text` (the file's JSON) is only used to find line numbers.
 * @throws CrashFileError
 */
export function crashFromDocument(doc: unknown, file: string, text?: string): CrashFile {
  const read = new FieldReader(file, text);
  const root = read.object(doc, []);
  if (root.format !== CRASH_FORMAT) {
    const found = root.format === undefined ? 'no format field' : `format ${describe(root.format)}`;
    read.fail(['format'], `not a busfuzz crash file (${found}; expected "${CRASH_FORMAT}")`);
  }
  const serverDoc = root.server;
  const server =
    serverDoc === null
      ? null
      : (() => {
          const s = read.object(serverDoc, ['server']);
          return {
            binary: read.string(s.binary, ['server', 'binary']),
            version: read.string(s.version, ['server', 'version']),
          };
        })();
  const v = read.object(root.violation, ['violation']);
  const invariant = read.oneOf<InvariantName>(v.invariant, ['violation', 'invariant'], INVARIANT_NAMES);
  const fingerprint = read.string(root.fingerprint, ['fingerprint']);
  if (!fingerprint.startsWith(`${invariant}/`)) {
    read.fail(
      ['fingerprint'],
      `expected it to start with the violated invariant "${invariant}/", found ${describe(fingerprint)}`,
    );
  }
  const traceHash = read.string(root.trace_hash, ['trace_hash']);
  if (!/^[0-9a-f]{64}$/.test(traceHash))
    read.fail(['trace_hash'], `expected 64 hex digits (sha256), found ${describe(traceHash)}`);
  const createdAt = read.string(root.created_at, ['created_at']);
  if (Number.isNaN(Date.parse(createdAt)))
    read.fail(['created_at'], `expected an ISO time, found ${describe(createdAt)}`);
  const crash: CrashFile = {
    format: CRASH_FORMAT,
    toolVersion: read.string(root.tool_version, ['tool_version']),
    backend: read.oneOf(root.backend, ['backend'], ['sim', 'real'] as const),
    protocol: read.oneOf(root.protocol, ['protocol'], PROTOCOLS),
    server,
    seed: read.wholeNumber(root.seed, ['seed'], 0),
    maxSteps: read.wholeNumber(root.max_steps, ['max_steps'], 1),
    scenario: readScenario(root.scenario, file, read),
    violation: {
      invariant,
      message: read.string(v.message, ['violation', 'message']),
      step: read.wholeNumber(v.step, ['violation', 'step'], 0),
      timeMs: read.wholeNumber(v.time_ms, ['violation', 'time_ms'], 0),
      nodes: read.strings(v.nodes, ['violation', 'nodes']),
      fingerprint,
    },
    traceHash,
    traceTail: read.strings(root.trace_tail, ['trace_tail']),
    createdAt,
  };
  if (root.node_status !== undefined) crash.nodeStatus = read.strings(root.node_status, ['node_status']);
  if (root.shrunk_from !== undefined) crash.shrunkFrom = read.string(root.shrunk_from, ['shrunk_from']);
  if (crash.violation.step > crash.maxSteps) {
    read.fail(['violation', 'step'], `step ${crash.violation.step} is beyond max_steps ${crash.maxSteps}`);
  }
  return crash;
}

function readScenario(value: unknown, file: string, read: FieldReader) {
  if (value === undefined)
    read.fail(['scenario'], 'expected the scenario object, found nothing (the field is missing)');
  try {
    return scenarioFromDocument(value, file, 'scenario');
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // The DSL's message has one line per problem, each naming the file and the field path.
    throw new CrashFileError(file, 'scenario', error.message, undefined, error.message.split('\n'));
  }
}
