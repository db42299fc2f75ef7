/**
 * Which corpus entry to mutate next: a power schedule in the spirit of AFLFast's "fast" one. An
 * entry's energy grows with the rarity of its features (the sum of 1 / runs that reached each,
 * CorpusEntry.rarity) and falls with every time it was already picked and with its run's cost
 * against the corpus's mean (AFL's perf score), so rare states get mutated first and no entry hogs
 * the campaign. Integer weights, drawn with the caller's Rng: the choice depends on the seed alone.
 *
 * What counts is new features per CPU-second, not per run. One process, 300 CPU-seconds, 1M max
 * steps (a campaign's setting), seed 1, 1,048,576-entry map: plain swarm 23,149 features. Guided
 * with the cost factor as the square root of steps / mean, clamped to 1/2..2: 1.10x at equal steps
 * (on the old 65,536-entry map). With the full ratio clamped to 1/16..16 (COST_LIMIT): mutants cost
 * 16-25k steps instead of 70-110k, and add 120-170 features per million steps against a fresh
 * seed's 48: 34,036 features, 1.47x.
 * Earlier, on seeds 1..1000 (features after 1000 runs): the rarest feature's count as energy
 * reached 8,898 against plain's 10,361, this rarity sum 10,468, the sum of 1 / runs squared 10,711
 * but 9 fingerprints against 13.
 */
import type { Rng } from '../../rng.ts';
import type { CorpusEntry } from './corpus.ts';

/** Energy scale: an entry with 64 features each reached by one run, never picked, weighs this much. */
const ENERGY_SCALE = 1 << 20;

/** The cost factor's bounds: an entry's run counts as at most this many times dearer, or cheaper, than the mean. */
export const COST_LIMIT = 16;

/**
 * An entry's energy (module comment): its rarity mass, so an entry holding several rare features
 * outranks one holding a single one (nearly every entry holds one feature no other run reached
 * early on), over its picks so far and its cost against `meanSteps`.
 */
export function energyOf(entry: CorpusEntry, meanSteps = entry.steps): number {
  const rarity = entry.rarity;
  // The picks penalty doubles every pick for the first few, then grows linearly (an entry never starves).
  const picksPenalty = entry.picks < 4 ? 1 << entry.picks : 16 * (entry.picks - 3);
  // AFL's perf score: energy in inverse proportion to the run's steps against the corpus's mean.
  const cost = Math.min(COST_LIMIT, Math.max(1 / COST_LIMIT, entry.steps / Math.max(1, meanSteps)));
  return Math.max(1, Math.floor((ENERGY_SCALE * rarity) / (64 * picksPenalty * cost)));
}

/** Picks a parent by energy and counts the pick; null for an empty corpus. */
export function pickParent(rng: Rng, entries: readonly CorpusEntry[]): CorpusEntry | null {
  if (entries.length === 0) return null;
  let totalSteps = 0;
  for (const entry of entries) totalSteps += entry.steps;
  const meanSteps = totalSteps / entries.length;
  const energies = entries.map((entry) => energyOf(entry, meanSteps));
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
