/**
 * `busfuzz validate <file.yaml>...`: load every file, print each one's problems (all of them,
 * with file, line and field), and exit 2 if any file has one.
 */
import { InputError } from '../../backend.ts';
import { loadScenarioFile } from '../../dsl/index.ts';
import type { Command } from '../context.ts';

export const validateCommand: Command = async (args, context) => {
  if (args.positionals.length === 0) throw new InputError('validate: expected at least one <file.yaml>');
  let failed = 0;
  for (const file of args.positionals) {
    try {
      const scenario = loadScenarioFile(file);
      const shape = `${scenario.cluster.numShards} shards x ${scenario.cluster.replicasPerShard} replicas`;
      const steps = scenario.timeline.length;
      context.stderr.write(
        `ok ${file}: ${scenario.scenarioId}, ${shape}, ${steps} timeline step${steps === 1 ? '' : 's'}${scenario.chaos ? ', chaos' : ''}\n`,
      );
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      failed++;
      for (const line of error.message.split('\n')) context.stderr.write(`${line}\n`);
    }
  }
  if (failed > 0) context.stderr.write(`busfuzz: ${failed} of ${args.positionals.length} files invalid\n`);
  return failed > 0 ? 2 : 0;
};
