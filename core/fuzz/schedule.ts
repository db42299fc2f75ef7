/**
 * Which seeds a fuzz run takes: a campaign covers seeds `start, start+1, ...` (`start..start+R-1`
 * with `--runs R`), and shard I of N (`--shard I/N`, or the JOB_COMPLETION_INDEX and
 * JOB_COMPLETION_COUNT that a Kubernetes Indexed Job sets) takes every N-th of them:
 * `start+I, start+I+N, ...`. The loop walks a schedule by position (0, 1, 2, ...), so sharding and
 * resuming after a checkpoint change which seeds run, never how outcomes are ordered or tallied.
 * An unsharded run is shard 0 of 1.
 */
import { InputError } from '../backend.ts';

/**
 * A slice of a fuzz campaign's seeds (`--shard I/N`), not a Valkey shard (a slot group): the word is
 * the interface's, and Kubernetes and the fuzzing tools use it so too.
 */
export interface FuzzShard {
  index: number;
  count: number;
}

export const UNSHARDED: FuzzShard = { index: 0, count: 1 };

export class SeedSchedule {
  /** Position of `resumeSeed` among this shard's seeds (0 when starting afresh). */
  private readonly firstPosition: number;
  /** How many seeds this run takes (null: until stopped). */
  readonly size: number | null;

  /**
   * @param start the campaign's first seed (`--seed`)
   * @param campaignRuns seeds in the whole campaign (`--runs`), null for `--forever` or a time limit
   * @param resumeSeed a seed of this shard to start at instead of its first (a checkpoint)
   */
  constructor(
    readonly start: number,
    readonly shard: FuzzShard,
    readonly campaignRuns: number | null,
    resumeSeed?: number,
  ) {
    const first = start + shard.index;
    if (resumeSeed !== undefined && (resumeSeed < first || (resumeSeed - first) % shard.count !== 0)) {
      throw new Error(`SeedSchedule: ${resumeSeed} is not a seed of shard ${shard.index}/${shard.count} from ${start}`);
    }
    this.firstPosition = resumeSeed === undefined ? 0 : (resumeSeed - first) / shard.count;
    this.size =
      campaignRuns === null ? null : Math.max(0, SeedSchedule.shareOf(campaignRuns, shard) - this.firstPosition);
  }

  /** Seeds `start..start+runs-1` (null: on and on), unsharded. */
  static consecutive(start: number, runs: number | null): SeedSchedule {
    return new SeedSchedule(start, UNSHARDED, runs);
  }

  /** How many of a campaign's `runs` seeds fall to `shard`. */
  static shareOf(runs: number, shard: FuzzShard): number {
    return runs <= shard.index ? 0 : Math.ceil((runs - shard.index) / shard.count);
  }

  /** The seed at a position of this run (0 is where it starts, after any checkpoint). */
  seedAt(position: number): number {
    return this.start + this.shard.index + (this.firstPosition + position) * this.shard.count;
  }

  /** The position of one of this run's seeds. */
  positionOf(seed: number): number {
    return (seed - this.start - this.shard.index) / this.shard.count - this.firstPosition;
  }

  /** The first seed past this shard's share of the campaign (null: none). */
  endSeed(): number | null {
    return this.size === null ? null : this.seedAt(this.size);
  }
}

/**
 * The shard from `--shard I/N`, else from JOB_COMPLETION_INDEX / JOB_COMPLETION_COUNT (an Indexed
 * Job sets both), else null (unsharded). Bad values are InputErrors naming the flag or variable.
 */
export function shardFrom(flag: string | undefined, env: NodeJS.ProcessEnv): FuzzShard | null {
  if (flag !== undefined) {
    const match = /^(\d+)\/(\d+)$/.exec(flag.trim());
    if (match === null) throw new InputError(`--shard: expected I/N (e.g. 0/4), found '${flag}'`);
    return checked(Number(match[1]), Number(match[2]), '--shard');
  }
  const indexText = env.JOB_COMPLETION_INDEX;
  const countText = env.JOB_COMPLETION_COUNT;
  if (indexText === undefined || indexText === '') {
    if (countText !== undefined && countText !== '')
      throw new InputError('JOB_COMPLETION_COUNT: set without JOB_COMPLETION_INDEX');
    return null;
  }
  if (countText === undefined || countText === '') {
    throw new InputError(
      "JOB_COMPLETION_INDEX: set without JOB_COMPLETION_COUNT (the Job's completions; busfuzz fleet k8s sets it)",
    );
  }
  if (!/^\d+$/.test(indexText))
    throw new InputError(`JOB_COMPLETION_INDEX: expected a whole number, found '${indexText}'`);
  if (!/^\d+$/.test(countText))
    throw new InputError(`JOB_COMPLETION_COUNT: expected a whole number, found '${countText}'`);
  return checked(Number(indexText), Number(countText), 'JOB_COMPLETION_INDEX/JOB_COMPLETION_COUNT');
}

function checked(index: number, count: number, name: string): FuzzShard {
  if (!Number.isSafeInteger(count) || count < 1)
    throw new InputError(`${name}: the shard count must be at least 1, found ${count}`);
  if (!Number.isSafeInteger(index) || index >= count)
    throw new InputError(`${name}: the shard index must be below the count ${count}, found ${index}`);
  return { index, count };
}

/** `shard-I-of-N`: a shard's own folder inside the crash folder. */
export function shardFolderName(shard: FuzzShard): string {
  return `shard-${shard.index}-of-${shard.count}`;
}
