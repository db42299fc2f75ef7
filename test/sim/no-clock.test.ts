/**
 * sim/ is deterministic: no wall clock, timers or unseeded randomness anywhere in it (the house
 * rule; TigerBeetle's tidy check). Comments may name them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SIM = new URL('../../sim/', import.meta.url).pathname;
const BANNED =
  /Math\.random|Date\.now|new Date\(|performance\.now|process\.hrtime|setTimeout|setInterval|setImmediate|crypto\.random|randomUUID|randomBytes|getRandomValues/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('sim/ determinism guard', () => {
  it('no file in sim/ uses a clock, a timer or unseeded randomness (outside comments)', () => {
    const offending: string[] = [];
    for (const path of files(SIM)) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          if (BANNED.test(code)) offending.push(`${path}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(offending).toEqual([]);
  });
});
