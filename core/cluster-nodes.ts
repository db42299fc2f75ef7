/**
 * Parser for the text of CLUSTER NODES (one line per known node, Valkey 8.0 and Redis 7.0 print
 * the same columns) into core/view.ts `PeerView`s. The real backend reads it from live servers; the
 * simulator can print its model in the same format and parse it back in tests. Pure, no I/O.
 *
 * Line: `<id> <ip>:<port>@<cport>[,<hostname>] <flags> <primary-id|-> <ping_sent_ms> <pong_recv_ms>
 * <epoch> <connected|disconnected> <slot ranges...>`. Open slots (`[5->-id]`, `[5-<-id]`) appear
 * only on the myself line; they are returned apart from the owned ranges.
 */
import type { PeerView, SlotRange } from './view.ts';

/** A slot being moved, as the myself line shows it (`[slot->-target]` or `[slot-<-source]`). */
export interface OpenSlot {
  slot: number;
  state: 'migrating' | 'importing';
  /** The other node's id. */
  nodeId: string;
}

export interface ClusterNodes {
  peers: PeerView[];
  /** The line flagged `myself` (every well-formed output has exactly one). */
  myself: PeerView;
  openSlots: OpenSlot[];
}

/** Parses a whole CLUSTER NODES reply. Throws on a malformed line (a server never prints one). */
export function parseClusterNodes(text: string): ClusterNodes {
  const peers: PeerView[] = [];
  const openSlots: OpenSlot[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const parsed = parseClusterNodesLine(trimmed);
    peers.push(parsed.peer);
    openSlots.push(...parsed.openSlots);
  }
  const myselfLines = peers.filter((peer) => peer.flags.includes('myself'));
  if (myselfLines.length !== 1) {
    throw new Error(`CLUSTER NODES: expected one myself line, found ${myselfLines.length}`);
  }
  return { peers, myself: myselfLines[0]!, openSlots };
}

/** One line of CLUSTER NODES. */
export function parseClusterNodesLine(line: string): { peer: PeerView; openSlots: OpenSlot[] } {
  const fields = line.split(' ');
  if (fields.length < 8) throw new Error(`CLUSTER NODES: short line '${line}'`);
  const [id, addressField, flagField, primaryField, , , epochField, linkField] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const flags = flagField === 'noflags' ? [] : flagField.split(',');
  const slots: SlotRange[] = [];
  const openSlots: OpenSlot[] = [];
  for (const token of fields.slice(8)) {
    if (token.startsWith('[')) {
      openSlots.push(parseOpenSlot(token, line));
    } else {
      slots.push(parseSlotRange(token, line));
    }
  }
  const peer: PeerView = {
    id,
    flags,
    role: flags.includes('slave') ? 'replica' : 'primary',
    replicaOf: primaryField === '-' ? null : primaryField,
    configEpoch: parseInteger(epochField, line),
    slots,
    // The `,hostname` suffix is not part of the address the invariants compare.
    address: addressField.split(',')[0]!,
    linkConnected: linkField === 'connected',
  };
  return { peer, openSlots };
}

function parseSlotRange(token: string, line: string): SlotRange {
  const dash = token.indexOf('-');
  if (dash < 0) {
    const slot = parseInteger(token, line);
    return [slot, slot];
  }
  return [parseInteger(token.slice(0, dash), line), parseInteger(token.slice(dash + 1), line)];
}

function parseOpenSlot(token: string, line: string): OpenSlot {
  const match = /^\[(\d+)-([<>])-([0-9a-z]+)\]$/.exec(token);
  if (!match) throw new Error(`CLUSTER NODES: bad open slot '${token}' in '${line}'`);
  return { slot: Number(match[1]), state: match[2] === '>' ? 'migrating' : 'importing', nodeId: match[3]! };
}

function parseInteger(text: string, line: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`CLUSTER NODES: expected a number, got '${text}' in '${line}'`);
  return Number(text);
}

/** How many slots a list of ranges covers. */
export function countSlots(ranges: readonly SlotRange[]): number {
  let count = 0;
  for (const [start, end] of ranges) count += end - start + 1;
  return count;
}
