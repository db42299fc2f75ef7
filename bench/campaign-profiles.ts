/**
 * Fingerprints of fuzz campaigns run under different protocols (fuzz --protocol), side by side:
 * per fingerprint, the profiles it was seen under, its count under each, and its status (KNOWN
 * under that profile's known-issues entries, or NEW). Only seeds every campaign ran are counted
 * (seed_start up to the smallest checkpoint), so campaigns of different lengths compare fairly.
 *
 *   node --import tsx bench/campaign-profiles.ts /tmp/camp-80 /tmp/camp-81
 */
import { join } from 'node:path';
import { STATS_FILE_NAME, readStatsFile, type StatsFile } from '../core/fuzz/stats-file.ts';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: campaign-profiles.ts <crash dir>...');
  process.exit(2);
}
const campaigns: StatsFile[] = [];
for (const dir of dirs) {
  const stats = await readStatsFile(join(dir, STATS_FILE_NAME));
  if (stats === null) throw new Error(`${dir}: no ${STATS_FILE_NAME}`);
  campaigns.push(stats);
}
const start = Math.max(...campaigns.map((c) => c.seed_start));
const end = Math.min(...campaigns.map((c) => c.checkpoint.next_seed)); // exclusive
console.log(`common seeds ${start}..${end - 1} (${end - start} runs each)`);
for (const c of campaigns)
  console.log(
    `  ${c.protocol}: ${c.runs} runs in ${(c.wall_ms / 60000).toFixed(1)} min (seeds ${c.seed_start}..${c.checkpoint.next_seed - 1}), ${c.workers} workers`,
  );
const rows = new Map<string, Map<string, { count: number; status: string; firstSeed: number }>>();
for (const c of campaigns) {
  for (const finding of c.findings) {
    const seeds = finding.seeds.filter((seed) => seed >= start && seed < end);
    if (seeds.length === 0) continue;
    const row = rows.get(finding.fingerprint) ?? new Map();
    row.set(c.protocol, { count: seeds.length, status: finding.status, firstSeed: seeds[0]! });
    rows.set(finding.fingerprint, row);
  }
}
const protocols = campaigns.map((c) => c.protocol);
const sorted = [...rows.entries()].sort((a, b) => a[0].localeCompare(b[0]));
for (const [fingerprint, row] of sorted) {
  const cells = protocols.map((protocol) => {
    const cell = row.get(protocol);
    return cell === undefined
      ? `${protocol}: -`
      : `${protocol}: ${cell.status.toUpperCase()} x${cell.count} (first seed ${cell.firstSeed})`;
  });
  console.log(`${fingerprint}\n  seen under ${[...row.keys()].join(', ')} | ${cells.join(' | ')}`);
}
