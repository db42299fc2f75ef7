/**
 * The fault proxy on real sockets (no server needed): a fake node listens behind the proxy, a
 * client connects from another node's loopback address, and each rule of the table acts on whole
 * bus messages of its directed pair: drop by type, delay, hold then release (late, in order),
 * block one or both directions (a FIN waits behind the stalled bytes), nothing for outsiders.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameParser } from '../../../real/proxy/frame-parser.ts';
import type { LaneCounters } from '../../../real/proxy/lane.ts';
import { NetworkFaults, STEERING_FAULT_ID_MAX } from '../../../real/proxy/network-faults.ts';
import { NodeProxy } from '../../../real/proxy/node-proxy.ts';
import { busMessage, tagOf, TYPE_NUMBERS } from './bus-frames.ts';

const BLOCK = 200 + (process.pid % 50);
const NODE_A = `127.0.${BLOCK}.2`;
const NODE_B = `127.0.${BLOCK}.3`;

interface Received {
  tags: number[];
  atMs: number[];
  ended: boolean;
}

/** A fake node-a: records the tags of the bus messages it receives; `reply` sends messages back. */
async function fakeNode(): Promise<{ server: Server; port: number; received: Received; sockets: Socket[] }> {
  const received: Received = { tags: [], atMs: [], ended: false };
  const sockets: Socket[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    const parser = new FrameParser();
    socket.on('data', (chunk) => {
      for (const piece of parser.push(chunk)) {
        if (piece.kind === 'frame') {
          received.tags.push(tagOf(piece.frame.bytes));
          received.atMs.push(Date.now());
        }
      }
    });
    socket.on('end', () => {
      received.ended = true;
      socket.end();
    });
  });
  server.listen(0, NODE_A);
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, received, sockets };
}

const opened: Array<{ close(): unknown }> = [];
afterEach(async () => {
  // Newest first: sockets, then the proxy, then the fake node (whose close waits for its connections).
  for (const thing of opened.splice(0).reverse()) await thing.close();
});

async function setUp() {
  const node = await fakeNode();
  opened.push({ close: () => new Promise((resolveClose) => node.server.close(resolveClose)) });
  const network = new NetworkFaults();
  const counters: LaneCounters = { messages: 0, dropped: 0, delayed: 0, stalled: 0 };
  const proxy = new NodeProxy({ host: NODE_A, bus: true });
  opened.push(proxy);
  const port = await proxy.listen();
  proxy.upstreamPort = node.port;
  proxy.attach({
    nodeName: 'node-a',
    network,
    nodeForAddress: (address) => (address === NODE_B ? 'node-b' : null),
    random: () => 0.5,
    counters,
  });
  const client = async (from = NODE_B): Promise<Socket> => {
    const socket = connect({ host: NODE_A, port, localAddress: from, allowHalfOpen: true });
    await once(socket, 'connect');
    opened.push({ close: () => socket.destroy() });
    return socket;
  };
  return { node, network, counters, client };
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
}

const settle = () => new Promise((resolveWait) => setTimeout(resolveWait, 150));

