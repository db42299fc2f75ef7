/**
 * Where a guided campaign's scenarios come from (`busfuzz fuzz --guided`). The loop asks for the
 * scenario of each schedule position before it dispatches it, and hands over each outcome in seed
 * order (FuzzLoopOptions.source).
 *
 * Reproducible from the seed alone, whatever the worker count or timing: the scenario of position
 * p + LAG is drawn when the outcome of position p is handed over, from an Rng keyed by that
 * position's seed and the corpus as it stands then (every outcome before p counted, none after).
 * The first LAG positions are fresh swarm seeds. So the loop never runs more than LAG positions
 * ahead of the lowest unhandled one, and the same seed gives the same scenarios, findings and corpus.
 *
 * After the first LAG, a fixed share (FRESH_SHARE) stays fresh swarm seeds to keep exploring; the
 * rest are mutants of a corpus entry picked by the power schedule.
 */
import { rngFor } from '../../rng.ts';
import type { Scenario } from '../../scenario/types.ts';
import type { SeedOutcome } from '../seed-run.ts';
import { GuidedCorpus, type CorpusEntry, type Origin } from './corpus.ts';
import { mutateScenario } from './mutate.ts';
import { pickParent } from './power-schedule.ts';

/** Positions between an outcome's hand-over and the scenario drawn from it (independent of workers). */
export const GUIDED_LAG = 32;
/**
 * Of the positions after the first LAG, this share (numerator, denominator) are fresh swarm seeds.
 * One process, 300 CPU-seconds, seed 1: 1 in 8 reached 34.0k features; 1 in 32 (with 4-6-deep
 * havoc) 32.8k, and its mutants cost twice the steps: fresh seeds bring in cheap parents too.
 */
export const FRESH_SHARE: readonly [number, number] = [1, 8];

/**
 * Hand-overs between two refreshes of the corpus's rarities (GuidedCorpus.refreshRarity): often
 * enough that a feature's count is at most a couple of batches of workers out of date.
 */
export const RARITY_REFRESH = 64;

/** What the fuzz loop asks of a scenario source (FuzzLoopOptions.source). */
export interface ScenarioSource {
  /** How far dispatch may run ahead of the lowest unhandled position. */
  readonly lag: number;
  /** The scenario to run at `position` (seed `seed`). */
  scenarioAt(position: number, seed: number): Scenario;
  /** The outcome of `position`, in schedule order (null: cancelled). */
  settled(position: number, seed: number, outcome: SeedOutcome | null): void;
}

export interface GuidedSourceOptions {
  /** The swarm generator (with the campaign's --protocol applied). */
  generate(seed: number): Scenario;
  /** The seed at a schedule position. */
  seedAt(position: number): number;
  /** Called with each entry as it joins the corpus (the corpus folder writes it). */
  onEntry?(entry: CorpusEntry): void;
  lag?: number;
}

interface Pending {
  scenario: Scenario;
  origin: Origin;
}

export class GuidedSource implements ScenarioSource {
  readonly corpus = new GuidedCorpus();
  readonly lag: number;
  private readonly pending = new Map<number, Pending>();
  /** Runs handed over so far that were mutants, and draws where no valid mutant came (a fresh seed ran instead). */
  mutants = 0;
  refused = 0;
  private handedOver = 0;

  constructor(private readonly options: GuidedSourceOptions) {
    this.lag = options.lag ?? GUIDED_LAG;
  }

  scenarioAt(position: number, seed: number): Scenario {
    if (position < this.lag) {
      const fresh = this.fresh(seed);
      this.pending.set(position, fresh);
      return fresh.scenario;
    }
    const drawn = this.pending.get(position);
    if (drawn === undefined)
      throw new Error(`GuidedSource: position ${position} dispatched before position ${position - this.lag} settled`);
    return drawn.scenario;
  }

  settled(position: number, seed: number, outcome: SeedOutcome | null): void {
    const ran = this.pending.get(position);
    this.pending.delete(position);
    if (ran !== undefined && ran.origin.parent !== null && outcome !== null) this.mutants++;
    if (ran !== undefined && ran.origin.mutation === 'fresh (no valid mutant)' && outcome !== null) this.refused++;
    const features = outcome?.result?.features;
    if (ran !== undefined && features !== undefined && outcome?.result?.verdict !== 'aborted') {
      const entry = this.corpus.consider(seed, ran.scenario, features, ran.origin, outcome?.result?.steps ?? 1);
      if (entry !== null) this.options.onEntry?.(entry);
    }
    this.handedOver++;
    if (this.handedOver % RARITY_REFRESH === 0) this.corpus.refreshRarity();
    const next = position + this.lag;
    this.pending.set(next, this.draw(this.options.seedAt(next)));
  }

  /** The scenario for the position with seed `seed`: fresh or a mutant, decided by the seed's Rng. */
  private draw(seed: number): Pending {
    const rng = rngFor(seed).fork('guided');
    const entries = this.corpus.entries;
    if (entries.length === 0 || rng.chance(FRESH_SHARE[0], FRESH_SHARE[1])) return this.fresh(seed);
    const parent = pickParent(rng, entries)!;
    const other = entries.length > 1 ? rng.pick(entries).scenario : null;
    const mutant = mutateScenario(rng, parent.scenario, other, `guided-${seed}`);
    if (mutant === null) return { ...this.fresh(seed), origin: { parent: null, mutation: 'fresh (no valid mutant)' } };
    return { scenario: mutant.scenario, origin: { parent: parent.id, mutation: mutant.mutations.join('+') } };
  }

  private fresh(seed: number): Pending {
    return { scenario: this.options.generate(seed), origin: { parent: null, mutation: 'fresh' } };
  }
}
