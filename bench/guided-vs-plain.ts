/**
 * The guided-fuzzing acceptance measurement (issue 18): pairs of campaigns, plain swarm and
 * `fuzz --guided`, from the same seed on the same worker count for the same time limit, run one
 * after the other (never side by side: each gets the machine's cores alone, so equal wall time is
 * equal CPU on an otherwise idle machine; the CPU each campaign used, its process tree's user+sys
 * time, is printed so a busy machine shows). The order alternates pair by pair (plain first, then
 * guided first, ...) so drift in the machine's other load does not favour one mode.
 *
 * Per pair it prints the distinct features each reached (the stats file's `features`; plain runs
 * count them too), the ratio, the time to first find (ms of campaign time and runs) of the four
 * flaws the swarm finds today, each identified by its known-issues.yaml fingerprints, and every
 * fingerprint the guided campaign found that the plain one did not. At the end: the median ratio
 * and, per flaw, the median time to first find of each mode (a campaign that never found it counts
 * as its whole time limit, marked '>').
 *
 *   npx tsx bench/guided-vs-plain.ts [--pairs 3] [--minutes 10] [--plain-minutes M] [--workers 2]
 *       [--seed 1] [--out DIR] [--json]
 *
 * --plain-minutes gives the plain campaigns another length (acceptance 3: 30 minutes of plain
 * swarm against a guided campaign). Campaign folders (crash files, stats, the guided corpus) stay
 * in --out (default: a new folder under the system's temp folder, printed).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { StatsFile } from '../core/fuzz/stats-file.ts';

/** The four flaws of the issue, by the known-issues.yaml fingerprints that name them. */
export const FLAWS: ReadonlyArray<{ name: string; fingerprints: readonly string[] }> = [
  {
    name: 'stale-epoch stuck election',
    fingerprints: ['failover-bound/no-election,down-by=kill', 'failover-bound/no-election,down-by=terminate'],
  },
  {
    name: 'epoch-collision data loss',
    fingerprints: [
      'acked-writes-durable/lost-after=demoted,read=other',
      'acked-writes-durable/lost-after=demoted,read=missing',
    ],
  },
  { name: 'stale-demotion second primary', fingerprints: ['one-primary-per-shard/primaries=2,via=stale-demotion'] },
  { name: 'frozen-replica second primary', fingerprints: ['one-primary-per-shard/primaries=2,via=slotless-election'] },
];

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '3' },
    minutes: { type: 'string', default: '10' },
    'plain-minutes': { type: 'string' },
    workers: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const pairs = Number(values.pairs);
const minutes = Number(values.minutes);
const plainMinutes = values['plain-minutes'] === undefined ? minutes : Number(values['plain-minutes']);
const workers = Number(values.workers);
const firstSeed = Number(values.seed);
const BUSFUZZ = fileURLToPath(new URL('../bin/busfuzz.js', import.meta.url));

interface Campaign {
  mode: 'plain' | 'guided';
  dir: string;
  seed: number;
  limitMs: number;
  cpuMs: number;
  stats: StatsFile;
}

/** Runs one campaign; its process tree's CPU comes from bash's `times` (children's user and sys). */
async function runCampaign(mode: 'plain' | 'guided', seed: number, limitSec: number, dir: string): Promise<Campaign> {
  const args = [
    BUSFUZZ,
    'fuzz',
    ...(mode === 'guided' ? ['--guided'] : []),
    '--forever',
    '--time-limit',
    String(limitSec),
    '--workers',
    String(workers),
    '--seed',
    String(seed),
    '--crash-dir',
    dir,
  ];
  const quoted = args.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  const script = `node ${quoted} >/dev/null 2>"${join(dir, 'fuzz.log')}"; times`;
  await mkdir(dir, { recursive: true });
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  // `times`: line 1 the shell's own user/sys, line 2 its children's, as `0m1.234s 0m0.056s`.
  const children = output.trim().split('\n').at(-1) ?? '';
  const cpuMs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, match) => sum + (Number(match[1]) * 60 + Number(match[2])) * 1000,
    0,
  );
  const stats = JSON.parse(await readFile(join(dir, 'fuzzer_stats.json'), 'utf8')) as StatsFile;
  return { mode, dir, seed, limitMs: limitSec * 1000, cpuMs: Math.round(cpuMs), stats };
}

interface FirstFind {
  ms: number | null;
  runs: number | null;
}

