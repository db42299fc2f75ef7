/**
 * Which corpus entry to mutate next: a power schedule in the spirit of AFLFast's "fast" one. An
 * entry's energy grows with the rarity of its rarest feature (few runs reached it) and falls with
 * every time it was already picked, so rare states get mutated first and no entry hogs the
 * campaign. Integer weights, drawn with the caller's Rng: the choice depends on the seed alone.
 */
import type { Rng } from '../../rng.ts';
import type { CorpusEntry } from './corpus.ts';

/** Energy scale: an entry whose rarest feature one run reached, never picked, weighs this much. */
const ENERGY_SCALE = 1 << 20;

/** An entry's energy given the feature hit counts (module comment). */
export function energyOf(entry: CorpusEntry, hits: Uint32Array): number {
  let rarest = Number.POSITIVE_INFINITY;
  for (const feature of entry.features) rarest = Math.min(rarest, hits[feature]!);
  if (!(rarest >= 1)) rarest = 1;
  // The picks penalty doubles every pick for the first few, then grows linearly (an entry never starves).
  const picksPenalty = entry.picks < 4 ? 1 << entry.picks : 16 * (entry.picks - 3);
  return Math.max(1, Math.floor(ENERGY_SCALE / (rarest * picksPenalty)));
}

/** Picks a parent by energy and counts the pick; null for an empty corpus. */
export function pickParent(rng: Rng, entries: readonly CorpusEntry[], hits: Uint32Array): CorpusEntry | null {
  if (entries.length === 0) return null;
  const energies = entries.map((entry) => energyOf(entry, hits));
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
