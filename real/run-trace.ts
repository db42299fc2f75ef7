/**
 * The real backend's trace: one readable line per event, in the simulator's event wording
 * (`<atMs>ms <kind> key=value ...`, the fields of core/events.ts in their declared order), hashed
 * as it grows, with a ring of the last lines for the crash file. Real runs are not repeatable, so
 * the hash identifies a run rather than predicting the next one.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ObservedEvent } from '../core/events.ts';

export class RunTrace {
  private readonly hash: Hash = createHash('sha256');
  private readonly ring: string[] = [];
  lines = 0;

  constructor(
    private readonly tailLines: number,
    private readonly onLine?: (line: string) => void,
  ) {}

  event(event: ObservedEvent): void {
    this.line(formatEvent(event));
  }

  /** A line that is no event (a formation or check milestone). */
  note(atMs: number, text: string): void {
    this.line(`${atMs}ms ${text}`);
  }

  digest(): string {
    return this.hash.copy().digest('hex');
  }

  tail(): string[] {
    return [...this.ring];
  }

  private line(text: string): void {
    this.hash.update(`${text}\n`);
    this.ring.push(text);
    if (this.ring.length > this.tailLines) this.ring.shift();
    this.lines++;
    this.onLine?.(text);
  }
}

export function formatEvent(event: ObservedEvent): string {
  const { atMs, kind, ...rest } = event;
  const fields = Object.entries(rest).map(
    ([key, value]) => `${key}=${Array.isArray(value) ? `[${value.join(',')}]` : String(value)}`,
  );
  return `${atMs}ms ${kind}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}`;
}
