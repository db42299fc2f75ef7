/**
 * Which named rule of the valkey-8.1 profile (sim/valkey/profiles.ts) makes a run's outcome differ
 * from valkey-8.0: runs a crash file's scenario, or generated seeds, under 8.0, under 8.1, under 8.1
 * with each rule set back to 8.0's value ("8.1 - rule") and under 8.0 with each rule of 8.1's
 * ("8.0 + rule"), and prints the verdict or fingerprint of each. A rule explains a difference when
 * taking it out of 8.1 brings 8.0's outcome back, or putting it into 8.0 brings 8.1's.
 *
 *   node --import tsx bench/profile-rules.ts crashes/crash-....json [...]
 *   node --import tsx bench/profile-rules.ts --seeds 17,4021 [--max-steps N]
 */
import { readCrashFile } from '../core/crash/index.ts';
import { generateScenario } from '../core/generator.ts';
import type { Scenario } from '../core/scenario/types.ts';
import { runSimScenario } from '../sim/runner.ts';
import { PROFILE_RULES, VALKEY_8_0, VALKEY_8_1, type ProtocolProfile } from '../sim/valkey/profiles.ts';

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

const maxSteps = Number(argValue('--max-steps') ?? 1_000_000);
const seedList = argValue('--seeds');
const files = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith('--') && !all[i - 1]?.startsWith('--'));

function outcome(scenario: Scenario, profile: ProtocolProfile): string {
  const result = runSimScenario(scenario, { maxSteps }, profile);
  return result.violation === null ? result.verdict : result.violation.fingerprint;
}

function mixed(base: ProtocolProfile, from: ProtocolProfile, rule: (typeof PROFILE_RULES)[number]): ProtocolProfile {
  return { ...base, [rule]: from[rule] };
}

async function main(): Promise<void> {
  const cases: Array<{ name: string; scenario: Scenario }> = [];
  for (const file of files) cases.push({ name: file, scenario: (await readCrashFile(file)).scenario });
  for (const seed of (seedList ?? '').split(',').filter((s) => s !== ''))
    cases.push({ name: `seed ${seed}`, scenario: generateScenario(Number(seed)) });
  for (const { name, scenario } of cases) {
    const old = outcome(scenario, VALKEY_8_0);
    const next = outcome(scenario, VALKEY_8_1);
    console.log(`${name}\n  valkey-8.0: ${old}\n  valkey-8.1: ${next}`);
    if (old === next) continue;
    for (const rule of PROFILE_RULES) {
      const without = outcome(scenario, mixed(VALKEY_8_1, VALKEY_8_0, rule));
      const withRule = outcome(scenario, mixed(VALKEY_8_0, VALKEY_8_1, rule));
      const marks = [
        without !== next ? `8.1 - rule: ${without}` : '',
        withRule !== old ? `8.0 + rule: ${withRule}` : '',
      ]
        .filter((text) => text !== '')
        .join('; ');
      if (marks !== '') console.log(`    ${rule}: ${marks}`);
    }
  }
}

await main();
