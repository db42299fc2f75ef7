/**
 * What `busfuzz fuzz --guided` adds to a campaign: the scenario source (source.ts) with the swarm
 * generator under the campaign's protocol, and the corpus folder its entries are written to as
 * they join (corpus-dir.ts). The fuzz command hands `source` to the loop and awaits `finish`.
 */
import { generateScenario } from '../../generator.ts';
import type { Protocol } from '../../scenario/types.ts';
import type { SeedSchedule } from '../schedule.ts';
import { prepareCorpusDir, writeCorpusEntry } from './corpus-dir.ts';
import { GuidedSource } from './source.ts';

export interface GuidedCampaign {
  source: GuidedSource;
  corpusDir: string;
  /** Entry files an earlier campaign had left in the folder (removed). */
  removed: number;
  /** Waits for the entry files being written; throws the first write error. */
  finish(): Promise<void>;
  /** One line for the summary. */
  summaryLine(): string;
}

export async function openGuidedCampaign(options: {
  corpusDir: string;
  schedule: SeedSchedule;
  protocol?: Protocol;
}): Promise<GuidedCampaign> {
  const { corpusDir, schedule, protocol } = options;
  const removed = await prepareCorpusDir(corpusDir);
  let writes: Promise<void> = Promise.resolve();
  let writeError: Error | null = null;
  const source = new GuidedSource({
    generate: protocol === undefined ? generateScenario : (seed) => ({ ...generateScenario(seed), protocol }),
    seedAt: (position) => schedule.seedAt(position),
    onEntry: (entry) => {
      writes = writes
        .then(() => writeCorpusEntry(corpusDir, entry))
        .catch((error: Error) => {
          writeError ??= error;
        });
    },
  });
  return {
    source,
    corpusDir,
    removed,
    finish: async () => {
      await writes;
      if (writeError !== null) throw writeError;
    },
    summaryLine: () => {
      const { corpus } = source;
      return `guided: ${corpus.distinct} distinct features, corpus of ${corpus.entries.length} entries in ${corpusDir}/ (${source.mutants} mutants run, ${source.refused} times no valid mutant: a fresh seed ran); list it with: npx busfuzz corpus ${corpusDir}`;
    },
  };
}
