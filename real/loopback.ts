/**
 * Loopback addresses and free ports for the real backend. Every node gets its own address
 * 127.0.X.Y (Y >= 2), so the fault proxy can tell which node a connection comes from by its
 * source address (valkey binds outgoing bus and replication connections with `bind-source-addr`).
 * Ports are whatever the kernel hands out on that address: never a fixed range.
 */
import { createServer } from 'node:net';
import { EnvironmentError } from '../core/backend.ts';

/** Third octets already handed out by this process, so two clusters of one process never share. */
const blocksInUse = new Set<number>();

/** Nodes per block: 127.0.X.2 .. 127.0.X.254. */
export const MAX_NODES_PER_BLOCK = 253;

/**
 * Reserves a block 127.0.X.* for one cluster. The block is chosen at random so that clusters of
 * other busfuzz processes on the machine are unlikely to share it (they would still work: ports
 * are probed on each address).
 */
export function reserveAddressBlock(): { block: number; release: () => void } {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const block = 1 + Math.floor(Math.random() * 254);
    if (blocksInUse.has(block)) continue;
    blocksInUse.add(block);
    return { block, release: () => blocksInUse.delete(block) };
  }
  throw new EnvironmentError('no free loopback block 127.0.X.0/24 left in this process', 'run fewer clusters at once');
}

export function nodeAddress(block: number, nodeIndex: number): string {
  if (nodeIndex + 2 > 254) throw new Error(`node index ${nodeIndex} does not fit in a loopback block`);
  return `127.0.${block}.${nodeIndex + 2}`;
}

/**
 * A port nobody listens on at `host` right now. The probe socket is closed again, so another
 * process could take the port before the server binds it; node start-up detects that
 * ("Address already in use") and retries with new ports.
 */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new EnvironmentError(
          `cannot bind a port on ${host}: ${error.code ?? error.message}`,
          error.code === 'EADDRNOTAVAIL'
            ? `the loopback interface does not accept ${host}; on Linux all of 127.0.0.0/8 is local by default`
            : 'free some ports or check the loopback interface',
        ),
      );
    });
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}
