/**
 * Pages for findings: a simulator crash file is replayed with the record on (the simulator is
 * deterministic, so the replay is the run that found it: same steps, same trace hash); a real
 * backend's crash file is drawn from the run.json its run kept beside its node logs. And the
 * campaign page, with a page per finding that has a crash file.
 */
import { confirmationLine as oneConfirmationLine, confirmationsOf } from '../confirm/record.ts';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError, type Backend } from '../backend.ts';
import { readCrashFile } from '../crash/index.ts';
import { campaignPageHtml } from './html.ts';
import type { CampaignDoc } from './campaign.ts';
import { RUN_RECORD_FORMAT, type RunRecordDoc } from './record.ts';
import { writeRecordReport, writeRunReport, type WrittenReport } from './run-report.ts';

export interface CrashReport extends WrittenReport {
  /** Whether the replay matched the crash file (trace hash); a real crash's record is the run itself. */
  replayMatched: boolean;
  notes: string[];
}

/** The confirmation line of a crash file's `confirmations` (busfuzz confirm), if any. */
export function confirmationLine(doc: Record<string, unknown>): string | null {
  const list = confirmationsOf(doc);
  return list.length === 0 ? null : list.map((entry) => `${oneConfirmationLine(entry)} (${entry.at})`).join('; ');
}

/** Where a real run's record lives: the node-log folder named like the crash file. */
export function realRecordPath(crashPath: string): string {
  return join(dirname(crashPath), basename(crashPath).replace(/\.json$/, ''), 'run.json');
}

export async function reportCrash(crashPath: string, outDir: string, sim: Backend): Promise<CrashReport> {
  const crash = await readCrashFile(crashPath);
  const raw = JSON.parse(await readFile(crashPath, 'utf8')) as Record<string, unknown>;
  const replay = `npx busfuzz reproduce ${crashPath}`;
  const confirmation = confirmationLine(raw);
  if (crash.backend === 'real') {
    const recordPath = realRecordPath(crashPath);
    const text = await readFile(recordPath, 'utf8').catch(() => null);
    if (text === null) {
      throw new InputError(
        `${crashPath}: a real-backend crash file, and its run kept no event record (${recordPath} is missing). Hint: busfuzz reproduce ${crashPath} --backend real --report DIR`,
      );
    }
    const record = JSON.parse(text) as RunRecordDoc;
    record.meta = { ...record.meta, replay, confirmation };
    return { ...(await writeRecordReport(outDir, record)), replayMatched: true, notes: [] };
  }
  const result = await sim.run(crash.scenario, { maxSteps: crash.maxSteps, record: true });
  const matched = result.traceHash === crash.traceHash;
  const notes = matched
    ? []
    : [
        `the replay differs from ${crashPath} (trace hash ${result.traceHash.slice(0, 12)} instead of ${crash.traceHash.slice(0, 12)}; written by busfuzz ${crash.toolVersion}): the page shows the replay`,
      ];
  const written = await writeRunReport(outDir, { scenario: crash.scenario, result, replay, confirmation });
  return { ...written, replayMatched: matched, notes };
}

/** Reads a run.json (`busfuzz-run/1`) and draws it again. */
export async function reportRecordFile(path: string, outDir: string): Promise<WrittenReport> {
  const record = JSON.parse(await readFile(path, 'utf8')) as RunRecordDoc;
  if (record.format !== RUN_RECORD_FORMAT)
    throw new InputError(
      `${path}: field format: expected "${RUN_RECORD_FORMAT}", found ${JSON.stringify(record.format)}`,
    );
  return writeRecordReport(outDir, record, false);
}

/**
 * The campaign page at `<outDir>/index.html`, and a page per finding with a crash file under
 * `<outDir>/findings/<crash file name>/` (linked from the table). A finding whose page cannot be
 * made (a real crash without its record) is listed without a link and a note says why.
 */
export async function writeCampaignReport(
  outDir: string,
  campaign: CampaignDoc,
  sim: Backend,
): Promise<{ page: string; findingPages: number; notes: string[] }> {
  const notes: string[] = [];
  let findingPages = 0;
  for (const finding of campaign.findings) {
    if (finding.crashFile === null) continue;
    const name = basename(finding.crashFile).replace(/\.json$/, '');
    try {
      await reportCrash(join(campaign.dir, finding.crashFile), join(outDir, 'findings', name), sim);
      finding.page = `findings/${name}/index.html`;
      findingPages++;
    } catch (error) {
      notes.push(`no page for ${finding.crashFile}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const doc = { ...campaign, notes: [...campaign.notes, ...notes] };
  await mkdir(outDir, { recursive: true });
  const page = join(outDir, 'index.html');
  await writeFile(`${page}.${process.pid}.tmp`, campaignPageHtml(`busfuzz campaign: ${campaign.dir}`, doc));
  await rename(`${page}.${process.pid}.tmp`, page);
  return { page, findingPages, notes };
}
