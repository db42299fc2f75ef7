import { describe, expect, it } from 'vitest';
import { CONVERGENCE_INVARIANTS, INVARIANTS, checkConvergence } from '../../../core/invariants/index.ts';
import { INVARIANT_NAMES, SAFETY_INVARIANTS } from '../../../core/scenario/types.ts';
import { context, downNode, editNode, healthyCluster, scenarioWith } from './builders.ts';

describe('the invariant list', () => {
  it('has every invariant of the interface once, safety first', () => {
    expect(INVARIANTS.map((invariant) => invariant.name).sort()).toEqual([...INVARIANT_NAMES].sort());
    expect(INVARIANTS.slice(0, SAFETY_INVARIANTS.length).map((invariant) => invariant.name)).toEqual(SAFETY_INVARIANTS);
    expect(CONVERGENCE_INVARIANTS.every((invariant) => invariant.kind === 'convergence')).toBe(true);
  });
});

describe('checkConvergence', () => {
  it('is null on a converged cluster', () => {
    expect(checkConvergence(context([healthyCluster(3, 1)]))).toBeNull();
  });

  it('reports the first broken enabled invariant, causes before symptoms', () => {
    // node-1 claims primary beside its shard's primary: peers still see it as a replica
    // (views-agree) and it reports state fail (cluster-state-ok), but the split shard is the cause.
    const view = editNode(healthyCluster(3, 1), 'node-1', (node) => {
      node.report!.role = 'primary';
      node.report!.replicaOf = null;
      node.report!.clusterState = 'fail';
    });
    expect(checkConvergence(context([view]))?.invariant).toBe('one-primary-per-shard');
    const withoutIt = scenarioWith(
      {},
      INVARIANT_NAMES.filter((name) => name !== 'one-primary-per-shard'),
    );
    expect(checkConvergence(context([view], [], withoutIt))?.invariant).toBe('views-agree');
  });

  it('reads the last view only', () => {
    const broken = downNode(healthyCluster(3, 1), 'node-0');
    expect(checkConvergence(context([healthyCluster(3, 1), broken]))?.invariant).toBe('slot-coverage');
    expect(checkConvergence(context([broken, healthyCluster(3, 1)]))).toBeNull();
  });
});
