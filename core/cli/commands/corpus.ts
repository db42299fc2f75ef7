/**
 * `busfuzz corpus <dir>`: lists a guided campaign's corpus (core/fuzz/guided/corpus-dir.ts): each
 * entry's id, the campaign seed that added it, its parent and mutations, and how many features it
 * added. `--json` prints the entries (without their scenarios) as one JSON line. Exit 0.
 */
import { InputError } from '../../backend.ts';
import { describeCorpus, readCorpusDir } from '../../fuzz/guided/corpus-dir.ts';
import type { Command } from '../context.ts';

export const corpusCommand: Command = async (args, context) => {
  if (args.positionals.length !== 1)
    throw new InputError('corpus: expected one corpus folder. Usage: busfuzz corpus <dir>');
  const dir = args.positionals[0]!;
  const listed = await readCorpusDir(dir);
  if (args.flags.json) {
    const entries = listed.map(({ entry }) => {
      const { scenario: _scenario, ...rest } = entry;
      return rest;
    });
    context.stdout.write(`${JSON.stringify({ dir, entries })}\n`);
    return 0;
  }
  for (const line of describeCorpus(dir, listed)) context.stdout.write(`${line}\n`);
  return 0;
};
