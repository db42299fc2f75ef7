/**
 * Shrinking crashes: delta debugging over timeline steps (ddmin.ts), smaller variants of a
 * scenario (candidates.ts), the size measure of the report (size.ts) and the driver (shrink.ts).
 */
export { shrinkCrash, NotReproducingError, type ShrinkOptions, type ShrinkReport } from './shrink.ts';
export { ddmin } from './ddmin.ts';
export { scenarioSize, type ScenarioSize } from './size.ts';
