/**
 * scenarios/regressions/: the three Valkey 8.0.1 flaws the simulator must keep finding, each a
 * hand-written scenario that breaks its invariant the way the flaw does (the mechanism is in each
 * file's header comment), plus a check that the mechanism, not some other fault, caused it.
 */
import { describe, expect, it } from 'vitest';
import type { SimRun } from '../../sim/runner.ts';
import { eventsOf, simRunOf } from './helpers.ts';

function finished(name: string): SimRun {
  const run = simRunOf(`regressions/${name}`);
  run.runSteps(5_000_000);
  return run;
}

describe('regressions: Valkey 8.0.1 flaws the simulator finds', () => {
  it('stale packets from the new primary, delivered after its fresh ones, make a replica of its shard a second primary (one-primary-per-shard)', () => {
    const run = finished('stale-packets-second-primary');
    expect(run.violation?.fingerprint).toBe('one-primary-per-shard/primaries=2,via=slotless-election');
    expect(run.violation?.nodes).toEqual(['node-9', 'node-10']);
    // node-10 followed node-9, went back to the dead node-8 (a stale packet), then won with no slots.
    const node10 = eventsOf(run, 'node-state')
      .filter((event) => event.node === 'node-10')
      .map((event) => `${event.role}:${event.primary}:${event.slotCount}`);
    const followed = node10.indexOf('replica:node-9:0');
    expect(followed).toBeGreaterThanOrEqual(0);
    expect(node10.slice(followed)).toEqual(expect.arrayContaining(['replica:node-8:0', 'primary:null:0']));
    const shard2 = ['node-8', 'node-9', 'node-10', 'node-11'];
    expect(
      eventsOf(run, 'election-won')
        .map((event) => event.node)
        .filter((node) => shard2.includes(node)),
    ).toEqual(['node-9', 'node-10']);
  });

  it("a replica frozen while its shard fails over reads its new primary's fresh PONG before its stale PINGs and becomes a second primary (one-primary-per-shard)", () => {
    const run = finished('frozen-replica-second-primary');
    expect(run.violation?.fingerprint).toBe('one-primary-per-shard/primaries=2,via=slotless-election');
    expect(run.violation?.nodes).toEqual(['node-1', 'node-2']);
    expect(run.world.processes[2]!.stoppedMidPass).toBe(true);
    // After the resume node-2 followed node-1, went back to the dead node-0 (a stale PING), then won with no slots.
    const resumedAtMs = eventsOf(run, 'node-up').find((event) => event.node === 'node-2')!.atMs;
    const node2 = eventsOf(run, 'node-state')
      .filter((event) => event.node === 'node-2' && event.atMs >= resumedAtMs)
      .map((event) => `${event.role}:${event.primary}:${event.slotCount}`);
    expect(node2.slice(0, 3)).toEqual(['replica:node-0:0', 'replica:node-1:0', 'replica:node-0:0']);
    expect(node2.at(-1)).toBe('primary:null:0');
    expect(eventsOf(run, 'election-won').map((event) => event.node)).toEqual(['node-1', 'node-2']);
    // Stopped in epoll_wait (seed 1), the same schedule leaves node-2 a replica of node-1.
    const idle = simRunOf('regressions/frozen-replica-second-primary', 1);
    idle.runSteps(5_000_000);
    expect(idle.world.processes[2]!.stoppedMidPass).toBe(false);
    expect(idle.violation).toBeNull();
  });

  it("a stale primary with the smaller node id wins a configEpoch collision and the successor's acknowledged writes are lost (acked-writes-durable)", () => {
    const run = finished('stale-primary-wins-epoch-collision');
    expect(run.violation?.fingerprint).toBe('acked-writes-durable/lost-after=demoted,read=other');
    expect(run.violation?.message).toContain('acknowledged by node-1');
    // node-1 took over with the epoch node-0 then bumped to; node-0 moved past it and took the slots back.
    const takeover = eventsOf(run, 'election-won').find((event) => event.node === 'node-1')!;
    expect(takeover.consensus).toBe(false);
    const node0 = eventsOf(run, 'node-state')
      .filter((event) => event.node === 'node-0' && event.slotCount > 0)
      .map((event) => event.configEpoch);
    expect(node0).toContain(takeover.epoch);
    expect(node0.at(-1)).toBeGreaterThan(takeover.epoch);
    expect(
      eventsOf(run, 'node-state')
        .filter((event) => event.node === 'node-1')
        .at(-1),
    ).toMatchObject({ role: 'replica', primary: 'node-0' });
  });

  it('a primary that bumps its configEpoch and dies before its replica hears of it leaves the shard down for good (failover-bound)', () => {
    const run = finished('bumped-epoch-unheard-by-replica');
    expect(run.violation?.fingerprint).toBe('failover-bound/no-election,down-by=kill');
    expect(run.violation?.nodes).toEqual(['node-0', 'node-1']);
    // The replica kept asking (one election per retry window) and no voter granted a vote.
    expect(eventsOf(run, 'vote-granted').filter((event) => event.candidate === 'node-1')).toEqual([]);
    const replica = run.world.processes[1]!.server!;
    expect(replica.currentEpoch).toBeGreaterThan(replica.myself.replicaOf!.configEpoch + 2);
  });
});
