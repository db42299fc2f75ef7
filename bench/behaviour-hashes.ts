/**
 * Behaviour check for simulator optimisations: the trace hash (and verdict, steps, violation) of a
 * fixed set of runs, recorded before a change and compared after it. An optimisation that changes
 * any of them changed behaviour (or the trace encoding), which it must not.
 *
 *   node --import tsx bench/behaviour-hashes.ts --record FILE   (write the hashes)
 *   node --import tsx bench/behaviour-hashes.ts --check FILE    (exit 1 on any difference)
 *   options: --seeds N (generated seeds 1..N, default 30), --max-steps N (default 300000)
 *
 * The set: generated scenarios of seeds 1..N, every scenarios/*.yaml (and scenarios/regressions/),
 * and the bench's own scenario for 400k steps (the workload the speed is measured on).
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateScenario } from '../core/generator.ts';
import { loadScenarioFile } from '../core/dsl/load.ts';
import { runSimScenario } from '../sim/runner.ts';
import { benchScenario } from '../sim/bench.ts';
import type { Scenario } from '../core/scenario/types.ts';

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

const recordFile = argValue('--record');
const checkFile = argValue('--check');
if ((recordFile === undefined) === (checkFile === undefined)) {
  console.error('usage: behaviour-hashes.ts --record FILE | --check FILE [--seeds N] [--max-steps N]');
  process.exit(2);
}
const seeds = Number(argValue('--seeds') ?? 30);
const maxSteps = Number(argValue('--max-steps') ?? 300_000);

function scenarioFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => join(dir, name));
}

const runs: Array<{ name: string; scenario: () => Scenario; maxSteps: number }> = [];
for (let seed = 1; seed <= seeds; seed++)
  runs.push({ name: `seed-${seed}`, scenario: () => generateScenario(seed), maxSteps });
for (const file of [...scenarioFiles('scenarios'), ...scenarioFiles('scenarios/regressions')]) {
  runs.push({ name: file, scenario: () => loadScenarioFile(file), maxSteps });
}
runs.push({ name: 'bench-400k', scenario: () => benchScenario(400_000), maxSteps: 400_000 });

const lines: Record<string, string> = {};
for (const run of runs) {
  let line: string;
  try {
    const result = runSimScenario(run.scenario(), { maxSteps: run.maxSteps });
    line = `${result.traceHash} ${result.verdict} steps=${result.steps} simMs=${result.simTimeMs} msgs=${result.messages} ${result.violation?.fingerprint ?? '-'}`;
  } catch (error) {
    line = `error ${(error as Error).message.split('\n')[0]}`;
  }
  lines[run.name] = line;
  if (recordFile !== undefined) console.log(`${run.name}: ${line}`);
}

if (recordFile !== undefined) {
  writeFileSync(recordFile, `${JSON.stringify(lines, null, 1)}\n`);
  console.log(`recorded ${runs.length} runs in ${recordFile}`);
} else {
  const expected = JSON.parse(readFileSync(checkFile as string, 'utf8')) as Record<string, string>;
  let differences = 0;
  for (const name of new Set([...Object.keys(expected), ...Object.keys(lines)])) {
    if (expected[name] === lines[name]) continue;
    differences++;
    console.log(`DIFF ${name}\n  expected ${expected[name] ?? '(absent)'}\n  got      ${lines[name] ?? '(absent)'}`);
  }
  console.log(
    differences === 0 ? `same: all ${runs.length} runs identical` : `${differences} of ${runs.length} runs differ`,
  );
  process.exit(differences === 0 ? 0 : 1);
}
