/**
 * The one fast-check configuration of every property in test/ (the property suites under
 * test/properties/ and the properties of the unit tests alike).
 *
 * - `FC_SEED` (default 424242): the seed of every property; CI runs the default, a failure's report
 *   prints the seed and the path (and each suite's title names the seed, `seeded`), and `FC_SEED=<seed> FC_PATH=<path>` replays exactly that case.
 * - `FC_NUM_RUNS`: when set, every property runs that many cases (say 2000 for a long local hunt);
 *   unset, each property runs its own default, chosen so the whole suite stays fast on 2 cores.
 * - `FC_PATH`: replay one path of a reported failure (with its seed). A path belongs to one
 *   property, so run that one alone:
 *   `FC_SEED=2 FC_PATH="417:5:4" npx vitest run test/properties/model-based.test.ts -t "safety holds"`.
 *
 * `expectPropertyFails` is the other half of "a property that cannot fail is no property": each
 * suite runs its property once more with a deliberately wrong model or checker and asserts that
 * fast-check finds a counterexample.
 */
import fc from 'fast-check';
import { expect } from 'vitest';

const DEFAULT_SEED = 424242;

function intFromEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name}=${text}: expected a whole number`);
  return value;
}

export const FC_SEED: number = intFromEnv('FC_SEED') ?? DEFAULT_SEED;
/** Set only when the environment sets it: then it overrides every property's default. */
export const FC_NUM_RUNS_OVERRIDE: number | undefined = intFromEnv('FC_NUM_RUNS');
const FC_PATH: string | undefined = process.env.FC_PATH?.trim() || undefined;

/** A describe title that shows the seed, so a CI log names it next to every failure. */
export function seeded(title: string): string {
  return `${title} (FC_SEED=${FC_SEED})`;
}

/**
 * fast-check parameters for a property whose CI default is `defaultRuns` cases.
 * `FC_NUM_RUNS` replaces the default; `FC_PATH` replays one reported case.
 */
export function fcParams<T>(defaultRuns: number, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  return {
    seed: FC_SEED,
    numRuns: FC_NUM_RUNS_OVERRIDE ?? defaultRuns,
    // The error goes into the report's text, not only its `cause`: a model-based failure's scenario
    // YAML must show in any CI log.
    includeErrorInReport: true,
    ...(FC_PATH === undefined ? {} : { path: FC_PATH }),
    ...extra,
  };
}

/**
 * Runs a property that is expected to be broken (its model or checker deliberately wrong) and
 * asserts that fast-check finds a counterexample within `numRuns` cases. Returns the details,
 * so a test can look at the counterexample or the error. It stops at the first failure (no
 * shrinking) unless `extra` says `endOnFailure: false`. `FC_PATH` is not applied: the path of some
 * other failure means nothing here.
 */
export function expectPropertyFails<Ts>(
  property: fc.IProperty<Ts>,
  numRuns: number,
  extra: fc.Parameters<Ts> = {},
): fc.RunDetailsFailureProperty<Ts> {
  const details = fc.check(property, { seed: FC_SEED, numRuns, endOnFailure: true, ...extra });
  expect(details.failed, 'the deliberately broken property found no counterexample').toBe(true);
  expect(details.errorInstance, 'the property threw something other than a failed assertion').not.toBeNull();
  return details as fc.RunDetailsFailureProperty<Ts>;
}

/** The async form of `expectPropertyFails`. */
export async function expectAsyncPropertyFails<Ts>(
  property: fc.IAsyncProperty<Ts>,
  numRuns: number,
  extra: fc.Parameters<Ts> = {},
): Promise<fc.RunDetailsFailureProperty<Ts>> {
  const details = await fc.check(property, { seed: FC_SEED, numRuns, endOnFailure: true, ...extra });
  expect(details.failed, 'the deliberately broken property found no counterexample').toBe(true);
  expect(details.errorInstance, 'the property threw something other than a failed assertion').not.toBeNull();
  return details as fc.RunDetailsFailureProperty<Ts>;
}
