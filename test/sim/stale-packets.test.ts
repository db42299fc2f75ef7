/**
 * How 8.0.1 treats stale and reordered packets (protocol reference §1.8 step 7f, §4.3, §4.4):
 * - a node I know as a primary that now says it replicates a node of its shard, with a configEpoch
 *   below the one I know for it, is logged "Ignore stale message" and yet processed on: it becomes
 *   a replica in my view, and only its claimed primary is left unpromoted (a replicaof loop can
 *   follow in my view);
 * - a stale claim of slots (an older configEpoch) rebinds nothing, and the sender gets an UPDATE,
 *   but its role is taken as stated: a demoted node is a primary again in my view until its next
 *   packet;
 * - an UPDATE no newer than what I know is ignored.
 * Packets are built from the sender's real header and handed to the observer's packet handler.
 */
import { describe, expect, it } from 'vitest';
import { MSG_PING, MSG_UPDATE, type Message } from '../../sim/message.ts';
import type { ClusterNode } from '../../sim/valkey/cluster-node.ts';
import { fillHeader } from '../../sim/valkey/gossip.ts';
import * as valkey from '../../sim/valkey/index.ts';
import { processPacket } from '../../sim/valkey/packet.ts';
import type { World } from '../../sim/world.ts';
import { formedWorld, serverOf } from './helpers.ts';

function view(world: World, observer: string, subject: string): ClusterNode {
  return serverOf(world, observer).lookup(serverOf(world, subject).myself.identity)!;
}

/** A PING from `sender` as its header is now, changed by `edit`, delivered to `observer`. */
function deliverPing(world: World, sender: string, observer: string, edit: (message: Message) => void): void {
  const message = world.network.pool.acquire(MSG_PING);
  fillHeader(serverOf(world, sender), message);
  edit(message);
  const server = serverOf(world, observer);
  const link = view(world, observer, sender).inboundLink!;
  processPacket(
    server,
    link,
    message,
    world.processes.findIndex((process) => process.name === sender),
  );
  world.network.pool.release(message);
}

/** node-0 (shard 0's primary) announcing that it now replicates node-1 under configEpoch `epoch`. */
function demotedTo(world: World, epoch: number): (message: Message) => void {
  const node1 = serverOf(world, 'node-1').myself;
  return (message) => {
    message.replicaOf = node1.identity;
    message.configEpoch = epoch;
    message.flags = valkey.NODE_REPLICA;
  };
}

describe('stale and reordered packets (8.0.1)', () => {
  it('"Ignore stale message" only logs: the sender still becomes a replica in my view, its claimed primary is not promoted, and the two now replicate each other there', () => {
    const world = formedWorld(71);
    view(world, 'node-4', 'node-0').configEpoch = 5; // node-4 knows node-0 under a newer epoch than the packet's
    deliverPing(world, 'node-0', 'node-4', demotedTo(world, 4));
    const node0 = view(world, 'node-4', 'node-0');
    const node1 = view(world, 'node-4', 'node-1');
    expect(valkey.isReplica(node0)).toBe(true);
    expect(node0.replicaOf).toBe(node1);
    expect(valkey.isReplica(node1)).toBe(true);
    expect(node1.replicaOf).toBe(node0);
    expect(node1.configEpoch).toBe(2); // as set at formation, untouched
    // Its slots stay bound to it: a replica's header claims no slots of its own.
    expect(node0.numSlots).toBe(5461);
  });

  it("the same packet when not stale promotes the claimed primary with the packet's epoch", () => {
    const world = formedWorld(72);
    deliverPing(world, 'node-0', 'node-4', demotedTo(world, 4));
    const node0 = view(world, 'node-4', 'node-0');
    const node1 = view(world, 'node-4', 'node-1');
    expect(node0.replicaOf).toBe(node1);
    expect(valkey.isPrimary(node1)).toBe(true);
    expect(node1.configEpoch).toBe(4);
  });

  it('a delayed claim of slots under an older configEpoch rebinds nothing and earns the sender an UPDATE about the newer owner, though it makes the demoted sender a primary again until its next packet', () => {
    const world = formedWorld(73);
    const node2 = serverOf(world, 'node-2');
    const oldClaim = node2.slotsOf(node2.myself);
    // node-3 takes shard 1 over; node-4 learns it; node-2's old PING, delayed on its other link, arrives after.
    world.command(3, (server) => valkey.clusterFailoverCommand(server, 'takeover'));
    while (view(world, 'node-4', 'node-3').numSlots === 0) world.step();
    world.run(3000); // node-2 has heard of it too and is a replica by now: no more claims of its own
    expect(valkey.isReplica(serverOf(world, 'node-2').myself)).toBe(true);
    let update = false;
    const deliver = world.deliver.bind(world);
    world.deliver = (connection, toInitiator, message) => {
      const to = toInitiator ? connection.initiator : connection.acceptor;
      if (message.type === MSG_UPDATE && to === 2 && message.about === serverOf(world, 'node-3').myself.identity)
        update = true;
      deliver(connection, toInitiator, message);
    };
    deliverPing(world, 'node-2', 'node-4', (message) => {
      message.replicaOf = -1;
      message.flags = valkey.NODE_PRIMARY;
      message.configEpoch = 3;
      message.slots = oldClaim;
    });
    expect(serverOf(world, 'node-4').ownerOf(5461)!.identity).toBe(serverOf(world, 'node-3').myself.identity);
    // The stale header did flip its role back to primary in node-4's view, until its next packet.
    expect(valkey.isPrimary(view(world, 'node-4', 'node-2'))).toBe(true);
    world.run(200);
    expect(update).toBe(true);
    expect(valkey.isReplica(view(world, 'node-4', 'node-2'))).toBe(true);
  });

  it('an UPDATE about a node with an epoch no newer than I know is ignored', () => {
    const world = formedWorld(74);
    const node0 = serverOf(world, 'node-0').myself;
    const message = world.network.pool.acquire(MSG_UPDATE);
    fillHeader(serverOf(world, 'node-2'), message);
    message.about = node0.identity;
    message.aboutConfigEpoch = view(world, 'node-4', 'node-0').configEpoch;
    message.aboutSlots = serverOf(world, 'node-2').env.slotSets.empty;
    const server = serverOf(world, 'node-4');
    processPacket(server, view(world, 'node-4', 'node-2').inboundLink!, message, 2);
    expect(server.ownerOf(0)!.identity).toBe(node0.identity);
    expect(view(world, 'node-4', 'node-0').numSlots).toBe(5461);
  });
});
