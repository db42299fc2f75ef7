/**
 * Guided fuzzing's feedback on the simulator: the feature collector (feature-collector.ts) and how
 * a run attaches it to its world.
 */
import type { World } from '../world.ts';
import { FeatureCollector } from './feature-collector.ts';

export { FeatureCollector } from './feature-collector.ts';

/**
 * A collector for `world`, on the network's delivery tap when that is free (a run that also
 * records a report keeps the recorder there and goes without the happens-before features).
 */
export function attachCollector(world: World): FeatureCollector {
  const collector = new FeatureCollector(world, world.capacity);
  if (world.network.tap === null) world.network.tap = collector;
  return collector;
}
