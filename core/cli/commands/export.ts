/**
 * `busfuzz export --seed N`: print the scenario the generator makes for seed N as YAML, so a
 * random run can be read, edited and rerun with `busfuzz run`.
 */
import { InputError } from '../../backend.ts';
import { saveScenario } from '../../dsl/index.ts';
import { generateScenario } from '../../generator.ts';
import type { Command } from '../context.ts';

export const exportCommand: Command = async (args, context) => {
  if (args.flags.seed === undefined) throw new InputError('export: --seed N is required (or FUZZ_SEED)');
  if (args.positionals.length > 0) throw new InputError(`export: unexpected argument '${args.positionals[0]}'`);
  context.stdout.write(saveScenario(generateScenario(args.flags.seed)));
  return 0;
};
