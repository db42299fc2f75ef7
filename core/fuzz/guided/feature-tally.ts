/**
 * Distinct features over a campaign (the stats file's `features`): a bit per map entry. Plain and
 * guided campaigns count the same way, so the two can be compared on one measure.
 */
import { FEATURE_MAP_SIZE } from '../../features.ts';

export class FeatureTally {
  private readonly seen = new Uint8Array(FEATURE_MAP_SIZE);
  distinct = 0;

  /** Counts a run's features; returns the distinct count so far. */
  add(features: readonly number[]): number {
    for (const feature of features) {
      if (this.seen[feature] === 0) {
        this.seen[feature] = 1;
        this.distinct++;
      }
    }
    return this.distinct;
  }
}
