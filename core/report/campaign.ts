/**
 * The campaign page's data: read from a campaign folder's `fuzzer_stats.json` (the format of
 * stats-format, `busfuzz-stats/1`, that `fuzz` keeps), or, when there is none, gathered from the
 * crash files in the folder (then there are no rates, only findings and when their files were
 * written). `fuzz --report` adds what its own loop saw (campaignFromLoop).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../backend.ts';
import { crashFromDocument, isCrashFileName, type CrashFile } from '../crash/index.ts';

export const STATS_FILE = 'fuzzer_stats.json';
export const STATS_FORMAT = 'busfuzz-stats/1';

export type CampaignStatus = 'new' | 'known' | 'confirmed';

export interface CampaignFinding {
  fingerprint: string;
  status: CampaignStatus;
  count: number;
  firstSeed: number;
  firstFoundMs: number | null;
  seeds: number[];
  /** Relative to the campaign folder; null for a known finding. */
  crashFile: string | null;
  knownReason: string | null;
  upstream: string | null;
  /** The finding's page, relative to the campaign page (set when written). */
  page: string | null;
}

export interface SeriesPoint {
  t_ms: number;
  runs: number;
  steps: number;
  findings: number;
  new: number;
  /** Distinct features so far (core/features.ts), when the stats file counts them. */
  features?: number;
}

export interface CampaignDoc {
  source: 'stats' | 'crash-files' | 'fuzz-loop';
  dir: string;
  backend: string | null;
  state: string | null;
  startedAt: string | null;
  updatedAt: string | null;
  runs: number | null;
  steps: number | null;
  wallMs: number | null;
  workers: number | null;
  inconclusive: number | null;
  series: SeriesPoint[];
  findings: CampaignFinding[];
  notes: string[];
  /** Distinct features the campaign reached (null: not counted); `fuzz --guided` or plain swarm. */
  features?: number | null;
  guided?: boolean;
}

