/**
 * The ioredis connection busfuzz itself uses to talk to one node: admin commands, polls and
 * DEBUG. It goes straight to the server's own port (not through the fault proxy), from 127.0.0.1,
 * so faults between nodes never hit it. Commands time out, so a paused (SIGSTOPped) node cannot
 * hang the run, and a stopped node fails fast instead of queueing.
 */
import { Redis, type RedisOptions } from 'ioredis';

export interface AdminClientOptions {
  host: string;
  port: number;
  /** Per-command timeout. @defaultValue 2000 */
  commandTimeoutMs?: number;
}

/**
 * How long disconnect() waits for the socket to close before destroying it (ioredis' default,
 * 2 s, is not in its typings). A server we just killed never answers the FIN, and a pending
 * wait keeps the process alive after the run.
 */
export const DISCONNECT_TIMEOUT_MS = 100;

export function createAdminClient(options: AdminClientOptions): Redis {
  const redisOptions: RedisOptions & { disconnectTimeout: number } = {
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    host: options.host,
    port: options.port,
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: 1000,
    disableClientInfo: true,
    // Reconnect quickly: a node comes back after a restart within a few hundred ms.
    retryStrategy: () => 50,
    enableReadyCheck: false,
  };
  const client = new Redis(redisOptions);
  // Errors surface on the commands; an 'error' event with no listener would crash the process.
  client.on('error', () => {});
  return client;
}

/** A raw command, with the reply as ioredis gives it. */
export function command(client: Redis, name: string, ...args: (string | number)[]): Promise<unknown> {
  return client.call(name, ...args.map(String));
}
