/**
 * The guided corpus: the scenarios whose runs reached a feature no earlier run had, and how often
 * each feature has been reached over the whole campaign (the power schedule favours entries that
 * hold rare ones). Only the loop's seed-ordered hand-over (source.ts) changes it, so its state
 * after seed N depends on the campaign's seed alone.
 */
import { FEATURE_MAP_SIZE } from '../../features.ts';
import type { Scenario } from '../../scenario/types.ts';

export interface CorpusEntry {
  /** 0, 1, ... in the order entries were added. */
  id: number;
  /** The campaign seed whose run added it. */
  campaignSeed: number;
  /** The entry it was mutated from; null for a fresh swarm seed. */
  parent: number | null;
  /** The mutations that made it (`shift+params`); 'fresh' for a swarm seed. */
  mutation: string;
  scenario: Scenario;
  /** Its run's distinct features (sorted map indices). */
  features: number[];
  /** How many of them no earlier run had reached. */
  added: number;
  /** Times picked as a parent so far. */
  picks: number;
  /** What its run cost (simulator steps): the schedule favours cheap entries, as AFL's perf score. */
  steps: number;
  /**
   * Its rarity mass, the sum over its features of 1 / (runs that reached it), as of the last
   * refresh (GuidedCorpus.refreshRarity): the power schedule's main term.
   */
  rarity: number;
}

/** Where a run's scenario came from. */
export interface Origin {
  parent: number | null;
  mutation: string;
}

export class GuidedCorpus {
  /** How many runs reached each feature. */
  readonly hits = new Uint32Array(FEATURE_MAP_SIZE);
  readonly entries: CorpusEntry[] = [];
  /** Distinct features reached by any run. */
  distinct = 0;

  /**
   * Counts a run's features; keeps its scenario as an entry if any feature is new. Returns the
   * entry, or null.
   */
  consider(
    campaignSeed: number,
    scenario: Scenario,
    features: readonly number[],
    origin: Origin,
    steps = 1,
  ): CorpusEntry | null {
    let added = 0;
    for (const feature of features) {
      if (this.hits[feature] === 0) added++;
      this.hits[feature] = this.hits[feature]! + 1;
    }
    this.distinct += added;
    if (added === 0) return null;
    const entry: CorpusEntry = {
      id: this.entries.length,
      campaignSeed,
      parent: origin.parent,
      mutation: origin.mutation,
      scenario,
      features: [...features],
      added,
      picks: 0,
      steps: Math.max(1, steps),
      rarity: 0,
    };
    entry.rarity = this.rarityOf(entry);
    this.entries.push(entry);
    return entry;
  }

  /**
   * Recomputes every entry's rarity from the hit counts as they stand. It costs the corpus's size
   * times an entry's features (6,000 entries of ~300 features late in a 5-minute campaign), so the
   * guided source calls it every RARITY_REFRESH hand-overs, not at every pick: computed at every
   * pick, a 300-CPU-second campaign in one process ran 232.6M simulator steps instead of 252.3M.
   */
  refreshRarity(): void {
    for (const entry of this.entries) entry.rarity = this.rarityOf(entry);
  }

  private rarityOf(entry: CorpusEntry): number {
    let rarity = 0;
    for (const feature of entry.features) rarity += 1 / Math.max(1, this.hits[feature]!);
    return rarity;
  }
}