describe('NodeProxy', () => {
  it('drops whole messages of the listed types from the named node only', async () => {
    const { node, network, counters, client } = await setUp();
    network.add(1, ['node-b'], ['node-a'], { kind: 'drop', types: ['ping'], probability: 1 });
    const socket = await client();
    socket.write(
      Buffer.concat([
        busMessage(TYPE_NUMBERS.ping, 2256, 1),
        busMessage(TYPE_NUMBERS.pong, 2616, 2),
        busMessage(TYPE_NUMBERS.ping, 100, 3),
        busMessage(TYPE_NUMBERS.meet, 500, 4),
      ]),
    );
    await until(() => node.received.tags.length === 2);
    await settle();
    expect(node.received.tags).toEqual([2, 4]);
    expect(counters).toMatchObject({ messages: 4, dropped: 2 });
    const outsider = await client('127.0.0.1');
    outsider.write(busMessage(TYPE_NUMBERS.ping, 100, 5));
    await until(() => node.received.tags.includes(5));
  });

  it('delays messages by the latency rule, keeping their order', async () => {
    const { node, network, client } = await setUp();
    network.add(2, ['node-b'], ['node-a'], { kind: 'latency', delayMs: 300, jitterMs: 0 });
    const socket = await client();
    const sentAtMs = Date.now();
    for (const tag of [1, 2, 3]) socket.write(busMessage(TYPE_NUMBERS.ping, 300, tag));
    await until(() => node.received.tags.length === 3);
    expect(node.received.tags).toEqual([1, 2, 3]);
    expect(node.received.atMs[0]! - sentAtMs).toBeGreaterThanOrEqual(290);
  });

  it('holds messages without losing them and delivers all of them, late and in order, on release', async () => {
    const { node, network, counters, client } = await setUp();
    const socket = await client();
    socket.write(busMessage(TYPE_NUMBERS.ping, 200, 1));
    await until(() => node.received.tags.length === 1);
    network.add(3, ['node-b'], ['node-a'], { kind: 'hold' });
    for (const tag of [2, 3, 4]) socket.write(busMessage(TYPE_NUMBERS.pong, 2616, tag));
    await settle();
    expect(node.received.tags).toEqual([1]);
    const releasedAtMs = Date.now();
    network.release(['node-b'], ['node-a']);
    await until(() => node.received.tags.length === 4);
    expect(node.received.tags).toEqual([1, 2, 3, 4]);
    expect(node.received.atMs[1]!).toBeGreaterThanOrEqual(releasedAtMs);
    expect(counters).toMatchObject({ dropped: 0, stalled: 3 });
  });

  it('a one-way block stalls only its direction; the FIN waits behind the stalled bytes', async () => {
    const { node, network, client } = await setUp();
    const socket = await client();
    const back: number[] = [];
    const parser = new FrameParser();
    socket.on('data', (chunk) => {
      for (const piece of parser.push(chunk)) if (piece.kind === 'frame') back.push(tagOf(piece.frame.bytes));
    });
    await until(() => node.sockets.length === 1);
    network.add(4, ['node-b'], ['node-a'], { kind: 'block' });
    socket.write(busMessage(TYPE_NUMBERS.ping, 200, 1));
    socket.end();
    node.sockets[0]!.write(busMessage(TYPE_NUMBERS.pong, 200, 9));
    await until(() => back.length === 1);
    await settle();
    expect(node.received.tags).toEqual([]);
    expect(node.received.ended).toBe(false);
    network.removeFault(4);
    await until(() => node.received.ended);
    expect(node.received.tags).toEqual([1]);
  });

  it('a two-way block stalls both directions until it is lifted', async () => {
    const { node, network, client } = await setUp();
    const socket = await client();
    const back: number[] = [];
    const parser = new FrameParser();
    socket.on('data', (chunk) => {
      for (const piece of parser.push(chunk)) if (piece.kind === 'frame') back.push(tagOf(piece.frame.bytes));
    });
    await until(() => node.sockets.length === 1);
    network.add(5, ['node-b'], ['node-a'], { kind: 'block' });
    network.add(5, ['node-a'], ['node-b'], { kind: 'block' });
    socket.write(busMessage(TYPE_NUMBERS.ping, 200, 1));
    node.sockets[0]!.write(busMessage(TYPE_NUMBERS.pong, 200, 2));
    await settle();
    expect([node.received.tags, back]).toEqual([[], []]);
    network.clear();
    await until(() => node.received.tags.length === 1 && back.length === 1);
  });

  it('confirm steering: a typed hold stops only a lane whose head is of its types, and outlives heal and release', async () => {
    const { node, network, client } = await setUp();
    network.add(STEERING_FAULT_ID_MAX, ['node-b'], ['node-a'], { kind: 'hold', types: ['ping', 'auth-req'] });
    const pongs = await client();
    pongs.write(Buffer.concat([busMessage(TYPE_NUMBERS.pong, 300, 1), busMessage(TYPE_NUMBERS.pong, 300, 2)]));
    await until(() => node.received.tags.length === 2);
    const pings = await client();
    // The held ping at the head keeps the pong behind it too: the lane stays FIFO.
    pings.write(Buffer.concat([busMessage(TYPE_NUMBERS.ping, 300, 3), busMessage(TYPE_NUMBERS.pong, 300, 4)]));
    await settle();
    network.clear();
    network.release(['node-b'], ['node-a']);
    await settle();
    expect(node.received.tags).toEqual([1, 2]);
    expect(network.delivered('node-b', 'node-a', ['pong'])).toBe(2);
    network.removeFault(STEERING_FAULT_ID_MAX);
    await until(() => node.received.tags.length === 4);
    expect(node.received.tags).toEqual([1, 2, 3, 4]);
    expect(network.deliveryCounts().get('node-b>node-a')).toBe(4);
    expect(network.deliveryCounts().get('node-b>node-a>ping')).toBe(1);
  });

  it('confirm steering: a discard loses what a sender has queued, and nothing it sends later', async () => {
    const { node, network, client } = await setUp();
    network.add(7, ['node-b'], ['node-a'], { kind: 'block' });
    const socket = await client();
    socket.write(Buffer.concat([busMessage(TYPE_NUMBERS.ping, 300, 1), busMessage(TYPE_NUMBERS.ping, 300, 2)]));
    await settle();
    network.discardQueuedFrom('node-b');
    socket.write(busMessage(TYPE_NUMBERS.ping, 300, 3));
    await settle();
    network.removeFault(7);
    await until(() => node.received.tags.length === 1);
    await settle();
    expect(node.received.tags).toEqual([3]);
  });
});

describe('a proxy whose node is down', () => {
  /** 'refused' or 'connected', for a connect from node-b to the proxy's port. */
  function tryConnect(port: number): Promise<'refused' | 'connected'> {
    return new Promise((resolveTry) => {
      const socket = connect({ host: NODE_A, port, localAddress: NODE_B });
      socket.once('connect', () => {
        socket.destroy();
        resolveTry('connected');
      });
      socket.once('error', () => resolveTry('refused'));
    });
  }

  it('refuses connections as the dead node would, and takes them on the same port again after reopen', async () => {
    const proxy = new NodeProxy({ host: NODE_A, bus: true });
    opened.push(proxy);
    const port = await proxy.listen();
    expect(await tryConnect(port)).toBe('connected');
    proxy.refuse();
    expect(await tryConnect(port)).toBe('refused');
    await proxy.reopen();
    expect(proxy.port).toBe(port);
    expect(await tryConnect(port)).toBe('connected');
  });
});