/** Reads a campaign folder: its stats file when there is one, else its crash files. */
export async function readCampaign(dir: string): Promise<CampaignDoc> {
  const info = await stat(dir).catch(() => null);
  if (info === null || !info.isDirectory())
    throw new InputError(`${dir}: not a folder (expected a campaign folder, a crash file or a run.json)`);
  const statsPath = join(dir, STATS_FILE);
  const text = await readFile(statsPath, 'utf8').catch(() => null);
  if (text !== null) return campaignFromStats(parseJson(text, statsPath), statsPath, dir);
  return campaignFromCrashFiles(dir);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not JSON (${(error as Error).message})`);
  }
}

/** Checks a `busfuzz-stats/1` document field by field (unknown fields are ignored). */
export function campaignFromStats(doc: unknown, file: string, dir: string): CampaignDoc {
  const fail = (field: string, why: string): never => {
    throw new InputError(`${file}: field ${field}: ${why}`);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('(file)', 'expected a JSON object');
  const root = doc as Record<string, unknown>;
  if (root.format !== STATS_FORMAT) fail('format', `expected "${STATS_FORMAT}", found ${JSON.stringify(root.format)}`);
  const num = (value: unknown, field: string): number =>
    typeof value === 'number' && Number.isFinite(value)
      ? value
      : fail(field, `expected a number, found ${JSON.stringify(value)}`);
  const optStr = (value: unknown, field: string): string | null =>
    value === undefined || value === null
      ? null
      : typeof value === 'string'
        ? value
        : fail(field, `expected a string or null, found ${JSON.stringify(value)}`);
  const findings = Array.isArray(root.findings) ? root.findings : fail('findings', 'expected a list');
  const series =
    root.series === undefined ? [] : Array.isArray(root.series) ? root.series : fail('series', 'expected a list');
  return {
    source: 'stats',
    dir,
    backend: optStr(root.backend, 'backend'),
    state: optStr(root.state, 'state'),
    startedAt: optStr(root.started_at, 'started_at'),
    updatedAt: optStr(root.updated_at, 'updated_at'),
    runs: num(root.runs, 'runs'),
    steps: num(root.steps, 'steps'),
    wallMs: num(root.wall_ms, 'wall_ms'),
    workers: root.workers === undefined ? null : num(root.workers, 'workers'),
    inconclusive: root.inconclusive === undefined ? null : num(root.inconclusive, 'inconclusive'),
    features: root.features === undefined ? null : num(root.features, 'features'),
    guided: root.guided === true,
    series: series.map((point, i) => {
      const p =
        typeof point === 'object' && point !== null
          ? (point as Record<string, unknown>)
          : fail(`series[${i}]`, 'expected an object');
      return {
        t_ms: num(p.t_ms, `series[${i}].t_ms`),
        runs: num(p.runs, `series[${i}].runs`),
        steps: num(p.steps, `series[${i}].steps`),
        findings: num(p.findings ?? 0, `series[${i}].findings`),
        new: num(p.new ?? 0, `series[${i}].new`),
        ...(p.features === undefined ? {} : { features: num(p.features, `series[${i}].features`) }),
      };
    }),
    findings: findings.map((finding, i) => {
      const f =
        typeof finding === 'object' && finding !== null
          ? (finding as Record<string, unknown>)
          : fail(`findings[${i}]`, 'expected an object');
      const status =
        f.status === 'new' || f.status === 'known' || f.status === 'confirmed'
          ? f.status
          : fail(`findings[${i}].status`, `expected new, known or confirmed, found ${JSON.stringify(f.status)}`);
      const fingerprint =
        typeof f.fingerprint === 'string' ? f.fingerprint : fail(`findings[${i}].fingerprint`, 'expected a string');
      return {
        fingerprint,
        status,
        count: num(f.count, `findings[${i}].count`),
        firstSeed: num(f.first_seed, `findings[${i}].first_seed`),
        firstFoundMs:
          f.first_found_ms === undefined || f.first_found_ms === null
            ? null
            : num(f.first_found_ms, `findings[${i}].first_found_ms`),
        seeds: Array.isArray(f.seeds) ? f.seeds.filter((s): s is number => typeof s === 'number') : [],
        crashFile: optStr(f.crash_file, `findings[${i}].crash_file`),
        knownReason: optStr(f.known_reason, `findings[${i}].known_reason`),
        upstream: optStr(f.upstream, `findings[${i}].upstream`),
        page: null,
      };
    }),
    notes: [],
  };
}

/** No stats file: one finding per fingerprint among the crash files (time from their created_at). */
export async function campaignFromCrashFiles(dir: string): Promise<CampaignDoc> {
  const entries = await readdir(dir);
  const names = entries.filter(isCrashFileName).sort();
  const notes = [
    `no ${STATS_FILE} in ${dir}: findings are read from its ${names.length} crash files; runs and steps per second are not known`,
  ];
  const shards = entries.filter((name) => /^shard-\d+-of-\d+$/.test(name)).sort();
  if (shards.length > 0)
    notes.push(
      `${dir} holds shard folders (${shards.join(', ')}): report each one, or merge them into one campaign folder first`,
    );
  const crashes: Array<{ name: string; crash: CrashFile; confirmed: boolean }> = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const text = await readFile(path, 'utf8');
      const doc = JSON.parse(text) as Record<string, unknown>;
      const confirmations = Array.isArray(doc.confirmations) ? doc.confirmations : [];
      const confirmed = confirmations.some(
        (c) => typeof c === 'object' && c !== null && Number((c as Record<string, unknown>).hits) > 0,
      );
      crashes.push({ name, crash: crashFromDocument(doc, path, text), confirmed });
    } catch (error) {
      notes.push(`skipped ${name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const times = crashes.map((c) => Date.parse(c.crash.createdAt)).filter(Number.isFinite);
  const startMs = times.length === 0 ? 0 : Math.min(...times);
  const byFingerprint = new Map<string, CampaignFinding>();
  for (const { name, crash, confirmed } of crashes) {
    const foundMs = Date.parse(crash.createdAt) - startMs;
    const known = byFingerprint.get(crash.violation.fingerprint);
    if (known === undefined) {
      byFingerprint.set(crash.violation.fingerprint, {
        fingerprint: crash.violation.fingerprint,
        status: confirmed ? 'confirmed' : 'new',
        count: 1,
        firstSeed: crash.seed,
        firstFoundMs: Number.isFinite(foundMs) ? foundMs : null,
        seeds: [crash.seed],
        crashFile: name,
        knownReason: null,
        upstream: null,
        page: null,
      });
      continue;
    }
    known.count++;
    known.seeds.push(crash.seed);
    if (confirmed) known.status = 'confirmed';
    if (crash.seed < known.firstSeed) {
      known.firstSeed = crash.seed;
      known.crashFile = name;
    }
  }
  const findings = [...byFingerprint.values()].sort((a, b) => (a.firstFoundMs ?? 0) - (b.firstFoundMs ?? 0));
  const series: SeriesPoint[] = findings.map((f, i) => ({
    t_ms: f.firstFoundMs ?? 0,
    runs: 0,
    steps: 0,
    findings: i + 1,
    new: i + 1,
  }));
  return {
    source: 'crash-files',
    dir,
    backend: crashes[0]?.crash.backend ?? null,
    state: null,
    startedAt: times.length === 0 ? null : new Date(startMs).toISOString(),
    updatedAt: null,
    runs: null,
    steps: null,
    wallMs: null,
    workers: null,
    inconclusive: null,
    series,
    findings,
    notes,
  };
}
