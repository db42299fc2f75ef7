/**
 * The writes of a process's event-loop turn (beginTurn/endTurn in sim/network.ts): what a process
 * sends while it handles one event is queued here and written when the turn ends, as Valkey writes
 * its send queues after beforeSleep (protocol reference §6.3). Kept in reused arrays: a turn is
 * the hottest path of a run and allocates nothing once the arrays have grown.
 */
import type { Connection } from './connection.ts';
import type { Message } from './message.ts';

export class TurnWrites {
  /** Turns open now (a command a delivery triggers runs a turn inside another). */
  depth = 0;
  /** Writes queued by the open turns; a turn's writes are those from its mark to this. */
  count = 0;
  readonly connections: Connection[] = [];
  readonly fromInitiator: boolean[] = [];
  readonly messages: Message[] = [];

  /** A turn begins; its mark is where its writes start. */
  begin(): number {
    this.depth++;
    return this.count;
  }

  /** Queues one write of the innermost open turn. */
  push(connection: Connection, fromInitiator: boolean, message: Message): void {
    const index = this.count++;
    this.connections[index] = connection;
    this.fromInitiator[index] = fromInitiator;
    this.messages[index] = message;
  }

  /** The turn that began at `mark` ends: returns the end of its writes (from `mark`), now free. */
  end(mark: number): number {
    const count = this.count;
    this.count = mark;
    this.depth--;
    return count;
  }
}