function firstFind(campaign: Campaign, fingerprints: readonly string[]): FirstFind {
  let best: FirstFind = { ms: null, runs: null };
  for (const finding of campaign.stats.findings) {
    if (!fingerprints.includes(finding.fingerprint)) continue;
    if (best.ms === null || finding.first_found_ms < best.ms)
      best = { ms: finding.first_found_ms, runs: finding.first_seed - campaign.stats.seed_start + 1 };
  }
  return best;
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const say = (line: string) => {
  if (!values.json) console.log(line);
};
const outDir = values.out ?? (await mkdtemp(join(tmpdir(), 'guided-vs-plain-')));
say(
  `guided-vs-plain: ${pairs} pairs, ${minutes} min guided / ${plainMinutes} min plain, ${workers} workers each, one campaign at a time; folders in ${outDir}; load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
const results: Array<{ pair: number; plain: Campaign; guided: Campaign }> = [];
for (let pair = 0; pair < pairs; pair++) {
  const seed = firstSeed + pair * 1_000_000;
  const run = (mode: 'plain' | 'guided') =>
    runCampaign(
      mode,
      seed,
      Math.round((mode === 'plain' ? plainMinutes : minutes) * 60),
      join(outDir, `pair-${pair}-${mode}`),
    );
  let plain: Campaign;
  let guided: Campaign;
  if (pair % 2 === 0) {
    plain = await run('plain');
    guided = await run('guided');
  } else {
    guided = await run('guided');
    plain = await run('plain');
  }
  results.push({ pair, plain, guided });
  const plainFeatures = plain.stats.features ?? 0;
  const guidedFeatures = guided.stats.features ?? 0;
  say(
    `pair ${pair} (seed ${seed}): features plain ${plainFeatures} (${plain.stats.runs} runs, ${Math.round(plain.cpuMs / 1000)} s CPU), guided ${guidedFeatures} (${guided.stats.runs} runs, ${Math.round(guided.cpuMs / 1000)} s CPU): ratio ${(guidedFeatures / Math.max(1, plainFeatures)).toFixed(2)}`,
  );
  for (const flaw of FLAWS) {
    const a = firstFind(plain, flaw.fingerprints);
    const b = firstFind(guided, flaw.fingerprints);
    const show = (find: FirstFind) =>
      find.ms === null ? 'not found' : `${(find.ms / 1000).toFixed(1)} s, run ${find.runs}`;
    say(`  ${flaw.name.padEnd(30)} plain ${show(a).padEnd(22)} guided ${show(b)}`);
  }
  const plainPrints = new Set(plain.stats.findings.map((finding) => finding.fingerprint));
  const only = guided.stats.findings.filter((finding) => !plainPrints.has(finding.fingerprint));
  for (const finding of only)
    say(
      `  guided only: ${finding.fingerprint} (${finding.status}, first at ${(finding.first_found_ms / 1000).toFixed(1)} s${finding.crash_file === null ? '' : `, ${join(guided.dir, finding.crash_file)}`})`,
    );
}

const ratios = results.map(
  ({ plain, guided }) => (guided.stats.features ?? 0) / Math.max(1, plain.stats.features ?? 0),
);
say(`median feature ratio guided/plain: ${median(ratios).toFixed(2)} (acceptance 1: >= 1.5)`);
const flawSummary = FLAWS.map((flaw) => {
  const time = (campaign: Campaign) => firstFind(campaign, flaw.fingerprints).ms ?? campaign.limitMs;
  const missed = (mode: 'plain' | 'guided') =>
    results.filter((result) => firstFind(result[mode], flaw.fingerprints).ms === null).length;
  const plainMs = median(results.map((result) => time(result.plain)));
  const guidedMs = median(results.map((result) => time(result.guided)));
  say(
    `  ${flaw.name.padEnd(30)} median first find: plain ${(plainMs / 1000).toFixed(1)} s (${missed('plain')} missed), guided ${(guidedMs / 1000).toFixed(1)} s (${missed('guided')} missed): ${(plainMs / Math.max(1, guidedMs)).toFixed(2)}x`,
  );
  return {
    flaw: flaw.name,
    plain_median_ms: plainMs,
    guided_median_ms: guidedMs,
    plain_missed: missed('plain'),
    guided_missed: missed('guided'),
  };
});
if (values.json)
  console.log(
    JSON.stringify({
      out: outDir,
      pairs: results.map(({ pair, plain, guided }) => ({
        pair,
        seed: plain.seed,
        plain: {
          features: plain.stats.features ?? 0,
          runs: plain.stats.runs,
          cpu_ms: plain.cpuMs,
          findings: plain.stats.findings.map((f) => f.fingerprint),
        },
        guided: {
          features: guided.stats.features ?? 0,
          runs: guided.stats.runs,
          cpu_ms: guided.cpuMs,
          findings: guided.stats.findings.map((f) => f.fingerprint),
        },
      })),
      median_feature_ratio: median(ratios),
      flaws: flawSummary,
    }),
  );
