/** Malformed scenarios: each is a ScenarioError naming the offending line and field path. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/backend.ts';
import { loadScenarioText, ScenarioError } from '../../../core/dsl/index.ts';
import { MALFORMED_CASES } from './malformed-cases.ts';

function loadError(yaml: string): ScenarioError {
  try {
    loadScenarioText(yaml, 'bad.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('loaded without an error');
}

describe('malformed scenarios', () => {
  it('has at least 35 cases', () => {
    expect(MALFORMED_CASES.length).toBeGreaterThanOrEqual(35);
  });

  it.each(MALFORMED_CASES)('$name: line $line, $path', ({ yaml, line, path }) => {
    const error = loadError(yaml);
    expect(error).toBeInstanceOf(InputError);
    expect(error.kind).toBe('input');
    const problem = error.problems.find((p) => p.path === path);
    expect(problem, `problems were:\n${error.message}`).toBeDefined();
    expect(problem!.line).toBe(line);
    expect(problem!.column).toBeGreaterThan(0);
    expect(error.message).toContain(`bad.yaml:${line}:${problem!.column}: ${path}: `);
    expect(error.message).not.toMatch(/\n\s+at /); // never a stack trace
  });
});
