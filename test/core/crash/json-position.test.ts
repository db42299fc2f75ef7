/** jsonErrorOffset: where broken JSON first goes wrong, also where V8's message gives no position. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../../core/crash/json-position.ts';

const crashText = readFileSync(new URL('../../../crashes/crash-08d4abf33d70-1.min.json', import.meta.url), 'utf8');

describe('jsonErrorOffset', () => {
  it('null for valid JSON; the offending character otherwise', () => {
    expect(jsonErrorOffset(crashText)).toBeNull();
    expect(jsonErrorOffset('{"a": 1,, "b": 2}')).toBe(8);
    expect(jsonErrorOffset('{"seed":: 1}')).toBe(8);
    expect(jsonErrorOffset('[1, 2')).toBe(5);
    expect(jsonErrorOffset('{"a": tru}')).toBe(9); // the first character that differs, as V8
    expect(jsonErrorOffset('{"a": t"ue}')).toBe(7); // V8: "Unexpected string in JSON at position 7"
    expect(jsonErrorOffset('{"a": 1} x')).toBe(9);
  });

  it('agrees with JSON.parse on validity, and with V8 where V8 names a position', () => {
    fc.assert(
      fc.property(fc.nat(crashText.length - 1), fc.constantFrom(':', ',', '"', '}', ']', 'x', ''), (index, insert) => {
        const text = crashText.slice(0, index) + insert + crashText.slice(index + 1);
        let v8: string | null = null;
        try {
          JSON.parse(text);
        } catch (error) {
          v8 = (error as Error).message;
        }
        const offset = jsonErrorOffset(text);
        expect(offset === null).toBe(v8 === null);
        const position = v8 === null ? null : /position (\d+)/.exec(v8);
        if (position !== null && position !== undefined) expect(offset).toBe(Number(position[1]));
      }),
      { numRuns: 3000 },
    );
  });
});
