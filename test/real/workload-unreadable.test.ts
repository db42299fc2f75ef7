/**
 * A read-back that keeps failing (here: a node that accepts connections and never answers, as a
 * cluster with `ping_interval: 0ms` did when read-backs timed out) is a finding about the cluster
 * (the key was unavailable), handed to the run through the `unreadable` hook: never an exception
 * that would end busfuzz with exit 4. No valkey-server needed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { rngFor } from '../../core/rng.ts';
import type { RealCluster } from '../../real/cluster.ts';
import { WorkloadClient } from '../../real/workload.ts';

let server: Server | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
  server = null;
});

it('a key whose read-back times out every time is reported as unreadable, and the read-back ends', async () => {
  server = createServer((socket) => {
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const cluster = {
    nodes: [{ host: { host: '127.0.0.1', ports: { clientProxyPort: port } } }],
  } as unknown as RealCluster;
  const unreadable: Array<{ key: string; message: string }> = [];
  const workload = new WorkloadClient(
    cluster,
    { keys: 10, writesPerSec: 0, waitReplicas: 0 },
    rngFor(1),
    {
      nowMs: () => 0,
      emit: () => {
        throw new Error('nothing can be read back');
      },
      nameOfId: (id) => id,
      holdersOf: (name) => [name],
      unreadable: (key, message) => unreadable.push({ key, message }),
    },
    100,
  );
  // Two acknowledged keys, as if written before the silence.
  (workload as unknown as { ackedKeys: Set<string> }).ackedKeys.add('busfuzz:3').add('busfuzz:7');
  try {
    await expect(workload.readBack()).resolves.toBeUndefined();
  } finally {
    workload.close();
  }
  expect(unreadable.length).toBeGreaterThanOrEqual(1);
  expect(unreadable[0]!.message).toMatch(/^read-back of busfuzz:[37] failed 5 times: /);
}, 60_000);
