/**
 * The scenario YAML DSL: load (validate, fill defaults, resolve to core/scenario/types.ts's
 * Scenario) and save. The only module the CLI and the other helpers import from core/dsl.
 */
export { loadScenarioFile, loadScenarioText, scenarioFromDocument } from './load.ts';
export { saveScenario, scenarioToDocument } from './save.ts';
export { ScenarioError, formatProblem, type ScenarioProblem } from './errors.ts';
export { formatDuration, parseDuration, MAX_DURATION_MS } from './duration.ts';
export { ACTION_PARAMS } from './step-fields.ts';
export { DEFAULT_CHAOS, defaultWorkload } from './defaults.ts';
