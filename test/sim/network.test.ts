/**
 * The simulated network on its own, with a recording host: FIFO per direction, a partition that
 * stalls and delivers after the heal, data lost when a side closes during a partition, a hold that
 * keeps what it holds, a paused receiver reading late, refused connects to dead processes, drop
 * rules, and no data before the handshake completes.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { MSG_PING, MSG_PONG, type Message } from '../../sim/message.ts';
import {
  BASE_JITTER_MS,
  BASE_LATENCY_MS,
  CONN_BUS,
  Network,
  type Connection,
  type NetworkHost,
} from '../../sim/network.ts';
import { Scheduler } from '../../sim/scheduler.ts';
import { Trace } from '../../sim/trace.ts';

const EV = 1;

class Host implements NetworkHost {
  readonly down = new Set<number>();
  readonly paused = new Set<number>();
  readonly log: string[] = [];
  constructor(private readonly scheduler: Scheduler) {}
  isDown(index: number): boolean {
    return this.down.has(index);
  }
  isPaused(index: number): boolean {
    return this.paused.has(index);
  }
  deliver(connection: Connection, toInitiator: boolean, message: Message): void {
    const to = toInitiator ? connection.initiator : connection.acceptor;
    this.log.push(`${this.scheduler.nowMs} ${to} got ${message.offset}`);
  }
  connected(connection: Connection): void {
    this.log.push(`${this.scheduler.nowMs} ${connection.initiator} connected`);
  }
  refused(connection: Connection): void {
    this.log.push(`${this.scheduler.nowMs} ${connection.initiator} refused`);
  }
  closedByPeer(connection: Connection, atInitiator: boolean): void {
    this.log.push(`${this.scheduler.nowMs} ${atInitiator ? connection.initiator : connection.acceptor} closed`);
  }
  /** Set after construction: the host reads accepted connections at once, as an idle resume does. */
  network: Network | null = null;
  resumeDrained(index: number, messagesRead: number, acceptedWaiting: number): void {
    this.log.push(`${this.scheduler.nowMs} ${index} drained`);
    this.log.push(`${this.scheduler.nowMs} ${index} read ${messagesRead}, accepted ${acceptedWaiting}`);
    if (acceptedWaiting > 0) this.network!.readAccepted(index);
  }
}

function setup(): {
  scheduler: Scheduler;
  network: Network;
  host: Host;
  run: (untilMs?: number) => void;
  send: (c: Connection, fromInitiator: boolean, n: number) => void;
} {
  const scheduler = new Scheduler();
  const host = new Host(scheduler);
  const trace = new Trace({ node: String, planStep: String, processState: String });
  const network = new Network(4, scheduler, EV, new Rng('net'), trace, host);
  host.network = network;
  const run = (untilMs = Infinity): void => {
    // A null ref is a bare clock tick.
    while (scheduler.peekAtMs() <= untilMs && scheduler.pop())
      if (scheduler.ref !== null) network.deliverHead(scheduler.ref as never);
  };
  const send = (connection: Connection, fromInitiator: boolean, n: number): void => {
    const message = network.pool.acquire(fromInitiator ? MSG_PING : MSG_PONG);
    message.offset = n;
    network.send(connection, fromInitiator, message);
  };
  return { scheduler, network, host, run, send };
}

/** Two connections into process 1 (from 0: `first`, from 2: `second`), established; then 1 is paused. */
function twoSocketsIntoPaused(t: ReturnType<typeof setup>): { first: Connection; second: Connection } {
  const first = t.network.connect(CONN_BUS, 0, 1, 'link')!;
  const second = t.network.connect(CONN_BUS, 2, 1, 'link')!;
  t.run();
  t.host.paused.add(1);
  return { first, second };
}

/** Lets everything sent arrive (a bare clock tick well after it), then resumes process 1. */
function arriveThenResume(t: ReturnType<typeof setup>): void {
  t.scheduler.schedule(t.scheduler.nowMs + 100, EV, 0, null);
  t.run();
  t.host.paused.delete(1);
  t.network.processResumed(1);
}

const drainedLines = (host: Host): string[] => host.log.filter((line) => line.endsWith(' drained'));
const got = (host: Host, to: number): number[] =>
  host.log
    .filter((line) => line.split(' ')[1] === String(to) && line.includes('got'))
    .map((line) => Number(line.split(' ')[3]));

