/**
 * Splits a cluster-bus byte stream into whole messages, so the proxy can drop, delay or hold a
 * message without cutting another in half. The framing (protocol reference §1.2): `sig[4]` =
 * "RCmb", `totlen` u32 big-endian at offset 4 (the whole message), `type` u16 at offset 12, whose
 * bit 0x8000 marks the 8.0 light header (then offset 8 holds `ver`, offset 12 still the type).
 *
 * A stream that stops looking like the bus (bad signature, absurd length) switches the parser to
 * pass-through: the rest is handed on as raw bytes, untouched, so the server sees exactly what it
 * would have seen without us and closes the link itself.
 */
import { namesType } from '../../core/scenario/semantics/link-rules.ts';
import {
  type BusMessageType,
  busMessageTypeName,
  type MessageType,
} from '../../core/scenario/semantics/message-types.ts';

export const BUS_SIGNATURE = 'RCmb';
/** Smallest header we need to read type and length (the light header is 16 bytes). */
const MIN_HEADER_BYTES = 16;
/** Far above any real message (a PUBLISH is bounded by the client's payload); beyond it, pass through. */
const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;
const LIGHT_HEADER_BIT = 0x8000;

/** A bus message type's name (core's table, by CLUSTERMSG_TYPE_* number), 'unknown' for another number. */
export type BusMessageTypeName = BusMessageType | 'unknown';

export interface BusFrame {
  /** The whole message, header included. */
  bytes: Buffer;
  type: BusMessageTypeName;
  light: boolean;
}

export type ParsedChunk = { kind: 'frame'; frame: BusFrame } | { kind: 'raw'; bytes: Buffer };

export function messageTypeName(typeField: number): BusMessageTypeName {
  return busMessageTypeName(typeField & ~LIGHT_HEADER_BIT) ?? 'unknown';
}

/** Whether a DSL `drop` type list names this bus type (`publish` covers the light form too). */
export function typeMatches(type: BusMessageTypeName, types: readonly MessageType[] | undefined): boolean {
  return namesType(types, type);
}

export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);
  private passThrough = false;

  /** Feeds bytes; returns the whole messages (and raw bytes after a framing error) now complete. */
  push(chunk: Buffer): ParsedChunk[] {
    if (this.passThrough) return [{ kind: 'raw', bytes: chunk }];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: ParsedChunk[] = [];
    while (this.pending.length >= 8) {
      if (this.pending.toString('latin1', 0, 4) !== BUS_SIGNATURE) return this.giveUp(out);
      const totalLength = this.pending.readUInt32BE(4);
      if (totalLength < MIN_HEADER_BYTES || totalLength > MAX_MESSAGE_BYTES) return this.giveUp(out);
      if (this.pending.length < totalLength) break;
      const bytes = this.pending.subarray(0, totalLength);
      const typeField = bytes.readUInt16BE(12);
      out.push({
        kind: 'frame',
        frame: { bytes, type: messageTypeName(typeField), light: (typeField & LIGHT_HEADER_BIT) !== 0 },
      });
      this.pending = this.pending.subarray(totalLength);
    }
    return out;
  }

  get isPassThrough(): boolean {
    return this.passThrough;
  }

  private giveUp(out: ParsedChunk[]): ParsedChunk[] {
    this.passThrough = true;
    out.push({ kind: 'raw', bytes: this.pending });
    this.pending = Buffer.alloc(0);
    return out;
  }
}
