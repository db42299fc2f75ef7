/**
 * The cluster bus message types, one table for the DSL, the simulator and the fault proxy: the
 * position in BUS_MESSAGE_TYPES is Valkey's CLUSTERMSG_TYPE_* number (protocol reference §1.2),
 * the name is how CLUSTER INFO's stats and the DSL's `drop.types` spell it.
 */

/** The types a scenario may name (the `drop` action's `types`), numbered 0..8 as Valkey numbers them. */
export const MESSAGE_TYPES = [
  'ping',
  'pong',
  'meet',
  'fail',
  'publish',
  'auth-req',
  'auth-ack',
  'update',
  'mfstart',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Every type 8.0.1 sends, by CLUSTERMSG_TYPE_* number (module and publishshard the model never sends). */
export const BUS_MESSAGE_TYPES = [...MESSAGE_TYPES, 'module', 'publishshard'] as const;
export type BusMessageType = (typeof BUS_MESSAGE_TYPES)[number];

/** Valkey's number of a bus message type, or -1 for a name that is none. */
export function busMessageTypeNumber(name: string): number {
  return (BUS_MESSAGE_TYPES as readonly string[]).indexOf(name);
}

/** The name of a CLUSTERMSG_TYPE_* number, or null for a number that is none. */
export function busMessageTypeName(type: number): BusMessageType | null {
  return BUS_MESSAGE_TYPES[type] ?? null;
}
