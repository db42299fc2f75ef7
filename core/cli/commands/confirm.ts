/**
 * `busfuzz confirm <crash.json>... [--tries N] [--all] [--json] [--report DIR]`: replays simulator findings on
 * live valkey-server processes, steered to the simulator's message order (core/confirm/), until
 * each hits its invariant or its tries run out (`--all`: every try, for the rate). Records the
 * result in each crash file. Exit 1 when a finding was confirmed, 0 when none was, 2 for a bad
 * crash file (checked before any server starts), 3 when no server can be found or started.
 */
import { InputError } from '../../backend.ts';
import { confirmCrash, confirmationOf, type ConfirmOutcome } from '../../confirm/confirm.ts';
import { confirmationLine, recordConfirmation } from '../../confirm/record.ts';
import { readCrashFile, type CrashFile } from '../../crash/index.ts';
import { basename, join } from 'node:path';
import { writeRunReport } from '../../report/run-report.ts';
import type { Command } from '../context.ts';
import { abortOnSignals } from '../report.ts';

export const DEFAULT_CONFIRM_TRIES = 10;

export const confirmCommand: Command = async (args, context) => {
  if (args.positionals.length === 0)
    throw new InputError('confirm: expected <crash.json>... Hint: busfuzz confirm crashes/crash-....json --tries 10');
  const say = (line: string) => context.stderr.write(`${line}\n`);
  const crashes: { file: string; crash: CrashFile }[] = [];
  for (const file of args.positionals) crashes.push({ file, crash: await readCrashFile(file) });
  const tries = args.flags.tries ?? DEFAULT_CONFIRM_TRIES;
  const sim = context.deps.createBackend('sim', {});
  const real = context.deps.createBackend('real', { valkeyServer: args.flags.valkeyServer });
  const stop = abortOnSignals();
  const outcomes: ConfirmOutcome[] = [];
  try {
    for (const { file, crash } of crashes) {
      if (stop.signal.aborted) break;
      const record = args.flags.report !== undefined;
      const outcome = await confirmCrash({
        crash,
        file,
        sim,
        real,
        tries,
        all: args.flags.all,
        signal: stop.signal,
        say,
        record,
        ...(args.flags.protocol === undefined ? {} : { protocol: args.flags.protocol }),
      });
      outcomes.push(outcome);
      const confirmation = confirmationOf(outcome);
      if (confirmation !== null) {
        await recordConfirmation(file, confirmation);
        say(
          `${file}: ${confirmationLine(confirmation)} in ${(outcome.wallMs / 1000).toFixed(1)} s${outcome.logs === null ? '' : `; node logs of the first hit: ${outcome.logs}`}`,
        );
      }
      // --report DIR: the first hit's live run drawn as a page (DIR/<crash file name>/index.html).
      if (record && outcome.firstHit !== undefined && confirmation !== null) {
        const dir = join(args.flags.report!, basename(file).replace(/\.json$/, ''));
        const written = await writeRunReport(dir, {
          scenario: crash.scenario,
          result: outcome.firstHit,
          replay: `npx busfuzz confirm ${file}`,
          confirmation: confirmationLine(confirmation),
        });
        say(`${file}: report of the first hit: ${written.page}`);
      }
    }
  } finally {
    stop.dispose();
    await real.close?.();
  }
  if (args.flags.json) {
    context.stdout.write(
      `${JSON.stringify({
        confirmed: outcomes.filter((outcome) => outcome.hits > 0).length,
        files: outcomes.map((outcome) => ({
          file: outcome.file,
          fingerprint: outcome.fingerprint,
          invariant: outcome.invariant,
          tries: outcome.tries,
          hits: outcome.hits,
          confirmed: outcome.hits > 0,
          wall_ms: outcome.wallMs,
          try_ms: outcome.tryMs,
          endings: outcome.endings,
          steering: outcome.steering,
          perturbation: outcome.perturbation,
          logs: outcome.logs,
          sim_reproduced: outcome.simReproduced,
          aborted: outcome.aborted,
        })),
      })}\n`,
    );
  }
  if (outcomes.some((outcome) => outcome.aborted) || stop.signal.aborted) return 130;
  return outcomes.some((outcome) => outcome.hits > 0) ? 1 : 0;
};
