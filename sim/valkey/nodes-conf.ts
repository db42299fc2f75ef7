import { nodeEpoch } from './cluster-node.ts';
import {
  NODE_FAIL,
  NODE_HANDSHAKE,
  NODE_MYSELF,
  NODE_PRIMARY,
  NODE_NOADDR,
  NODE_NOFAILOVER,
  NODE_PFAIL,
  NODE_REPLICA,
  PERSISTED_FLAGS,
  TODO_FSYNC_CONFIG,
  TODO_SAVE_CONFIG,
} from './constants.ts';
import type { ValkeyServer } from './server.ts';

import type { NodesConf, NodesConfEntry, OpenSlotEntry } from './nodes-conf-snapshot.ts';

export type { NodesConf, NodesConfEntry, OpenSlotEntry } from './nodes-conf-snapshot.ts';

/**
 * clusterGenNodesDescription(CLUSTER_NODE_HANDSHAKE) plus the vars line. `into`: a snapshot nobody
 * reads any more, whose objects are refilled (saves are frequent; see saveConfig).
 */
export function snapshot(server: ValkeyServer, into: NodesConf | null = null): NodesConf {
  const entries: NodesConfEntry[] = into === null ? [] : into.entries;
  let count = 0;
  for (const node of server.nodes) {
    if ((node.flags & NODE_HANDSHAKE) !== 0) continue;
    let entry = entries[count];
    if (entry === undefined) {
      entry = {
        name: '',
        address: 0,
        flags: 0,
        primary: null,
        pingSent: false,
        pongReceived: false,
        epoch: 0,
        slots: server.env.slotSets.empty,
        shardId: 0,
      };
      entries.push(entry);
    }
    entry.name = node.name;
    entry.address = node.address;
    entry.flags = node.flags & PERSISTED_FLAGS;
    entry.primary = node.replicaOf !== null ? node.replicaOf.name : null;
    entry.pingSent = node.pingSentAtMs !== 0;
    entry.pongReceived = node.pongReceivedAtMs !== 0;
    entry.epoch = nodeEpoch(node);
    entry.slots = server.slotsOf(node);
    entry.shardId = node.shardId;
    count++;
  }
  entries.length = count;
  const openSlots = openSlotEntries(server);
  if (into === null)
    return { entries, openSlots, currentEpoch: server.currentEpoch, lastVoteEpoch: server.lastVoteEpoch };
  into.openSlots = openSlots;
  into.currentEpoch = server.currentEpoch;
  into.lastVoteEpoch = server.lastVoteEpoch;
  return into;
}

/** clusterGenNodeDescription's open slots of myself: migrating wins over importing for one slot. */
function openSlotEntries(server: ValkeyServer): OpenSlotEntry[] {
  if (server.migratingSlotsTo.size + server.importingSlotsFrom.size === 0) return [];
  const out: OpenSlotEntry[] = [];
  for (const [slot, node] of server.migratingSlotsTo) out.push({ slot, migrating: true, node: node.name });
  for (const [slot, node] of server.importingSlotsFrom)
    if (!server.migratingSlotsTo.has(slot)) out.push({ slot, migrating: false, node: node.name });
  return out.sort((a, b) => a.slot - b.slot);
}

/** clusterSaveConfigOrDie: write now (the todo flags for saving are consumed). */
export function saveConfig(server: ValkeyServer): void {
  server.todoBeforeSleep &= ~(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
  // Two snapshots per server, written in turn: the one persisted before the last is read by
  // nobody (a restart reads the last), so its objects are refilled instead of allocated anew.
  const buffers = server.confBuffers;
  const conf = snapshot(server, buffers[server.confNext]!);
  buffers[server.confNext] = conf;
  server.confNext ^= 1;
  server.env.persist(server.processIndex, conf);
}

/** nodes.conf as Valkey writes it (addresses as 127.0.0.<process+1>:7000@17000). */
export function formatNodesConf(conf: NodesConf, shardName: (shardId: number) => string): string {
  const lines = conf.entries.map((entry) => {
    const address = entry.address < 0 ? ':0@0' : `127.0.0.${entry.address + 1}:7000@17000`;
    const open =
      (entry.flags & NODE_MYSELF) === 0
        ? []
        : conf.openSlots.map((o) => `[${o.slot}${o.migrating ? '->-' : '-<-'}${o.node}]`);
    const slots = [...(entry.slots.key === '' ? [] : entry.slots.key.split(',')), ...open]
      .map((part) => ` ${part}`)
      .join('');
    return (
      `${entry.name} ${address},,tls-port=0,shard-id=${shardName(entry.shardId)} ${flagWords(entry.flags)} ` +
      `${entry.primary ?? '-'} ${entry.pingSent ? 1 : 0} ${entry.pongReceived ? 1 : 0} ${entry.epoch} connected${slots}`
    );
  });
  lines.push(`vars currentEpoch ${conf.currentEpoch} lastVoteEpoch ${conf.lastVoteEpoch}`);
  return `${lines.join('\n')}\n`;
}

/** representClusterNodeFlags. */
export function flagWords(flags: number): string {
  const words: string[] = [];
  if (flags & NODE_MYSELF) words.push('myself');
  if (flags & NODE_PRIMARY) words.push('master');
  if (flags & NODE_REPLICA) words.push('slave');
  if (flags & NODE_PFAIL) words.push('fail?');
  if (flags & NODE_FAIL) words.push('fail');
  if (flags & NODE_HANDSHAKE) words.push('handshake');
  if (flags & NODE_NOADDR) words.push('noaddr');
  if (flags & NODE_NOFAILOVER) words.push('nofailover');
  return words.length === 0 ? 'noflags' : words.join(',');
}
