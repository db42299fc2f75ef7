/**
 * The bus framing: whole messages come out however the stream is cut, types (and the 8.0 light
 * header bit) are read from offset 12, and a stream that stops looking like the bus is passed
 * through byte for byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser, messageTypeName, typeMatches } from '../../../real/proxy/frame-parser.ts';
import { FC_SEED, fcParams } from '../../fc-config.ts';
import { busMessage, tagOf } from './bus-frames.ts';

function cut(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let previous = 0;
  for (const point of [...points, stream.length]) {
    pieces.push(stream.subarray(previous, point));
    previous = point;
  }
  return pieces;
}

describe(`FrameParser (FC_SEED=${FC_SEED})`, () => {
  it('gives back every message whole and in order, however the stream is cut', () => {
    const message = fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 16, max: 3000 }), fc.boolean());
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (specs, cuts) => {
          const messages = specs.map(([type, size, light], index) => busMessage(type, size, index, light));
          const parser = new FrameParser();
          const out = cut(Buffer.concat(messages), cuts).flatMap((piece) => parser.push(piece));
          expect(out.every((piece) => piece.kind === 'frame')).toBe(true);
          const frames = out.map((piece) => (piece.kind === 'frame' ? piece.frame : null)!);
          expect(frames.map((frame) => tagOf(frame.bytes))).toEqual(messages.map((_, index) => index));
          expect(frames.map((frame) => frame.bytes.length)).toEqual(messages.map((m) => m.length));
          expect(frames.map((frame) => frame.light)).toEqual(specs.map(([, , light]) => light));
        },
      ),
      fcParams(100),
    );
  });

  it('names the types as CLUSTER INFO does and clears the light-header bit', () => {
    expect(messageTypeName(0)).toBe('ping');
    expect(messageTypeName(5)).toBe('auth-req');
    expect(messageTypeName(0x8000 | 4)).toBe('publish');
    expect(messageTypeName(10)).toBe('publishshard');
    expect(messageTypeName(99)).toBe('unknown');
    expect(typeMatches('pong', ['ping', 'pong'])).toBe(true);
    expect(typeMatches('meet', ['ping', 'pong'])).toBe(false);
    expect(typeMatches('meet', undefined)).toBe(true);
  });

  it('passes a stream with a bad signature through untouched, from the first bad byte on', () => {
    const parser = new FrameParser();
    const good = busMessage(1, 100, 7);
    const bad = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    const out = [...parser.push(Buffer.concat([good, bad])), ...parser.push(Buffer.from('more'))];
    expect(out[0]).toMatchObject({ kind: 'frame' });
    expect(
      out
        .slice(1)
        .map((piece) => (piece.kind === 'raw' ? piece.bytes.toString() : '?'))
        .join(''),
    ).toBe(`${bad.toString()}more`);
    expect(parser.isPassThrough).toBe(true);
  });

  it('treats a length below the header size as a framing error', () => {
    const broken = busMessage(0, 100);
    broken.writeUInt32BE(3, 4);
    const out = new FrameParser().push(broken);
    expect(out).toEqual([{ kind: 'raw', bytes: broken }]);
  });
});
