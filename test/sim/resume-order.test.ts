/**
 * Where a SIGSTOP lands decides what a resumed node reads first (sim/world.ts `resume`): stopped
 * in epoll_wait, it reads the sockets it had registered, runs its overdue cron, and only then reads
 * the connections its kernel accepted while it was stopped; stopped mid-pass, it runs the cron
 * first and reads those accepted connections a loop pass later, so replies to the cron's PINGs
 * can be read before older data (valkey-io/valkey#2811, #3084).
 */
import { describe, expect, it } from 'vitest';
import type { World } from '../../sim/world.ts';
import { formedWorld, runWorldUntil } from './helpers.ts';

/** node-2's trace lines from its resume after a 3 s stop until 5 ms later, and where the stop landed. */
function resumeOf(seed: number): { midPass: boolean; lines: string[] } {
  const world: World = formedWorld(seed, { numShards: 3, replicasPerShard: 2 });
  world.pause(2);
  runWorldUntil(world, world.nowMs + 3000);
  const lines: string[] = [];
  world.trace.onLine = (line) => {
    if (/ node-2 (cron|<- |process)/.test(line)) lines.push(line.replace(/^\d+ms /, ''));
  };
  const resumedAtMs = world.nowMs;
  world.resume(2);
  runWorldUntil(world, resumedAtMs + 5);
  world.trace.onLine = null;
  return { midPass: world.processes[2]!.stoppedMidPass, lines };
}

function firstOfEach(): { idle: string[]; midPass: string[] } {
  let idle: string[] | null = null;
  let midPass: string[] | null = null;
  for (let seed = 1; idle === null || midPass === null; seed++) {
    const resume = resumeOf(seed);
    if (resume.midPass) midPass ??= resume.lines;
    else idle ??= resume.lines;
  }
  return { idle, midPass };
}

describe('a resumed process reads in the order of where its SIGSTOP landed', () => {
  const { idle, midPass } = firstOfEach();

  it('stopped in epoll_wait: registered sockets, then the overdue cron, then the connections accepted meanwhile', () => {
    expect(idle[0]).toBe('node-2 process running (resumed, stopped in epoll_wait)');
    const cron = idle.indexOf('node-2 cron');
    expect(cron).toBeGreaterThan(1);
    expect(idle.slice(1, cron).every((line) => line.startsWith('node-2 <- '))).toBe(true);
    // Peers replaced their links to the stopped node: their PINGs wait on accepted connections.
    expect(idle.slice(cron + 1).filter((line) => line.endsWith(' ping')).length).toBeGreaterThan(0);
  });

  it('stopped mid-pass: the overdue cron first, then the registered sockets, then a PONG to that cron before the older PINGs', () => {
    expect(midPass[0]).toBe('node-2 process running (resumed, stopped mid-pass)');
    expect(midPass[1]).toBe('node-2 cron');
    expect(midPass.slice(2).every((line) => line.startsWith('node-2 <- '))).toBe(true);
    const lastPing = midPass.map((line) => line.endsWith(' ping')).lastIndexOf(true);
    expect(midPass.slice(2, lastPing).some((line) => line.endsWith(' pong'))).toBe(true);
  });
});
