/**
 * The run's story: failovers with the time from what set them off, and the log lines by level
 * (info for the main story, debug for votes and node states).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { RunNote } from '../../core/backend.ts';
import { RunStory, describeFailover } from '../../core/run-story.ts';

function capture(level: string) {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level, base: undefined }, stream), lines };
}

const NOTES: RunNote[] = [
  { kind: 'ready', atMs: 2000, nodes: 6 },
  {
    kind: 'node-state',
    atMs: 2100,
    node: 'node-1',
    role: 'replica',
    primary: 'node-0',
    currentEpoch: 6,
    configEpoch: 1,
    slotCount: 0,
  },
  { kind: 'node-down', atMs: 3000, node: 'node-0', cause: 'kill', wasPrimary: true, eligibleReplicas: ['node-1'] },
  { kind: 'vote-granted', atMs: 4100, voter: 'node-2', candidate: 'node-1', epoch: 7 },
  { kind: 'vote-granted', atMs: 4101, voter: 'node-4', candidate: 'node-1', epoch: 7 },
  { kind: 'election-won', atMs: 4150, node: 'node-1', epoch: 7, consensus: true },
  { kind: 'fault', atMs: 6000, action: 'failover', nodes: ['node-0'], detail: 'mode=default' },
  { kind: 'election-won', atMs: 6400, node: 'node-0', epoch: 8, consensus: true },
  { kind: 'election-won', atMs: 9000, node: 'node-3', epoch: 9, consensus: false },
  { kind: 'healed', atMs: 10000 },
  { kind: 'converged', atMs: 12000 },
];

describe('RunStory', () => {
  it('times each failover from its trigger: a dead primary, a CLUSTER FAILOVER, or none seen', () => {
    const story = new RunStory(null);
    for (const note of NOTES) story.onEvent(note);
    expect(story.failovers).toEqual([
      { node: 'node-1', epoch: 7, atMs: 4150, afterMs: 1150, trigger: 'node-0 kill' },
      { node: 'node-0', epoch: 8, atMs: 6400, afterMs: 400, trigger: 'CLUSTER FAILOVER' },
      { node: 'node-3', epoch: 9, atMs: 9000, afterMs: null, trigger: null },
    ]);
    expect(describeFailover(story.failovers[0]!, 'simulated')).toBe('node-1 at 4.15 s (1150 ms after node-0 kill)');
    expect(describeFailover(story.failovers[2]!, 'wall')).toBe('node-3 at 9.00 s after ready');
  });

  it('logs the main story at info and the detail at debug', () => {
    const info = capture('info');
    const infoStory = new RunStory(info.log);
    for (const note of NOTES) infoStory.onEvent(note);
    expect(info.lines.map((line) => line.msg)).toEqual([
      'cluster formed: 6 nodes ready',
      'node-0 down (kill), was a primary; eligible replicas: node-1',
      'election started: node-1 asks for epoch 7 (first vote from node-2)',
      'election won: node-1 is primary in epoch 7 1150 ms after node-0 kill',
      'failover node-0: mode=default',
      'election won: node-0 is primary in epoch 8 400 ms after CLUSTER FAILOVER',
      'election won: node-3 is primary in epoch 9 (no vote: takeover)',
      'every fault healed: convergence checks start',
      'converged: every convergence invariant holds',
    ]);
    const debug = capture('debug');
    const debugStory = new RunStory(debug.log);
    for (const note of NOTES) debugStory.onEvent(note);
    expect(debug.lines.length).toBe(info.lines.length + 3);
    expect(debug.lines.filter((line) => line.level === 20).map((line) => line.msg)).toEqual([
      'node-1: replica of node-0, epochs 6/1, 0 slots',
      'vote: node-2 for node-1 in epoch 7',
      'vote: node-4 for node-1 in epoch 7',
    ]);
  });
});
