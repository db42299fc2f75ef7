/**
 * The power schedule (core/fuzz/guided/power-schedule.ts): an entry holding a rare feature gets
 * more energy than one whose features every run reaches, every pick lowers an entry's energy, and
 * the choice depends on the Rng alone.
 */
import { describe, expect, it } from 'vitest';
import type { CorpusEntry } from '../../../../core/fuzz/guided/corpus.ts';
import { GuidedCorpus } from '../../../../core/fuzz/guided/corpus.ts';
import { energyOf, pickParent } from '../../../../core/fuzz/guided/power-schedule.ts';
import { generateScenario } from '../../../../core/generator.ts';
import { rngFor } from '../../../../core/rng.ts';

const scenario = generateScenario(1);

function corpusOf(): { corpus: GuidedCorpus; common: CorpusEntry; rare: CorpusEntry } {
  const corpus = new GuidedCorpus();
  const common = corpus.consider(1, scenario, [1, 2, 3], { parent: null, mutation: 'fresh' })!;
  for (let seed = 2; seed < 40; seed++) corpus.consider(seed, scenario, [1, 2, 3], { parent: null, mutation: 'fresh' });
  const rare = corpus.consider(40, scenario, [1, 2, 99], { parent: 0, mutation: 'shift' })!;
  corpus.refreshRarity();
  return { corpus, common, rare };
}

describe('the guided corpus', () => {
  it('keeps a run only when it reached a feature no earlier run had, and counts every run', () => {
    const { corpus, common, rare } = corpusOf();
    expect(corpus.entries).toEqual([common, rare]);
    expect(rare).toMatchObject({ id: 1, campaignSeed: 40, parent: 0, mutation: 'shift', added: 1 });
    expect(corpus.distinct).toBe(4);
    expect(corpus.hits[1]).toBe(40);
    expect(corpus.hits[99]).toBe(1);
  });

  it("keeps each entry's rarity as of its last refresh, and a refresh counts the runs since", () => {
    const corpus = new GuidedCorpus();
    const first = corpus.consider(1, scenario, [1, 2], { parent: null, mutation: 'fresh' })!;
    expect(first.rarity).toBe(2);
    for (let seed = 2; seed <= 4; seed++) corpus.consider(seed, scenario, [1, 2], { parent: null, mutation: 'fresh' });
    expect(first.rarity).toBe(2);
    corpus.refreshRarity();
    expect(first.rarity).toBe(0.5);
  });
});

describe('the power schedule', () => {
  it('gives an entry with a rare feature more energy, and less after each pick', () => {
    const { common, rare } = corpusOf();
    expect(energyOf(rare)).toBeGreaterThan(10 * energyOf(common));
    const before = energyOf(rare);
    rare.picks++;
    expect(energyOf(rare)).toBeLessThan(before);
    rare.picks = 50;
    expect(energyOf(rare)).toBeGreaterThanOrEqual(1);
  });

  it('gives a costly entry less energy than a cheap one with the same features', () => {
    const { rare } = corpusOf();
    const cheap = energyOf({ ...rare, steps: 1000 }, 4000);
    const costly = energyOf({ ...rare, steps: 16_000 }, 4000);
    expect(cheap).toBeGreaterThan(15 * costly);
  });

  it('picks by energy, counts the picks, and is the same for the same Rng', () => {
    const { corpus, rare } = corpusOf();
    const rng = rngFor('schedule').fork('guided');
    const picked = Array.from({ length: 40 }, () => pickParent(rng, corpus.entries)!.id);
    expect(picked.filter((id) => id === rare.id).length).toBeGreaterThan(20);
    expect(corpus.entries.reduce((sum, entry) => sum + entry.picks, 0)).toBe(40);
    const again = corpusOf();
    const rngAgain = rngFor('schedule').fork('guided');
    expect(Array.from({ length: 40 }, () => pickParent(rngAgain, again.corpus.entries)!.id)).toEqual(picked);
    expect(pickParent(rng, [])).toBeNull();
  });
});
