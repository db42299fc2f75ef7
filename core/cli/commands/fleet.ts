/**
 * `busfuzz fleet k8s --shards N --image IMAGE [--time-limit S] [--backend sim|real]`: prints the
 * manifests of a fuzz fleet (core/fleet/k8s.ts) as YAML documents on stdout, ready for
 * `kubectl apply -f -`. Also takes --runs, --seed, --max-steps and --workers (per shard).
 */
import { stringify } from 'yaml';
import { InputError } from '../../backend.ts';
import { fleetManifests, type FleetOptions } from '../../fleet/k8s.ts';
import type { Command } from '../context.ts';

/** A fleet with neither --runs nor --time-limit fuzzes for an hour. */
export const DEFAULT_FLEET_TIME_LIMIT_SEC = 3600;
/** Workers per shard (pod) unless --workers says otherwise. */
export const DEFAULT_FLEET_WORKERS = 2;

export const fleetCommand: Command = async (args, context) => {
  const [target, ...rest] = args.positionals;
  if (target !== 'k8s')
    throw new InputError(
      `fleet: expected 'k8s' (the only fleet engine), found ${target === undefined ? 'nothing' : `'${target}'`}. Usage: busfuzz fleet k8s --shards N --image IMAGE`,
    );
  if (rest.length > 0) throw new InputError(`fleet k8s: unexpected argument '${rest[0]}'`);
  const { flags } = args;
  if (flags.shards === undefined)
    throw new InputError('fleet k8s: --shards N is required (how many pods fuzz side by side)');
  if (flags.image === undefined || flags.image.trim() === '')
    throw new InputError(
      'fleet k8s: --image IMAGE is required (built from deploy/Dockerfile and pushed where the cluster can pull it)',
    );
  const runs = flags.forever ? null : (flags.runs ?? null);
  const options: FleetOptions = {
    shards: flags.shards,
    image: flags.image,
    backend: flags.backend,
    timeLimitSec: flags.timeLimitSec ?? (runs === null ? DEFAULT_FLEET_TIME_LIMIT_SEC : null),
    runs,
    firstSeed: flags.seed ?? 1,
    maxSteps: flags.maxSteps ?? null,
    workersPerShard: flags.workers ?? DEFAULT_FLEET_WORKERS,
    name: 'busfuzz',
    storage: '1Gi',
  };
  const { volume, fleet, merge } = fleetManifests(options);
  const documents = [volume, fleet, merge].map((manifest) =>
    stringify(manifest, { lineWidth: 0, aliasDuplicateObjects: false }),
  );
  context.stdout.write(documents.join('---\n'));
  return 0;
};
