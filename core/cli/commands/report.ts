/**
 * `busfuzz report <crash.json | run.json | campaign-dir> [-o DIR]`: writes one self-contained
 * `DIR/index.html` (default `report/`). A simulator crash file is replayed with the event record
 * on; a run.json (what `run --report` keeps) is drawn as it is; a folder gets the campaign page,
 * from its fuzzer_stats.json or else its crash files, with a page per finding under findings/.
 */
import { readFile, stat } from 'node:fs/promises';
import { InputError } from '../../backend.ts';
import { readCampaign } from '../../report/campaign.ts';
import { reportCrash, reportRecordFile, writeCampaignReport } from '../../report/crash-report.ts';
import type { Command } from '../context.ts';

export const DEFAULT_REPORT_DIR = 'report';

export const reportCommand: Command = async (args, context) => {
  const [input, ...extra] = args.positionals;
  if (input === undefined)
    throw new InputError(
      'report: expected <crash.json | run.json | campaign-dir>. Hint: busfuzz report crashes/crash-....json -o report/',
    );
  if (extra.length > 0) throw new InputError(`report: unexpected argument '${extra[0]}'`);
  const outDir = args.flags.output ?? DEFAULT_REPORT_DIR;
  const say = (line: string) => context.stderr.write(`${line}\n`);
  const info = await stat(input).catch(() => null);
  if (info === null) throw new InputError(`report: ${input}: no such file or folder`);
  const sim = context.deps.createBackend('sim', {});
  if (info.isDirectory()) {
    const campaign = await readCampaign(input);
    const written = await writeCampaignReport(outDir, campaign, sim);
    for (const note of written.notes) say(`note: ${note}`);
    say(
      `campaign page: ${written.page} (${campaign.findings.length} fingerprints, ${written.findingPages} finding pages; from ${campaign.source === 'stats' ? 'fuzzer_stats.json' : 'the crash files'})`,
    );
    return 0;
  }
  const format = await formatOf(input);
  if (format === 'busfuzz-run/1') {
    const written = await reportRecordFile(input, outDir);
    say(`report: ${written.page} (${(written.bytes / 1024).toFixed(0)} KiB)`);
    return 0;
  }
  if (format !== 'busfuzz-crash/1')
    throw new InputError(
      `report: ${input}: field format: expected "busfuzz-crash/1" or "busfuzz-run/1", found ${JSON.stringify(format)}`,
    );
  const written = await reportCrash(input, outDir, sim);
  for (const note of written.notes) say(`note: ${note}`);
  say(`report: ${written.page} (${(written.bytes / 1024).toFixed(0)} KiB; event record ${written.record})`);
  return 0;
};

async function formatOf(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return (JSON.parse(text) as { format?: unknown }).format;
  } catch (error) {
    throw new InputError(`report: ${file}: not JSON (${(error as Error).message})`);
  }
}
