/**
 * Assertions (TigerStyle): the model states what it believes at the points where it changes state,
 * and a belief that does not hold stops the run at once. A failed assertion is a bug of busfuzz,
 * never a finding about Valkey: the run reports it as an internal error (exit 4, with the seed),
 * the way any other exception thrown inside a run is reported (core/fuzz/loop.ts, the run and
 * reproduce commands).
 *
 * Fixed parameters rather than a rest array, so a call on the hot path allocates nothing; the
 * message is built only when the assertion fails.
 */

export class AssertionFailure extends Error {
  override readonly name = 'AssertionFailure';
}

export function assert(condition: boolean, what: string, a?: unknown, b?: unknown, c?: unknown): asserts condition {
  if (!condition) throw new AssertionFailure(describe(what, a, b, c));
}

/** An index into an array or typed array of `length` elements, checked before it is used. */
export function assertIndex(index: number, length: number, what: string): void {
  if (!(index >= 0 && index < length && Number.isInteger(index)))
    throw new AssertionFailure(describe(`${what}: index out of range`, index, length, undefined));
}

function describe(what: string, a: unknown, b: unknown, c: unknown): string {
  const values = [a, b, c].filter((value) => value !== undefined).map((value) => String(value));
  return `assertion failed: ${what}${values.length === 0 ? '' : ` (${values.join(', ')})`}`;
}
