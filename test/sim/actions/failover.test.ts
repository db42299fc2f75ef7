/**
 * failover and bump_epoch on the simulator (protocol reference §3.4, §5.4): CLUSTER FAILOVER in its
 * three modes, with the default mode's pause of writes on the primary that the workload sees, and
 * CLUSTER BUMPEPOCH.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../../core/dsl/index.ts';
import { SimRun } from '../../../sim/runner.ts';
import { eventsOf, finish, roleOf, serverOf, simRunOf, untilReady } from '../helpers.ts';

function scenario(id: string, timeline: string, extra = ''): string {
  return `scenario_id: ${id}
seed: 3
cluster:
  num_shards: 3
  replicas_per_shard: 1
  node_timeout: 1000ms
  ping_interval: 100ms
${extra}timeline:
${timeline}
validation:
  convergence_timeout: 20s
`;
}

function run(text: string): SimRun {
  const simRun = new SimRun(loadScenarioText(text));
  finish(simRun);
  return simRun;
}

describe('failover and bump_epoch on the simulator', () => {
  it('failover default (action-failover): the primary pauses writes for 10 s, its replica catches up, wins an election with FORCEACK four bus hops later, and the old primary becomes its replica and unpauses', () => {
    const simRun = simRunOf('action-failover');
    const readyAtMs = untilReady(simRun);
    // The command went out at 1 s; MFSTART (one hop, under 1 ms) has arrived, the win (four, two fsyncs) has not.
    simRun.runUntilMs(readyAtMs + 1002);
    const primary = serverOf(simRun.world, 'node-0');
    expect(primary.mfReplica?.identity).toBe(serverOf(simRun.world, 'node-1').myself.identity);
    expect(primary.writesPausedUntilMs - primary.nowMs).toBeGreaterThan(9_900);
    const acceptedBefore = simRun.events.filter((e) => e.kind === 'write-acked' && e.node === 'node-0').length;
    finish(simRun);
    const won = eventsOf(simRun, 'election-won');
    expect(won.map((e) => [e.node, e.consensus])).toEqual([['node-1', true]]);
    const commandAtMs = eventsOf(simRun, 'fault').find((e) => e.action === 'failover')!.atMs;
    // MFSTART, the PAUSED PING, AUTH_REQUEST, AUTH_ACK and nothing else: 8.0.1 waits for no cron
    // tick or other message, as its write handlers wake the event loop at once (cron.ts).
    expect(won[0]!.atMs - commandAtMs).toBeLessThanOrEqual(8);
    expect(eventsOf(simRun, 'fault').find((e) => e.action === 'failover')?.detail).toBe('default: OK');
    expect(roleOf(simRun.world, 'node-0')).toEqual({ role: 'replica', primary: 'node-1', slots: 0 });
    expect(serverOf(simRun.world, 'node-0').writesPausedUntilMs).toBe(0);
    // While paused, node-0 acknowledged no write; shard 0's writes then went to node-1.
    const pausedWrites = simRun.events.filter(
      (e) => e.kind === 'write-acked' && e.node === 'node-0' && e.atMs > commandAtMs,
    );
    expect(pausedWrites).toEqual([]);
    expect(acceptedBefore).toBeGreaterThan(0);
    expect(simRun.events.some((e) => e.kind === 'write-acked' && e.node === 'node-1')).toBe(true);
  });

  it("failover force: an election without the primary's handshake; the old primary is demoted", () => {
    const done = run(
      scenario('failover-force', '  - at: 1s\n    action: failover\n    target: shard-1-replica-0\n    mode: force'),
    );
    expect(eventsOf(done, 'election-won').map((e) => [e.node, e.consensus])).toEqual([['node-3', true]]);
    expect(roleOf(done.world, 'node-2')).toEqual({ role: 'replica', primary: 'node-3', slots: 0 });
  });

  it('failover takeover: no election, an epoch bumped without consensus', () => {
    const done = run(
      scenario(
        'failover-takeover',
        '  - at: 1s\n    action: failover\n    target: shard-2-replica-0\n    mode: takeover',
      ),
    );
    expect(eventsOf(done, 'election-won').map((e) => [e.node, e.consensus])).toEqual([['node-5', false]]);
    expect(eventsOf(done, 'vote-granted')).toEqual([]);
    expect(roleOf(done.world, 'node-4')).toEqual({ role: 'replica', primary: 'node-5', slots: 0 });
  });

  it("failover on a primary is refused with Valkey's error and changes nothing", () => {
    const done = run(
      scenario('failover-on-primary', '  - at: 1s\n    action: failover\n    target: shard-0-primary\n    mode: force'),
    );
    expect(eventsOf(done, 'fault').find((e) => e.action === 'failover')?.detail).toBe(
      'force: ERR You should send CLUSTER FAILOVER to a replica',
    );
    expect(eventsOf(done, 'election-won')).toEqual([]);
  });

  it('failover default with the MFSTART lost: the manual failover times out after 5 s and nobody takes over', () => {
    const done = run(
      scenario(
        'failover-mfstart-lost',
        [
          '  - at: 500ms\n    action: drop\n    from: [shard-0-replica-0]\n    to: [shard-0-primary]\n    types: [mfstart]\n    probability: 1.0\n    duration: 8s',
          '  - at: 1s\n    action: failover\n    target: shard-0-replica-0\n    mode: default',
        ].join('\n'),
      ),
    );
    expect(eventsOf(done, 'election-won')).toEqual([]);
    expect(roleOf(done.world, 'node-0').role).toBe('primary');
    expect(serverOf(done.world, 'node-1').mfEndAtMs).toBe(0);
  });

  it('bump_epoch (action-bump_epoch): BUMPED to one above every epoch, then STILL; every node learns the new epoch and no slot moves', () => {
    const simRun = simRunOf('action-bump_epoch');
    finish(simRun);
    const details = eventsOf(simRun, 'fault')
      .filter((e) => e.action === 'bump_epoch')
      .map((e) => e.detail);
    expect(details).toEqual(['BUMPED 7', 'STILL 7']);
    for (const name of ['node-1', 'node-2', 'node-5']) {
      const server = serverOf(simRun.world, name);
      expect(server.lookup(serverOf(simRun.world, 'node-0').myself.identity)!.configEpoch).toBe(7);
    }
    expect(roleOf(simRun.world, 'node-0')).toEqual({ role: 'primary', primary: null, slots: 5461 });
    expect(eventsOf(simRun, 'election-won')).toEqual([]);
  });
});
