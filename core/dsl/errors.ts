/**
 * ScenarioError: every problem found in one scenario file, each naming the file, the line and
 * column of the offending YAML node (when the input was text) and the field path
 * (`cluster.num_shards`, `timeline[3].groups[1]`). Bad input, so it is an InputError (exit 2).
 */
import { InputError } from '../backend.ts';

export interface ScenarioProblem {
  file: string;
  /** 1-based; absent when the scenario came from an already-parsed document (a crash file). */
  line?: number;
  column?: number;
  /** Field path as the DSL spells it: `timeline[2].target`; `(yaml)` for a syntax error. */
  path: string;
  /** What was expected and what was found. */
  message: string;
}

/** `file:line:col: path: message`, or `file: path: message` without a position. */
export function formatProblem(problem: ScenarioProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  return `${where}: ${problem.path}: ${problem.message}`;
}

export class ScenarioError extends InputError<ScenarioProblem> {
  constructor(problems: ScenarioProblem[]) {
    if (problems.length === 0) throw new Error('ScenarioError: needs at least one problem');
    super(problems.map(formatProblem).join('\n'), problems);
    this.name = 'ScenarioError';
  }
}
