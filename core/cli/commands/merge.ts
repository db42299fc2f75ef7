/**
 * `busfuzz merge <dir>... -o DIR`: one campaign folder from the folders of fuzz shards (see
 * core/fuzz/merge.ts). Prints the merged findings and any shard that stopped early or is missing;
 * `--json` prints the merged stats file as the last stdout line. Exit 0 once merged (finding bugs
 * is what the shards were for; the shards' own runs exited 1 for them).
 */
import { join } from 'node:path';
import { InputError } from '../../backend.ts';
import { describeMerge, mergeShards } from '../../fuzz/merge.ts';
import type { Command } from '../context.ts';
import { writeFile } from 'node:fs/promises';

export const SUMMARY_FILE_NAME = 'summary.txt';

export const mergeCommand: Command = async (args, context) => {
  if (args.positionals.length === 0)
    throw new InputError('merge: expected one or more shard folders. Usage: busfuzz merge <dir>... -o DIR');
  const outDir = args.flags.output;
  if (outDir === undefined) throw new InputError('merge: -o DIR is required (the merged campaign folder)');
  const result = await mergeShards(args.positionals, outDir);
  const lines = describeMerge(result, outDir);
  await writeFile(join(outDir, SUMMARY_FILE_NAME), `${lines.join('\n')}\n`);
  for (const line of lines) context.stderr.write(`${line}\n`);
  if (args.flags.json) context.stdout.write(`${JSON.stringify(result.merged)}\n`);
  return 0;
};
