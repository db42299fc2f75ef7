/**
 * Server log lines into events: votes granted, elections won (epoch from "Starting a failover
 * election"), takeovers (epoch from "New configEpoch set to"), in Valkey 8.0's and Redis 7.0's
 * wording, with the line's own timestamp.
 */
import { describe, expect, it } from 'vitest';
import { LogInterpreter, parseLogLine } from '../../real/log-watcher.ts';

const ID_A = 'a'.repeat(40);
const names = (id: string) => (id === ID_A ? 'node-1' : `unknown-${id.slice(0, 8)}`);

describe('server log lines', () => {
  it('reads the local-time stamp and the message', () => {
    const line = parseLogLine('4242:M 21 Nov 2025 23:22:01.123 * Failover auth granted to x for epoch 7');
    expect(line?.message).toBe('Failover auth granted to x for epoch 7');
    expect(line?.wallMs).toBe(new Date(2025, 10, 21, 23, 22, 1, 123).getTime());
    expect(parseLogLine('not a log line')).toBeNull();
  });

  it('turns Valkey 8.0 vote and election lines into vote-granted and election-won', () => {
    const voter = new LogInterpreter('node-2', names);
    expect(voter.interpret(`Failover auth granted to ${ID_A} (node-1-human) for epoch 7`)).toEqual([
      { kind: 'vote-granted', atMs: 0, voter: 'node-2', candidate: 'node-1', epoch: 7 },
    ]);
    const candidate = new LogInterpreter('node-1', names);
    expect(candidate.interpret('Starting a failover election for epoch 7.')).toEqual([]);
    expect(candidate.interpret("Failover election won: I'm the new primary.")).toEqual([
      { kind: 'election-won', atMs: 0, node: 'node-1', epoch: 7, consensus: true },
    ]);
    expect(candidate.interpret('configEpoch set to 7 after successful failover')).toEqual([]);
  });

  it('reads Redis 7.0 wording too', () => {
    const voter = new LogInterpreter('node-2', names);
    expect(voter.interpret(`Failover auth granted to ${ID_A} for epoch 3`)).toEqual([
      { kind: 'vote-granted', atMs: 0, voter: 'node-2', candidate: 'node-1', epoch: 3 },
    ]);
    const taker = new LogInterpreter('node-3', names);
    expect(taker.interpret('Taking over the master (user request).')).toEqual([]);
    expect(taker.interpret('New configEpoch set to 9')).toEqual([
      { kind: 'election-won', atMs: 0, node: 'node-3', epoch: 9, consensus: false },
    ]);
  });

  it('does not call a slot import or BUMPEPOCH a takeover, nor a win without an election start', () => {
    const node = new LogInterpreter('node-0', names);
    expect(node.interpret('New configEpoch set to 4')).toEqual([]);
    expect(node.interpret("Failover election won: I'm the new primary.")).toEqual([]);
    expect(node.interpret(`Failover auth denied to ${ID_A} (x): already voted for epoch 3`)).toEqual([]);
  });
});
