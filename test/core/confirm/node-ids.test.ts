/**
 * The simulator's node ids for the real run (core/confirm/node-ids.ts): read from a simulator
 * trace, one per node and the one of its first start, handed to confirm's steering; and the check
 * that refuses ids a server could not load.
 */
import { describe, expect, it } from 'vitest';
import { prepare, steeringForTry } from '../../../core/confirm/confirm.ts';
import { firstNodeIds, nodeIdsProblem } from '../../../core/confirm/node-ids.ts';
import { describeSteering } from '../../../core/confirm/steering.ts';
import { readCrashFile } from '../../../core/crash/index.ts';
import { createSimBackend } from '../../../sim/index.ts';

const signal = new AbortController().signal;
const ID_A = 'c6b68b8de0f1514e0a975775f09423df3b05e478';
const ID_B = '794d8fd764104eee38ae4174ceb17214789aa7e8';
const ID_C = '0376ec00000000000000000000000000000000ff';

describe('node ids from the simulator', () => {
  it('every node of a simulator run, with the id of its first node-state line', async () => {
    const crash = await readCrashFile('crashes/crash-08d4abf33d70-1.min.json');
    const lines: string[] = [];
    await createSimBackend().run(crash.scenario, {
      maxSteps: crash.maxSteps,
      onTraceLine: (line) => lines.push(line),
    });
    const ids = firstNodeIds(lines);
    const { numShards, replicasPerShard } = crash.scenario.cluster;
    expect(Object.keys(ids).sort()).toEqual(
      Array.from({ length: numShards * (1 + replicasPerShard) }, (_, k) => `node-${k}`).sort(),
    );
    expect(nodeIdsProblem(ids)).toBeNull();
    for (const [name, id] of Object.entries(ids)) {
      const first = lines.find((line) => line.includes(` node-state node=${name} `));
      expect(first).toContain(` id=${id} `);
    }
    // confirm hands the same ids to every try.
    const prep = await prepare(crash, createSimBackend(), signal);
    expect(prep.nodeIds).toEqual(ids);
    const steering = steeringForTry(prep.rules, crash.seed, 2, prep.scenario, prep.nodeIds);
    expect(steering.nodeIds).toEqual(ids);
    expect(describeSteering(steering)).toContain(`simulator's node ids for ${Object.keys(ids).length} nodes`);
  });

  it("a later incarnation's id (after RESET HARD) is not the first one", () => {
    const lines = [
      `100ms node-state node=node-1 id=${ID_A} role=primary primary=null currentEpoch=0 configEpoch=0 slotCount=0`,
      `120ms node-state node=node-0 id=${ID_B} role=primary primary=null currentEpoch=0 configEpoch=0 slotCount=0`,
      '5000ms fault action=reset nodes=[node-1] detail=RESET HARD',
      `5001ms node-state node=node-1 id=${ID_C} role=primary primary=null currentEpoch=0 configEpoch=0 slotCount=0`,
      // A trace before ids were printed has none to give.
      '6000ms node-state node=node-2 role=primary primary=null currentEpoch=0 configEpoch=0 slotCount=0',
    ];
    expect(firstNodeIds(lines)).toEqual({ 'node-1': ID_A, 'node-0': ID_B });
  });

  it('refuses ids a server would not load, in one line', () => {
    expect(nodeIdsProblem({})).toBeNull();
    expect(nodeIdsProblem({ 'node-0': ID_A, 'node-1': ID_B })).toBeNull();
    const problems = [
      nodeIdsProblem({ 'node-0': ID_A.slice(1) }),
      nodeIdsProblem({ 'node-0': ID_A.toUpperCase() }),
      nodeIdsProblem({ 'node-0': `${ID_A.slice(0, 39)}g` }),
      nodeIdsProblem({ 'node-0': `${ID_A.slice(0, 39)} ` }),
      nodeIdsProblem({ 'node-0': 42 as unknown as string }),
      nodeIdsProblem({ primary: ID_A }),
      nodeIdsProblem({ 'node-0': ID_A, 'node-3': ID_A }),
    ];
    for (const problem of problems) {
      expect(problem).toMatch(/^node ids: /);
      expect(problem).not.toContain('\n');
    }
    expect(problems[6]).toBe(`node ids: node-0 and node-3 have the same id ${ID_A}`);
  });
});
