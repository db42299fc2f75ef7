/**
 * confirm's reading of the simulator's trace: the steering rules it derives for committed crash
 * files whose mechanism is known (the bumped epoch a replica never heard; the frozen replica's
 * stale PING after the new primary's PONG), and the targets it pins.
 */
import { describe, expect, it } from 'vitest';
import { prepare, simulatorSettleMs } from '../../../core/confirm/confirm.ts';
import { deriveRules, readTrace } from '../../../core/confirm/derive.ts';
import { readCrashFile } from '../../../core/crash/index.ts';
import { createSimBackend } from '../../../sim/index.ts';
import { settleMs } from '../../../sim/runner.ts';

const signal = new AbortController().signal;

describe('confirm: steering derived from the simulator trace', () => {
  it('bumped epoch then kill: the voters must hear the new epoch first, the replica never', async () => {
    const crash = await readCrashFile('crashes/crash-08d4abf33d70-1.min.json');
    const { rules, simReproduced } = await prepare(crash, createSimBackend(), signal);
    expect(simReproduced).toBe(true);
    expect(rules).toContainEqual(
      expect.objectContaining({ kind: 'gate', phase: 2, from: 'node-0', to: ['node-2', 'node-4'] }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ kind: 'hold', startPhase: 1, endPhase: null, from: 'node-0', end: 'discard' }),
    );
    const hold = rules.find((rule) => rule.kind === 'hold')!;
    expect(hold.kind === 'hold' && hold.to).toContain('node-1');
    expect(rules).toContainEqual(expect.objectContaining({ kind: 'discard-on-kill', phase: 2, node: 'node-0' }));
  });

  it('shard targets are pinned to the node the simulator hit, random ones keep their draw', async () => {
    const crash = await readCrashFile('crashes/crash-61bb24ef6b83-1.min.json');
    expect(crash.scenario.timeline.map((step) => ('target' in step ? step.target : null))).toEqual([
      null,
      'shard-0-primary',
      'shard-0-primary',
    ]);
    const { scenario } = await prepare(crash, createSimBackend(), signal);
    expect(scenario.timeline.map((step) => ('target' in step ? step.target : null))).toEqual([
      null,
      'node-0',
      'node-0',
    ]);
    const frozen = await readCrashFile('crashes/crash-64d78a889a5b-5157.min.json');
    const pinned = await prepare(frozen, createSimBackend(), signal);
    expect(pinned.scenario.timeline[0]).toMatchObject({ action: 'kill', target: 'random' });
    // The frozen replica: node-11 was promoted while node-10 slept; its stale messages wait for its fresh PONG.
    expect(pinned.rules).toContainEqual(
      expect.objectContaining({ kind: 'hold', from: 'node-11', to: ['node-10'], end: 'release', afterTypes: ['pong'] }),
    );
  });

  it('no news, no gate: a kill long after the previous step gets only the discard', () => {
    const lines = [
      '0ms node-0 process starting',
      '0ms node-1 process starting',
      '100ms plan: bump_epoch #0 start',
      '100ms fault action=bump_epoch nodes=[node-0] detail=BUMPED 7',
      '100ms node-state node=node-0 role=primary primary=null currentEpoch=7 configEpoch=7 slotCount=5461',
      '150ms node-1 <- node-0 ping',
      '5000ms plan: kill #1 start',
      '5000ms fault action=kill nodes=[node-0] detail=',
    ];
    const rules = deriveRules(readTrace(lines), 1000);
    expect(rules.map((rule) => rule.kind)).toEqual(['discard-on-kill']);
    const close = deriveRules(readTrace(lines.map((line) => line.replace(/^5000ms/, '300ms'))), 1000);
    expect(close.map((rule) => rule.kind)).toEqual(['discard-on-kill', 'gate']);
  });

  it('epoch collision: the node that kept its slots had the smaller id in the simulator', async () => {
    const crash = await readCrashFile('crashes/crash-ab5fa994bf79-808.min.json');
    const { rules } = await prepare(crash, createSimBackend(), signal);
    expect(rules.filter((rule) => rule.kind === 'id-order')).toEqual([
      expect.objectContaining({ lower: 'node-4', higher: 'node-5' }),
    ]);
  });

  it("the settle time before the first convergence check is the simulator's", async () => {
    for (const file of ['crashes/crash-64d78a889a5b-5157.min.json', 'crashes/crash-08d4abf33d70-1.min.json']) {
      const { scenario } = await readCrashFile(file);
      expect(simulatorSettleMs(scenario)).toBe(settleMs(scenario));
    }
  });
});
