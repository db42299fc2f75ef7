/**
 * One status line per node, as TigerBeetle's simulator prints its replicas: process state, role,
 * epochs, slots, cluster state, offset and link, and the failure flags the node sees on others.
 * Built on demand (debugging, reproduce --trace, test failure messages), never per step.
 *
 *   node-1 running  primary         cur=7 cfg=7 vote=7 slots=5461 ok   off=1120        sees node-0:fail
 *   node-3 running  replica of node-2 cur=7 cfg=3 vote=0 slots=0  ok   off=1120 link=up sees -
 */
import { PROCESS_STATE_NAMES } from './process.ts';
import * as valkey from './valkey/index.ts';
import type { World } from './world.ts';

export function statusLines(world: World): string[] {
  return world.processes.map((process) => {
    const head = `${process.name.padEnd(8)} ${PROCESS_STATE_NAMES[process.state]!.padEnd(8)}`;
    const server = process.server;
    if (server === null) return `${head} -`;
    const myself = server.myself;
    const role = valkey.isPrimary(myself)
      ? 'primary'
      : `replica of ${myself.replicaOf === null ? '?' : (world.nameOfIdentity(myself.replicaOf.identity) ?? myself.replicaOf.name.slice(0, 8))}`;
    const offset = valkey.isPrimary(myself) ? server.replication.offset : valkey.replicaOffset(server);
    const link = valkey.isPrimary(myself) ? '' : ` link=${valkey.replicationLinkUp(server) ? 'up' : 'down'}`;
    const seen: string[] = [];
    for (const node of server.nodes) {
      if (node === myself) continue;
      const name = world.nameOfIdentity(node.identity) ?? node.name.slice(0, 8);
      const flags = valkey.flagWords(
        node.flags & (valkey.NODE_PFAIL | valkey.NODE_FAIL | valkey.NODE_HANDSHAKE | valkey.NODE_NOADDR),
      );
      if (flags !== 'noflags') seen.push(`${name}:${flags}`);
    }
    return (
      `${head} ${role.padEnd(17)} cur=${server.currentEpoch} cfg=${valkey.nodeEpoch(myself)} vote=${server.lastVoteEpoch} ` +
      `slots=${myself.numSlots} ${server.state === valkey.CLUSTER_OK ? 'ok  ' : 'fail'} off=${offset}${link} sees ${seen.length === 0 ? '-' : seen.join(' ')}`
    );
  });
}
