/**
 * A run's page: `writeRunReport` turns a finished run (its RunResult with the record that
 * RunOptions.record asked for) into `<dir>/index.html` and `<dir>/run.json`, the event record the
 * page was drawn from (`busfuzz report run.json` draws it again). `run`, `reproduce`, `fuzz` and
 * `confirm` (--report DIR) all come through here.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../backend.ts';
import type { Scenario } from '../scenario/types.ts';
import { runPageHtml } from './html.ts';
import { RUN_RECORD_FORMAT, type RunMeta, type RunRecordDoc } from './record.ts';

export interface RunReportInput {
  scenario: Scenario;
  /** A finished run; `result.record` must be there (run it with RunOptions.record: true). */
  result: RunResult;
  /** The command that replays it (a crash file's reproduce line), if any. */
  replay?: string | null;
  /** One line on a confirmation (e.g. "confirmed on valkey 8.0.1: 3 of 10 tries"), if any. */
  confirmation?: string | null;
}

export interface WrittenReport {
  /** The page: `<dir>/index.html`. */
  page: string;
  /** The event record: `<dir>/run.json`. */
  record: string;
  bytes: number;
}

export function runRecordOf(input: RunReportInput): RunRecordDoc {
  const { scenario, result } = input;
  if (result.record === undefined)
    throw new Error(`writeRunReport: the run of ${result.scenarioId} kept no record (RunOptions.record was not set)`);
  const v = result.violation;
  const meta: RunMeta = {
    scenarioId: result.scenarioId,
    backend: result.backend,
    server: result.server,
    seed: result.seed,
    verdict: result.verdict,
    steps: result.steps,
    endMs: result.simTimeMs,
    violation:
      v === null
        ? null
        : {
            invariant: v.invariant,
            message: v.message,
            step: v.step,
            timeMs: v.timeMs,
            nodes: [...v.nodes],
            fingerprint: v.fingerprint,
          },
    replay: input.replay ?? null,
    confirmation: input.confirmation ?? null,
    nodeTimeoutMs: scenario.cluster.nodeTimeoutMs,
    nodeStatus: result.nodeStatus ?? [],
    traceHash: result.traceHash,
  };
  return result.record.finish(meta);
}

/** Writes `<dir>/index.html` and `<dir>/run.json` for a finished, recorded run. */
export async function writeRunReport(dir: string, input: RunReportInput): Promise<WrittenReport> {
  return writeRecordReport(dir, runRecordOf(input));
}

/** Writes the page (and the record beside it) for a record already built or read back. */
export async function writeRecordReport(dir: string, record: RunRecordDoc, keepRecord = true): Promise<WrittenReport> {
  if (record.format !== RUN_RECORD_FORMAT) throw new Error(`writeRecordReport: not a ${RUN_RECORD_FORMAT} record`);
  await mkdir(dir, { recursive: true });
  const title = `${record.meta.scenarioId} (${record.meta.backend}, seed ${record.meta.seed}): ${record.meta.verdict}`;
  const html = runPageHtml(title, record);
  const page = join(dir, 'index.html');
  const recordFile = join(dir, 'run.json');
  await atomicWrite(page, html);
  if (keepRecord) await atomicWrite(recordFile, `${JSON.stringify(record)}\n`);
  return { page, record: recordFile, bytes: Buffer.byteLength(html) };
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
}
