/**
 * Node ids given to the real backend (steering.nodeIds, the simulator's): a node starts with a
 * nodes.conf holding only its own line, reports that id, keeps it across a restart, and the
 * cluster forms as usual; a node not named draws its own. With the ids given, a tie between
 * replicas of equal offset goes to the smaller id, whatever the creation order (agreement class
 * R1). Malformed ids are refused before any server starts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../core/backend.ts';
import { loadScenarioText } from '../../core/dsl/index.ts';
import { DEFAULT_CLUSTER } from '../../core/scenario/types.ts';
import { RealCluster } from '../../real/cluster.ts';
import { formCluster } from '../../real/formation.ts';
import { createRealBackend, findServer } from '../../real/index.ts';
import { ServerFarm } from '../../real/server-farm.ts';
import { cluster, eventLines, runYaml } from './helpers.ts';

/** Distinct, and node-2's sorts before node-1's: the reverse of creation order. */
const IDS: Record<string, string> = {
  'node-0': 'f00d000000000000000000000000000000000000',
  'node-1': 'e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1',
  'node-2': '0123456789abcdef0123456789abcdef01234567',
  'node-3': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'node-4': 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  'node-5': 'cccccccccccccccccccccccccccccccccccccccc',
  'node-6': 'dddddddddddddddddddddddddddddddddddddddd',
  'node-7': '7777777777777777777777777777777777777777',
  'node-8': '8888888888888888888888888888888888888888',
};

describe('a node started with a given id', () => {
  const farm = new ServerFarm(findServer());
  afterAll(() => farm.close());

  it('reports it (CLUSTER MYID), keeps it across a restart, and the cluster forms; unnamed nodes draw their own', async () => {
    const given = { 'node-0': IDS['node-0']!, 'node-1': IDS['node-1']!, 'node-2': IDS['node-2']! };
    const run = new RealCluster(
      farm,
      { ...DEFAULT_CLUSTER, nodeTimeoutMs: 1000, pingIntervalMs: 100 },
      Math.random,
      given,
    );
    try {
      await formCluster(run, { numShards: 2, replicasPerShard: 1 }, { timeoutMs: 30_000 });
      for (const [name, id] of Object.entries(given)) {
        expect(String(await run.nodeByName(name).host.admin.call('CLUSTER', 'MYID'))).toBe(id);
        expect(run.nodeByName(name).id).toBe(id);
      }
      const drawn = run.nodeByName('node-3').id;
      expect(drawn).toMatch(/^[0-9a-f]{40}$/);
      expect(Object.values(given)).not.toContain(drawn);
      // Every node knows every id: the cluster formed with them.
      const nodes = String(await run.nodeByName('node-3').host.admin.call('CLUSTER', 'NODES'));
      for (const id of Object.values(given)) expect(nodes).toContain(`${id} `);
      // A restart reads the nodes.conf the server has written since: same id, still a replica.
      const node1 = run.nodeByName('node-1');
      node1.host.releaseAdmin();
      await node1.host.process.kill();
      await node1.host.process.start();
      expect(String(await node1.host.admin.call('CLUSTER', 'MYID'))).toBe(given['node-1']);
      const myself = String(await node1.host.admin.call('CLUSTER', 'NODES'))
        .split('\n')
        .find((line) => line.includes('myself'));
      expect(myself).toContain(`slave ${given['node-0']}`);
    } finally {
      await run.teardown();
    }
  });
});

describe('the real backend with the simulator ids', () => {
  const backend = createRealBackend({ spares: 'never' });
  afterAll(() => backend.close());

  async function firstWinner(nodeIds: Record<string, string>): Promise<string[]> {
    const { lines, result } = await runYaml(
      backend,
      `
scenario_id: node-id-tie
seed: 5
${cluster(3, 2)}timeline:
  - at: 1s
    action: kill
    target: node-0
validation:
  convergence_timeout: 20s
`,
      { steering: { rules: [], jitterMs: 0, seed: 5, nodeIds } },
    );
    expect(result.verdict).toBe('pass');
    expect(lines.find((line) => line.includes(' node-state node=node-0 '))).toContain(`id=${nodeIds['node-0']}`);
    return eventLines(lines, 'election-won').map((line) => / node=(\S+)/.exec(line)?.[1] ?? line);
  }

  it('a tie between replicas of equal offset goes to the smaller id, whichever node has it', async () => {
    // node-2's id is the smaller: rank 0, it goes a second before node-1 (rank 1).
    expect(await firstWinner(IDS)).toEqual(['node-2']);
    // The same ids the other way round: node-1 wins.
    expect(await firstWinner({ ...IDS, 'node-1': IDS['node-2']!, 'node-2': IDS['node-1']! })).toEqual(['node-1']);
  });

  it('refuses malformed or repeated ids in one line, before any server starts', () => {
    const scenario = loadScenarioText(`scenario_id: bad-ids\nseed: 1\n${cluster(1, 0)}`, 'test scenario');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'node-0': 'xyz' }, /^node ids: node-0's id "xyz" is not 40 lowercase hex characters$/],
      [{ 'node-0': IDS['node-0']!.toUpperCase() }, /not 40 lowercase hex/],
      [{ 'node-0': IDS['node-0']!, 'node-1': IDS['node-0']! }, /^node ids: node-0 and node-1 have the same id/],
      [{ leader: IDS['node-0']! }, /^node ids: 'leader' is not a node name/],
    ];
    for (const [nodeIds, message] of cases) {
      let error: unknown;
      try {
        void backend.run(scenario, { maxSteps: 1000, steering: { rules: [], jitterMs: 0, seed: 1, nodeIds } });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
