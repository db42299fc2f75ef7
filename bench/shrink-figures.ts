/**
 * How much `busfuzz shrink` removes from real findings: shrinks every crash file in a folder on
 * the simulator (the same library call as the command), checks that each shrunk crash replays
 * exactly (same fingerprint, step and trace hash), and prints steps and faults before and after,
 * with the average share removed (the issue asks for at least half).
 *
 *   npx busfuzz fuzz --runs 300 --max-steps 200000 --crash-dir /tmp/findings
 *   npx tsx bench/shrink-figures.ts /tmp/findings [--json]
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareReplay, isCrashFileName, readCrashFile } from '../core/crash/index.ts';
import { shrinkCrash } from '../core/shrink/index.ts';
import { createSimBackend } from '../sim/index.ts';

interface Row {
  file: string;
  fingerprint: string;
  stepsBefore: number;
  stepsAfter: number;
  faultsBefore: number;
  faultsAfter: number;
  nodesBefore: number;
  nodesAfter: number;
  runs: number;
  wallMs: number;
  replaysExactly: boolean;
}

const share = (before: number, after: number) => (before === 0 ? 0 : (before - after) / before);

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const dir = positionals[0];
  if (dir === undefined) throw new Error('usage: npx tsx bench/shrink-figures.ts <crash-dir> [--json]');
  const files = (await readdir(dir)).filter((name) => isCrashFileName(name) && !name.endsWith('.min.json')).sort();
  const backend = createSimBackend();
  const rows: Row[] = [];
  for (const name of files) {
    const crash = await readCrashFile(join(dir, name));
    const startedAtMs = performance.now();
    const report = await shrinkCrash(crash, { backend, shrunkFrom: name });
    const wallMs = performance.now() - startedAtMs;
    const replay = await backend.run(report.crash.scenario, { maxSteps: report.crash.maxSteps });
    const row: Row = {
      file: name,
      fingerprint: crash.violation.fingerprint,
      stepsBefore: report.before.steps,
      stepsAfter: report.after.steps,
      faultsBefore: report.before.faults,
      faultsAfter: report.after.faults,
      nodesBefore: report.before.nodes,
      nodesAfter: report.after.nodes,
      runs: report.runs,
      wallMs: Math.round(wallMs),
      replaysExactly:
        compareReplay(report.crash, replay).reproduced &&
        report.crash.violation.fingerprint === crash.violation.fingerprint,
    };
    rows.push(row);
    process.stderr.write(
      `${name}  ${row.fingerprint}\n  steps ${row.stepsBefore} -> ${row.stepsAfter}, faults ${row.faultsBefore} -> ${row.faultsAfter}, nodes ${row.nodesBefore} -> ${row.nodesAfter}; ${row.runs} runs, ${(row.wallMs / 1000).toFixed(1)} s; replays exactly: ${row.replaysExactly}\n`,
    );
  }
  if (rows.length === 0) throw new Error(`no crash files in ${dir}`);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const stepsRemoved = mean(rows.map((row) => share(row.stepsBefore, row.stepsAfter)));
  const faultsRemoved = mean(rows.map((row) => share(row.faultsBefore, row.faultsAfter)));
  const allExact = rows.every((row) => row.replaysExactly);
  process.stderr.write(
    `${rows.length} findings: on average ${(stepsRemoved * 100).toFixed(0)}% of steps and ${(faultsRemoved * 100).toFixed(0)}% of faults removed; every shrunk crash replays exactly: ${allExact}\n`,
  );
  if (values.json)
    process.stdout.write(
      `${JSON.stringify({ findings: rows.length, steps_removed: stepsRemoved, faults_removed: faultsRemoved, all_exact: allExact, rows })}\n`,
    );
}

await main();
