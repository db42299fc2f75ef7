/**
 * Loading scenarios: YAML file or text, or an already-parsed document (a crash file's
 * `scenario`), to the resolved Scenario. Any problem, including an unreadable file or bad YAML
 * syntax, is a ScenarioError listing every problem found; nothing else is thrown for any input.
 */
import { readFileSync } from 'node:fs';
import type { Scenario } from '../scenario/types.ts';
import { ScenarioError, type ScenarioProblem } from './errors.ts';
import { Reader } from './reader.ts';
import { readScenario } from './scenario-fields.ts';
import { parseYamlText, type PositionIndex } from './yaml-source.ts';

export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ScenarioError([{ file: path, path: '(file)', message: `cannot read the scenario file (${reason})` }]);
  }
  return loadScenarioText(text, path);
}

export function loadScenarioText(text: string, file = '<text>'): Scenario {
  if (typeof text !== 'string') {
    throw new ScenarioError([{ file, path: '(file)', message: `expected YAML text, found a ${typeof text}` }]);
  }
  const parsed = parseYamlText(text, file);
  if (!parsed.ok) throw new ScenarioError(parsed.problems);
  return resolve(parsed.value, file, parsed.positions, '');
}

/**
 * Validates a plain object (no line numbers then); `fieldPrefix` prefixes printed field paths,
 * e.g. `scenario` gives `scenario.timeline[2].target` for a crash file.
 */
export function scenarioFromDocument(doc: unknown, file: string, fieldPrefix = ''): Scenario {
  return resolve(doc, file, null, fieldPrefix);
}

/** Problems by line and column (stable, so ones without a position keep their order). */
function inFileOrder(problems: ScenarioProblem[]): ScenarioProblem[] {
  const key = (p: ScenarioProblem) => (p.line ?? Number.MAX_SAFE_INTEGER) * 1e6 + (p.column ?? 0);
  return [...problems].sort((a, b) => key(a) - key(b));
}

function resolve(doc: unknown, file: string, positions: PositionIndex | null, prefix: string): Scenario {
  const reader = new Reader(file, positions, prefix);
  let scenario: Scenario | undefined;
  try {
    scenario = readScenario(reader, doc);
  } catch (error) {
    // A document too deep for the stack (or any other pathological shape) is still bad input.
    if (!(error instanceof RangeError)) throw error;
    reader.problem('', `the document is nested too deeply to read (${error.message})`);
  }
  if (reader.problems.length > 0) throw new ScenarioError(inFileOrder(reader.problems));
  if (scenario === undefined) throw new Error('readScenario returned nothing without reporting a problem');
  return scenario;
}
