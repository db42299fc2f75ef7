/** Builds cluster-bus messages for the proxy tests: the 8.0 header's framing fields, padding after. */
export const TYPE_NUMBERS = {
  ping: 0,
  pong: 1,
  meet: 2,
  fail: 3,
  publish: 4,
  'auth-req': 5,
  'auth-ack': 6,
  update: 7,
  mfstart: 8,
} as const;

/** A message of `type` and `totalBytes` bytes (at least 16); byte 20 onward carries `tag` for identification. */
export function busMessage(type: number, totalBytes: number, tag = 0, light = false): Buffer {
  const bytes = Buffer.alloc(Math.max(totalBytes, 24));
  bytes.write('RCmb', 0, 'latin1');
  bytes.writeUInt32BE(bytes.length, 4);
  bytes.writeUInt16BE(1, 8);
  bytes.writeUInt16BE(light ? type | 0x8000 : type, 12);
  bytes.writeUInt32BE(tag, 20);
  return bytes;
}

export function tagOf(message: Buffer): number {
  return message.readUInt32BE(20);
}
