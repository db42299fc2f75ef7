/**
 * Which node owns a workload key at the end of a run, as the cluster's running nodes see it: the
 * read-back skips a key whose owner is down (a kill or terminate without restart), as the
 * simulator's does (sim/workload.ts); asking a dead node would only time out and read as an
 * unavailable key, a finding about the scenario's own fault rather than about Valkey.
 */
import type { RealCluster } from './cluster.ts';
import type { Observer } from './observer.ts';

/** CRC16-CCITT (XMODEM), the checksum Valkey's key hash slot is taken from. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The key's hash slot: of the part in the first non-empty {...}, if any, else of the whole key. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  let hashed = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  return crc16(new TextEncoder().encode(hashed)) & 0x3fff;
}

/**
 * Whether the key's slot belongs, in the latest report of the first running node, to a node whose
 * server is down. False when no running node has a report or none lists an owner for the slot.
 */
export function keyOwnerIsDown(cluster: RealCluster, observer: Observer, key: string): boolean {
  const slot = keySlot(key);
  for (const node of cluster.nodes) {
    if (node.host.process.state !== 'running') continue;
    const report = observer.lastReportOf(node.name);
    if (report === undefined) continue;
    const owner = report.peers.find((peer) => peer.slots.some(([start, end]) => start <= slot && slot <= end));
    if (owner === undefined) return false;
    const ownerNode = cluster.nodes.find((other) => other.id === owner.id);
    return ownerNode !== undefined && ownerNode.host.process.state === 'down';
  }
  return false;
}
