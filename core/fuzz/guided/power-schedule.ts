/**
 * Which corpus entry to mutate next: a power schedule in the spirit of AFLFast's "fast" one. An
 * entry's energy grows with the rarity of its features (the sum of 1 / runs that reached each) and
 * falls with every time it was already picked and with its run's cost against the corpus's mean
 * (AFL's perf score: mutants of long runs drift the campaign toward ever longer runs), so rare
 * states get mutated first and no entry hogs the campaign. Integer weights, drawn with the caller's Rng: the choice depends on the seed alone.
 *
 * Measured on seeds 1..1000 in one process (features reached after 1000 runs): plain swarm 10,361;
 * guided with the rarest feature's count as energy 8,898; with this rarity sum 10,468 (and 13
 * fingerprints against plain's 12); with the sum of 1 / runs squared 10,711 but 9 fingerprints.
 * Without the cost factor, 90 s campaigns on 2 workers ran half as many guided runs as plain ones
 * (1876 plain, 964 guided, seed 1000); with it at 1/4..4 guided ran 2530 and reached 1.11x the
 * features but found the known flaws later; at 1/2..2 (here) 1844 runs, 1.03x the features.
 */
import type { Rng } from '../../rng.ts';
import type { CorpusEntry } from './corpus.ts';

/** Energy scale: an entry with 64 features each reached by one run, never picked, weighs this much. */
const ENERGY_SCALE = 1 << 20;

/**
 * An entry's energy given the feature hit counts (module comment): its rarity mass, the sum over
 * its features of 1 / (runs that reached it), so an entry holding several rare features outranks
 * one holding a single one (nearly every entry holds one feature no other run reached early on).
 */
export function energyOf(entry: CorpusEntry, hits: Uint32Array, meanSteps = entry.steps): number {
  let rarity = 0;
  for (const feature of entry.features) rarity += 1 / Math.max(1, hits[feature]!);
  // The picks penalty doubles every pick for the first few, then grows linearly (an entry never starves).
  const picksPenalty = entry.picks < 4 ? 1 << entry.picks : 16 * (entry.picks - 3);
  // AFL's perf score, softened: a run that costs more steps than the corpus's mean gets less (1/2 to 2 times).
  const cost = Math.min(2, Math.max(0.5, Math.sqrt(entry.steps / Math.max(1, meanSteps))));
  return Math.max(1, Math.floor((ENERGY_SCALE * rarity) / (64 * picksPenalty * cost)));
}

/** Picks a parent by energy and counts the pick; null for an empty corpus. */
export function pickParent(rng: Rng, entries: readonly CorpusEntry[], hits: Uint32Array): CorpusEntry | null {
  if (entries.length === 0) return null;
  let totalSteps = 0;
  for (const entry of entries) totalSteps += entry.steps;
  const meanSteps = totalSteps / entries.length;
  const energies = entries.map((entry) => energyOf(entry, hits, meanSteps));
  let total = 0;
  for (const energy of energies) total += energy;
  let ticket = Math.floor(rng.float() * total);
  for (let i = 0; i < entries.length; i++) {
    ticket -= energies[i]!;
    if (ticket < 0) {
      entries[i]!.picks++;
      return entries[i]!;
    }
  }
  const last = entries[entries.length - 1]!;
  last.picks++;
  return last;
}