describe('simulated network', () => {
  it('delivers each direction in order, after the handshake', () => {
    const { network, host, run, send } = setup();
    const connection = network.connect(CONN_BUS, 0, 1, 'link')!;
    for (let n = 1; n <= 20; n++) send(connection, true, n);
    run();
    expect(host.log[0]).toMatch(/0 connected$/);
    expect(got(host, 1)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a partition stalls a direction; after the heal what was in flight and sent meanwhile arrives, in order', () => {
    const { network, host, run, send, scheduler } = setup();
    const connection = network.connect(CONN_BUS, 0, 1, 'link')!;
    run();
    send(connection, true, 1);
    network.addPartition([[0, 1]]);
    send(connection, true, 2);
    run(scheduler.nowMs + 5000);
    expect(got(host, 1)).toEqual([]);
    send(connection, false, 9); // the other direction still flows
    run(scheduler.nowMs + 100);
    expect(got(host, 0)).toEqual([9]);
    network.removePartition([[0, 1]]);
    run();
    expect(got(host, 1)).toEqual([1, 2]);
  });

  it('data stalled by a partition is lost when its sender closes; the peer learns of the close after the heal', () => {
    const { network, host, run, send } = setup();
    const connection = network.connect(CONN_BUS, 0, 1, 'link')!;
    send(connection, true, 1);
    run();
    connection.acceptorEndpoint = 'inbound link'; // the acceptor read from it, so it is told
    network.addPartition([
      [0, 1],
      [1, 0],
    ]);
    send(connection, true, 2);
    network.close(connection, true);
    run();
    network.heal();
    run();
    expect(got(host, 1)).toEqual([1]);
    expect(host.log.at(-1)).toMatch(/1 closed$/);
  });

  it('a hold keeps whole messages even if the sender closes, and release delivers them', () => {
    const { network, host, run, send } = setup();
    const connection = network.connect(CONN_BUS, 0, 1, 'link')!;
    run();
    network.addHold([[0, 1]]);
    send(connection, true, 1);
    send(connection, true, 2);
    run();
    network.close(connection, true);
    network.release([[0, 1]]);
    run();
    expect(got(host, 1)).toEqual([1, 2]);
  });

  it('a paused receiver gets its data when it resumes; its kernel still accepts connections', () => {
    const { network, host, run, send, scheduler } = setup();
    host.paused.add(1);
    const connection = network.connect(CONN_BUS, 0, 1, 'link')!;
    run();
    expect(host.log).toEqual([expect.stringMatching(/0 connected$/)]);
    send(connection, true, 1);
    run();
    expect(got(host, 1)).toEqual([]);
    host.paused.delete(1);
    network.processResumed(1);
    run();
    expect(got(host, 1)).toEqual([1]);
    // Accepted by the kernel while stopped: read in the pass after the one that accept()ed it.
    expect(host.log.filter((line) => line.includes(' read '))).toEqual([
      `${scheduler.nowMs} 1 read 0, accepted 1`,
      `${scheduler.nowMs} 1 read 1, accepted 0`,
    ]);
  });

  it('a resumed receiver reads socket by socket, in the order they became readable, each until empty, then hears it drained', () => {
    const t = setup();
    const { host, run, send } = t;
    const { first, second } = twoSocketsIntoPaused(t);
    send(second, true, 20);
    run();
    // The socket from process 2 became readable first; process 0's gets three, interleaved in time.
    for (const n of [1, 21, 2, 22, 3]) send(n > 20 ? second : first, true, n);
    arriveThenResume(t);
    expect(got(host, 1)).toEqual([]);
    run();
    expect(got(host, 1)).toEqual([20, 21, 22, 1, 2, 3]);
    expect(drainedLines(host)).toHaveLength(1);
    expect(host.log.at(-1)).toMatch(/ 1 read 6, accepted 0$/);
  });

  it('connections the kernel accepted while the process was stopped are read after its registered sockets, even the older data', () => {
    const t = setup();
    const { network, host, run, send } = t;
    const { first } = twoSocketsIntoPaused(t);
    // Process 0 replaces its link while 1 is stopped: stale data on the new connection...
    const replacement = network.connect(CONN_BUS, 0, 1, 'link')!;
    run();
    send(replacement, true, 7);
    run();
    // ...and a fresher message on the socket process 1 had registered before the stop.
    send(first, true, 8);
    host.log.length = 0;
    arriveThenResume(t);
    run();
    expect(got(host, 1)).toEqual([8, 7]);
    expect(host.log.filter((line) => line.includes(' read '))).toEqual([
      expect.stringMatching(/ 1 read 1, accepted 1$/),
      expect.stringMatching(/ 1 read 1, accepted 0$/),
    ]);
    // Accepted now: at the next stop its data is read with the registered sockets.
    host.paused.add(1);
    send(replacement, true, 9);
    arriveThenResume(t);
    run();
    expect(host.log.filter((line) => line.includes(' read ')).at(-1)).toMatch(/ 1 read 1, accepted 0$/);
  });

  it('a process paused again before it read everything reads the rest at its next resume', () => {
    const t = setup();
    const { network, host, run, send } = t;
    const { first, second } = twoSocketsIntoPaused(t);
    send(first, true, 1);
    send(first, true, 2);
    run();
    send(second, true, 21);
    arriveThenResume(t);
    host.paused.add(1); // SIGSTOP again at once: nothing read yet
    run();
    expect(got(host, 1)).toEqual([]);
    host.paused.delete(1);
    network.processResumed(1);
    run();
    expect(got(host, 1)).toEqual([1, 2, 21]);
  });

  it('a resume goes on to the next socket when the one it reads is emptied meanwhile (the reader closed it)', () => {
    const t = setup();
    const { network, host, run, send } = t;
    const { first, second } = twoSocketsIntoPaused(t);
    send(first, true, 1);
    run();
    send(second, true, 21);
    arriveThenResume(t);
    network.close(first, false); // the reader frees that link before it got to its data
    run();
    expect(got(host, 1)).toEqual([21]);
    expect(drainedLines(host)).toHaveLength(1);
  });

  it('a connect to a dead process is refused a round trip later (EINPROGRESS first, then the RST); one partitioned away waits, then is refused after the heal', () => {
    const { network, host, run, scheduler } = setup();
    host.down.add(2);
    const startedAtMs = scheduler.nowMs;
    expect(network.connect(CONN_BUS, 0, 2, 'link')).not.toBeNull();
    expect(host.log).toEqual([]);
    run();
    expect(host.log).toEqual([expect.stringMatching(/0 refused$/)]);
    expect(scheduler.nowMs - startedAtMs).toBeGreaterThanOrEqual(2 * BASE_LATENCY_MS);
    host.log.length = 0;
    network.addPartition([[0, 2]]);
    expect(network.connect(CONN_BUS, 0, 2, 'link')).not.toBeNull();
    run();
    expect(host.log).toEqual([]);
    network.heal();
    run();
    expect(host.log).toEqual([expect.stringMatching(/0 refused$/)]);
  });

  it('with the SYN-ACK cut (one-way), a new connection never carries the data written on it', () => {
    const { network, host, run, send } = setup();
    network.addPartition([[1, 0]]);
    const connection = network.connect(CONN_BUS, 0, 1, 'link')!;
    send(connection, true, 1);
    run();
    expect(got(host, 1)).toEqual([]);
  });

  it('a drop rule loses the chosen message types with its probability, the others pass', () => {
    const { network, host, run, send } = setup();
    const connection = network.connect(CONN_BUS, 0, 1, 'link')!;
    run();
    network.addDrop(
      7,
      [
        [0, 1],
        [1, 0],
      ],
      1 << MSG_PING,
      1,
    );
    for (let n = 1; n <= 5; n++) send(connection, true, n); // PINGs: all lost
    for (let n = 6; n <= 8; n++) send(connection, false, n); // PONGs: kept
    run();
    expect(got(host, 1)).toEqual([]);
    expect(got(host, 0)).toEqual([6, 7, 8]);
    network.removeDrop(7);
    send(connection, true, 9);
    run();
    expect(got(host, 1)).toEqual([9]);
  });
  it("a turn's messages are written when it ends, later by its fsyncs, in order; one sent on a link the turn then closes is lost", () => {
    const t = setup();
    const first = t.network.connect(CONN_BUS, 0, 1, 'link')!;
    const second = t.network.connect(CONN_BUS, 0, 2, 'link')!;
    t.run();
    const sentAtMs = t.scheduler.nowMs;
    const mark = t.network.beginTurn();
    t.send(first, true, 1);
    t.send(second, true, 2);
    // A turn inside the turn (a command a delivery triggered) writes its own messages when it ends.
    const inner = t.network.beginTurn();
    t.send(first, true, 3);
    t.network.endTurn(inner, 0);
    t.send(first, true, 4);
    expect(t.host.log.filter((line) => line.includes('got'))).toEqual([]);
    t.network.endTurn(mark, 0.5);
    t.run();
    expect(got(t.host, 1)).toEqual([3, 1, 4]);
    expect(got(t.host, 2)).toEqual([2]);
    const arrivedAtMs = (n: number): number =>
      Number(t.host.log.find((line) => line.endsWith(` got ${n}`))!.split(' ')[0]);
    expect(arrivedAtMs(1) - sentAtMs).toBeGreaterThanOrEqual(0.5 + BASE_LATENCY_MS);
    expect(arrivedAtMs(3) - sentAtMs).toBeLessThanOrEqual(BASE_LATENCY_MS + BASE_JITTER_MS);
    // Freed in the same turn (freeClusterLink drops the send queue): never written.
    const lost = t.network.beginTurn();
    t.send(second, true, 5);
    t.network.close(second, true);
    t.network.endTurn(lost, 0);
    t.run();
    expect(got(t.host, 2)).toEqual([2]);
  });
});
