/**
 * Formation benchmark of the real backend, measured in one run next to the usual way:
 * - ours, fresh: spawn 3 shards x 1 replica and form them with direct commands (real/formation.ts)
 *   until ready (everyone knows everyone, replicas linked and synced, cluster_state ok everywhere,
 *   views agree);
 * - ours, from spares: the same, taking servers the farm started ahead of time (the fuzz loop's
 *   case: the next run's processes start while the current run is checked);
 * - valkey-cli: spawn the same servers (plain: 127.0.0.1, bus port = port + 10000), run
 *   `valkey-cli --cluster create ... --cluster-replicas 1 --cluster-yes`, then poll until the
 *   same readiness (cluster_state ok everywhere, replicas linked and synced).
 * node_timeout 1000 ms and ping interval 100 ms everywhere. Prints one line per trial and a
 * summary; `--json` prints the summary as the last stdout line.
 *
 * Run: npx tsx bench/formation.ts [--trials N] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CLUSTER, type ClusterConfig } from '../core/scenario/types.ts';
import { RealCluster } from '../real/cluster.ts';
import { formCluster } from '../real/formation.ts';
import { findServer, type FoundServer } from '../real/server-binary.ts';
import { ServerFarm } from '../real/server-farm.ts';
import { delay } from '../real/server-process.ts';
import { createWithCli, startPlainServers, waitPlainReady } from './plain-cluster.ts';

const SHAPE = { numShards: 3, replicasPerShard: 1 };
const NODE_COUNT = SHAPE.numShards * (1 + SHAPE.replicasPerShard);
const CLUSTER: ClusterConfig = { ...DEFAULT_CLUSTER, ...SHAPE, nodeTimeoutMs: 1000, pingIntervalMs: 100 };

async function oursOnce(farm: ServerFarm, useSpares: boolean): Promise<number> {
  if (useSpares) {
    farm.topUpSpares(NODE_COUNT);
    // The spares start while "the current run is checked": give them the time a check takes.
    await delay(2500);
  }
  const cluster = new RealCluster(farm, CLUSTER, Math.random);
  const startedAtMs = Date.now();
  try {
    await formCluster(cluster, SHAPE, { timeoutMs: 30_000 });
    return Date.now() - startedAtMs;
  } finally {
    await cluster.teardown();
  }
}

async function valkeyCliOnce(server: FoundServer, cli: string): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'busfuzz-bench-'));
  const { processes, ports } = await startPlainServers(server, root, {
    nodeCount: NODE_COUNT,
    nodeTimeoutMs: 1000,
    pingIntervalMs: 100,
  });
  const startedAtMs = Date.now();
  try {
    await Promise.all(processes.map((process) => process.start()));
    await createWithCli(cli, ports);
    await waitPlainReady(ports);
    return Date.now() - startedAtMs;
  } finally {
    await Promise.all(processes.map((process) => process.kill()));
    rmSync(root, { recursive: true, force: true });
  }
}

function summary(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const trials = Number(args[args.indexOf('--trials') + 1] ?? 3) || 3;
  const json = args.includes('--json');
  const server = findServer();
  const cli = server.binary.replace(/-server$/, '-cli');
  const farm = new ServerFarm(server);
  const results = { fresh: [] as number[], spares: [] as number[], valkeyCli: [] as number[] };
  try {
    for (let trial = 1; trial <= trials; trial++) {
      results.fresh.push(await oursOnce(farm, false));
      results.spares.push(await oursOnce(farm, true));
      results.valkeyCli.push(await valkeyCliOnce(server, cli));
      process.stderr.write(
        `trial ${trial}: ours fresh ${results.fresh.at(-1)} ms, ours from spares ${results.spares.at(-1)} ms, ` +
          `${cli.split('/').pop()} --cluster create + sync ${results.valkeyCli.at(-1)} ms\n`,
      );
    }
  } finally {
    await farm.close();
  }
  const report = {
    server: `${server.flavor} ${server.version}`,
    shape: '3 shards x 1 replica, node_timeout 1000 ms',
    ours_fresh_ms: summary(results.fresh),
    ours_from_spares_ms: summary(results.spares),
    valkey_cli_create_and_sync_ms: summary(results.valkeyCli),
  };
  process.stderr.write(`${JSON.stringify(report, null, 2)}\n`);
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
