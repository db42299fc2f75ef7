/**
 * Who a partition cuts from whom, and what keep_quorum counts, for every backend: the simulator
 * (sim/faults.ts) and the real run (real/fault-actions.ts, real/step-runner.ts) call these on
 * their own node handles (process indices, node names). Groups come resolved, `rest` included
 * (core/scenario/targets.ts resolveGroups: every node no other group names).
 */

/**
 * The directed pairs a partition blocks: every pair across two groups, or with `oneway` only
 * those from the first group to the others (its messages out are lost, the others' still arrive).
 * A node named in two groups is never cut from itself.
 */
export function partitionPairs<T>(groups: readonly (readonly T[])[], oneway: boolean): Array<[T, T]> {
  const pairs: Array<[T, T]> = [];
  groups.forEach((from, i) => {
    groups.forEach((to, j) => {
      if (i === j || (oneway && i !== 0)) return;
      for (const a of from) for (const b of to) if (a !== b) pairs.push([a, b]);
    });
  });
  return pairs;
}

/**
 * The nodes a partition cuts off from the majority: everyone outside the group that holds the
 * most slot-owning (voting) primaries, the first such group on a tie.
 */
export function minoritySides<T>(groups: readonly (readonly T[])[], isVotingPrimary: (node: T) => boolean): T[] {
  const primaries = (group: readonly T[]): number => group.filter(isVotingPrimary).length;
  let best = 0;
  groups.forEach((group, i) => {
    if (primaries(group) > primaries(groups[best] ?? [])) best = i;
  });
  return groups.flatMap((group, i) => (i === best ? [] : [...group]));
}

/**
 * keep_quorum: whether at least size/2+1 of the voting primaries stay up, `isDown` counting the
 * stopped ones, the ones a partition in force cuts off, and the ones the step would take down.
 */
export function quorumSurvives<T>(votingPrimaries: readonly T[], isDown: (node: T) => boolean): boolean {
  let up = 0;
  for (const node of votingPrimaries) if (!isDown(node)) up++;
  return up >= Math.floor(votingPrimaries.length / 2) + 1;
}
