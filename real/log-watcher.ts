/**
 * Reads each node's server log as it grows and turns the lines that matter into events:
 * - "Failover auth granted to <id> [(<name>)] for epoch <N>" → vote-granted (voter = this node);
 * - "Starting a failover election for epoch <N>." then "Failover election won" → election-won
 *   with that epoch (consensus);
 * - "Taking over the primary|master" then "New configEpoch set to <N>" → election-won without
 *   consensus (CLUSTER FAILOVER TAKEOVER).
 * The wording is the same in Valkey 8.0 and Redis 7.0 apart from "primary"/"master" and the
 * human node name in parentheses (8.0). Times come from the log's own timestamps.
 */
import { open } from 'node:fs/promises';
import type { ObservedEvent } from '../core/events.ts';

/** Bytes read per node per poll; a burst beyond it is read on the next poll. */
const READ_LIMIT_BYTES = 1024 * 1024;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LINE = /^\d+:[A-Z] (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) . (.*)$/;
const VOTE = /^Failover auth granted to ([0-9a-z]{40})(?: \([^)]*\))? for epoch (\d+)/;
const ELECTION_STARTED = /^Starting a failover election for epoch (\d+)/;
const ELECTION_WON = /^Failover election won/;
const TAKEOVER = /^Taking over the (?:primary|master)/;
const NEW_CONFIG_EPOCH = /^New configEpoch set to (\d+)/;

/** A server log line: wall time (ms since 1970, from the line's local-time stamp) and text. */
export interface LogLine {
  wallMs: number;
  message: string;
}

export function parseLogLine(line: string): LogLine | null {
  const match = LINE.exec(line);
  if (!match) return null;
  const month = MONTHS.indexOf(match[2]!);
  if (month < 0) return null;
  const wallMs = new Date(
    Number(match[3]),
    month,
    Number(match[1]),
    Number(match[4]),
    Number(match[5]),
    Number(match[6]),
    Number(match[7]),
  ).getTime();
  return { wallMs, message: match[8]! };
}

/**
 * The per-node state of the line interpreter: the epoch of the election under way and whether
 * a takeover waits for its new configEpoch.
 */
export class LogInterpreter {
  private electionEpoch: number | null = null;
  private takeoverPending = false;

  constructor(
    private readonly nodeName: string,
    /** Node name for an id ("unknown <id8>" when the run never saw it). */
    private readonly nameOf: (id: string) => string,
  ) {}

  /** The events one log line means (most mean none). `atMs` is filled in by the caller. */
  interpret(message: string): Array<ObservedEvent> {
    let match = VOTE.exec(message);
    if (match) {
      return [
        {
          kind: 'vote-granted',
          atMs: 0,
          voter: this.nodeName,
          candidate: this.nameOf(match[1]!),
          epoch: Number(match[2]),
        },
      ];
    }
    match = ELECTION_STARTED.exec(message);
    if (match) {
      this.electionEpoch = Number(match[1]);
      return [];
    }
    if (ELECTION_WON.test(message) && this.electionEpoch !== null) {
      const epoch = this.electionEpoch;
      this.electionEpoch = null;
      return [{ kind: 'election-won', atMs: 0, node: this.nodeName, epoch, consensus: true }];
    }
    if (TAKEOVER.test(message)) {
      this.takeoverPending = true;
      return [];
    }
    match = NEW_CONFIG_EPOCH.exec(message);
    if (match && this.takeoverPending) {
      this.takeoverPending = false;
      return [{ kind: 'election-won', atMs: 0, node: this.nodeName, epoch: Number(match[1]), consensus: false }];
    }
    return [];
  }
}

/** Follows one log file from where it was when watching began. */
export class LogFollower {
  private offset = 0;
  private partial = '';
  private readonly interpreter: LogInterpreter;

  constructor(
    private readonly path: string,
    nodeName: string,
    nameOf: (id: string) => string,
  ) {
    this.interpreter = new LogInterpreter(nodeName, nameOf);
  }

  /** Skips what the log holds now (formation), so only later lines count. */
  async skipToEnd(): Promise<void> {
    const handle = await open(this.path, 'r').catch(() => null);
    if (handle === null) return;
    try {
      this.offset = (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }

  /** New complete lines since the last call, as events stamped with their log wall time. */
  async poll(): Promise<Array<{ wallMs: number; event: ObservedEvent; line: string }>> {
    const handle = await open(this.path, 'r').catch(() => null);
    if (handle === null) return [];
    let text: string;
    try {
      const grownBytes = Math.min((await handle.stat()).size - this.offset, READ_LIMIT_BYTES);
      if (grownBytes <= 0) return [];
      const buffer = Buffer.alloc(grownBytes);
      const { bytesRead } = await handle.read(buffer, 0, grownBytes, this.offset);
      this.offset += bytesRead;
      text = this.partial + buffer.toString('utf8', 0, bytesRead);
    } finally {
      await handle.close();
    }
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const out: Array<{ wallMs: number; event: ObservedEvent; line: string }> = [];
    for (const raw of lines) {
      const parsed = parseLogLine(raw);
      if (parsed === null) continue;
      for (const event of this.interpreter.interpret(parsed.message))
        out.push({ wallMs: parsed.wallMs, event, line: raw });
    }
    return out;
  }
}
