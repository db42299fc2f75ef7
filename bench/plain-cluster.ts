/**
 * Plain valkey-server processes on 127.0.0.1, as valkey-cli expects them (bus port = port + 10000,
 * no fault proxy in front): bench/formation.ts's valkey-cli baseline and bench/fidelity-real.ts's
 * bare-loopback failover trials.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createAdminClient } from '../real/admin-client.ts';
import { findFreePort } from '../real/loopback.ts';
import { parseInfo } from '../real/node-report.ts';
import type { FoundServer } from '../real/server-binary.ts';
import { delay, ServerProcess } from '../real/server-process.ts';

const execFileAsync = promisify(execFile);

/** `valkey-cli --cluster create` over the servers, one replica per primary. */
export async function createWithCli(cli: string, ports: readonly number[]): Promise<void> {
  await execFileAsync(
    cli,
    ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'],
    { timeout: 60_000 },
  );
}

/** Plain servers on 127.0.0.1 as valkey-cli expects them (bus port = port + 10000). */
export async function startPlainServers(
  server: FoundServer,
  root: string,
  shape: { nodeCount: number; nodeTimeoutMs: number; pingIntervalMs: number },
): Promise<{ processes: ServerProcess[]; ports: number[] }> {
  const ports: number[] = [];
  while (ports.length < shape.nodeCount) {
    const port = await findFreePort('127.0.0.1');
    if (port + 10000 > 65535 || ports.includes(port)) continue;
    // valkey-cli's servers put the bus on port + 10000: that one must be free too.
    if (await isPortFree('127.0.0.1', port + 10000)) ports.push(port);
  }
  const processes = ports.map((port, index) => {
    const folder = join(root, `node-${index}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'server.conf'),
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'cluster-enabled yes',
        'cluster-config-file nodes.conf',
        `dir "${folder}"`,
        'logfile "server.log"',
        'save ""',
        'appendonly no',
        'repl-diskless-sync yes',
        'repl-diskless-sync-delay 0',
        `cluster-node-timeout ${shape.nodeTimeoutMs}`,
        ...(server.flavor === 'valkey' ? [`cluster-ping-interval ${shape.pingIntervalMs}`] : []),
      ].join('\n'),
    );
    return new ServerProcess({
      name: `cli-node-${index}`,
      binary: server.binary,
      folder,
      host: '127.0.0.1',
      clientPort: port,
    });
  });
  return { processes, ports };
}

function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.once('error', () => resolveFree(false));
    probe.listen(port, host, () => probe.close(() => resolveFree(true)));
  });
}

/** cluster_state ok everywhere and every replica's link up and synced. */
export async function waitPlainReady(ports: number[]): Promise<void> {
  const clients = ports.map((port) => createAdminClient({ host: '127.0.0.1', port }));
  try {
    for (;;) {
      const states = await Promise.all(
        clients.map(async (client) => {
          const cluster = parseInfo(String(await client.call('CLUSTER', 'INFO')));
          const replication = parseInfo(String(await client.call('INFO', 'replication')));
          const replicaReady =
            replication.get('role') !== 'slave' ||
            (replication.get('master_link_status') === 'up' && replication.get('master_sync_in_progress') === '0');
          return cluster.get('cluster_state') === 'ok' && replicaReady;
        }),
      );
      if (states.every(Boolean)) return;
      await delay(15);
    }
  } finally {
    for (const client of clients) client.disconnect();
  }
}
