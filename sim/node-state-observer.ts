/**
 * The node-state events of the simulator: after every turn of a server's event loop the world asks
 * here whether the node's own role, primary, epochs or slot count moved since its last node-state
 * event, and emits the new one if so (core/events.ts). Also what a node-down event records (whether
 * it owned slots, and which replicas could take over).
 */
import { assertIndex } from '../core/assert.ts';
import type { ObservedEvent } from '../core/events.ts';
import type { SimProcess } from './process.ts';
import * as valkey from './valkey/index.ts';
import type { ValkeyServer } from './valkey/index.ts';

type NodeStateEvent = Extract<ObservedEvent, { kind: 'node-state' }>;
type NodeDownEvent = Extract<ObservedEvent, { kind: 'node-down' }>;

/** How an event names a node id (`node-K`, or null for an id no process owns). */
export interface IdentityNames {
  nameOfIdentity(identity: number): string | null;
}

export class NodeStateObserver {
  private readonly lastRole: Int8Array;
  private readonly lastPrimary: Int32Array;
  private readonly lastCurrentEpoch: Float64Array;
  private readonly lastConfigEpoch: Float64Array;
  private readonly lastSlotCount: Int32Array;

  constructor(capacity: number) {
    this.lastRole = new Int8Array(capacity).fill(-1);
    this.lastPrimary = new Int32Array(capacity).fill(-2);
    this.lastCurrentEpoch = new Float64Array(capacity).fill(-1);
    this.lastConfigEpoch = new Float64Array(capacity).fill(-1);
    this.lastSlotCount = new Int32Array(capacity).fill(-1);
  }

  /** The node-state event for process `index` if its state moved since the last one; null if not. */
  observe(
    index: number,
    server: ValkeyServer,
    name: string,
    atMs: number,
    names: IdentityNames,
  ): NodeStateEvent | null {
    assertIndex(index, this.lastRole.length, 'NodeStateObserver');
    const myself = server.myself;
    const role = valkey.isPrimary(myself) ? 1 : 0;
    const primary = myself.replicaOf !== null ? myself.replicaOf.identity : -1;
    const configEpoch = valkey.nodeEpoch(myself);
    if (
      this.lastRole[index] === role &&
      this.lastPrimary[index] === primary &&
      this.lastCurrentEpoch[index] === server.currentEpoch &&
      this.lastConfigEpoch[index] === configEpoch &&
      this.lastSlotCount[index] === myself.numSlots
    ) {
      return null;
    }
    // The node's state moved: what the model believes of it holds before anyone sees it.
    valkey.checkNodeBeliefs(server);
    this.lastRole[index] = role;
    this.lastPrimary[index] = primary;
    this.lastCurrentEpoch[index] = server.currentEpoch;
    this.lastConfigEpoch[index] = configEpoch;
    this.lastSlotCount[index] = myself.numSlots;
    return {
      kind: 'node-state',
      atMs,
      node: name,
      id: myself.name,
      role: role === 1 ? 'primary' : 'replica',
      primary: primary < 0 ? null : names.nameOfIdentity(primary),
      currentEpoch: server.currentEpoch,
      configEpoch,
      slotCount: myself.numSlots,
    };
  }
}

/** What a node-down event records of process `index` as it goes down (killed, terminated, paused). */
export function nodeDownEvent(
  processes: readonly SimProcess[],
  index: number,
  cause: 'kill' | 'terminate' | 'pause',
  atMs: number,
): NodeDownEvent {
  const process = processes[index]!;
  const server = process.server;
  // A paused primary that is then killed still owned its slots: judge by its own state, not the process's.
  const wasPrimary = server !== null && valkey.isPrimary(server.myself) && server.myself.numSlots > 0;
  const eligibleReplicas: string[] = [];
  if (server !== null) {
    for (const other of processes) {
      const replica = other.server;
      if (other === process || !other.runningForPlan || replica === null) continue;
      if (replica.myself.replicaOf?.identity === server.myself.identity && valkey.replicationLinkUp(replica))
        eligibleReplicas.push(other.name);
    }
  }
  return { kind: 'node-down', atMs, node: process.name, cause, wasPrimary, eligibleReplicas };
}
