/**
 * A real node's wall clock, moved through the clock shim (real/clock-shim/busfuzz-clock.c,
 * preloaded into each valkey-server): a control file per node that the shim maps and reads on
 * every gettimeofday()/time()/clock_gettime(CLOCK_REALTIME); this side rewrites it. The monotonic
 * clock is never touched, as on the simulator (sim/valkey/node-clock.ts).
 *
 * The file: five little-endian int64s `seq, offset_ns, drift_ppm, drift_since_ns, seq`, the
 * wall clock being true + offset + (true - since) * ppm / 1e6. Written in one pwrite; the shim
 * retries a read whose two seqs differ.
 *
 * The shim is built by scripts/install-clock-shim.sh (gcc) to CLOCK_SHIM_DEFAULT, or named by
 * BUSFUZZ_CLOCK_SHIM. Debian's libfaketime is not used: it cannot start valkey-server 8.0.1,
 * which links libjemalloc (wolfcw/libfaketime#130).
 */
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const CLOCK_SHIM_DEFAULT = '/usr/local/lib/busfuzz/busfuzz-clock.so';
const CONTROL_FILE = 'clock.ctl';

/** The shim's path when it is installed, else null (clock steps then fail as an environment error). */
export function clockShimPath(): string | null {
  const path = process.env.BUSFUZZ_CLOCK_SHIM ?? CLOCK_SHIM_DEFAULT;
  return existsSync(path) ? path : null;
}

/** What a valkey-server needs in its environment to read the clock of `folder`. */
export function clockShimEnv(folder: string): Record<string, string> {
  const shim = clockShimPath();
  if (shim === null) return {};
  return { LD_PRELOAD: shim, BUSFUZZ_CLOCK_FILE: join(folder, CONTROL_FILE) };
}

const NS_PER_MS = 1_000_000n;

export class NodeClockControl {
  private seq = 0n;
  private offsetNs = 0n;
  private driftPpm = 0n;
  private driftSinceNs = 0n;
  private driftOwner = -1;

  /** Creates the file with a true clock (before the server starts, so the shim maps it). */
  constructor(readonly folder: string) {
    this.write();
  }

  /** The skew now (ms, signed). */
  skewMs(): number {
    return Number(this.skewNs(nowNs()) / NS_PER_MS);
  }

  jump(ms: number): void {
    this.offsetNs += BigInt(ms) * NS_PER_MS;
    this.write();
  }

  startDrift(ppm: number, owner: number): void {
    const now = nowNs();
    this.offsetNs = this.skewNs(now);
    this.driftPpm = BigInt(ppm);
    this.driftSinceNs = now;
    this.driftOwner = owner;
    this.write();
  }

  /** The drift of fault `owner` ends (its skew stays); another fault's drift goes on. */
  stopDrift(owner: number): void {
    if (this.driftOwner !== owner) return;
    this.offsetNs = this.skewNs(nowNs());
    this.driftPpm = 0n;
    this.driftOwner = -1;
    this.write();
  }

  private skewNs(now: bigint): bigint {
    return this.offsetNs + ((now - this.driftSinceNs) * this.driftPpm) / 1_000_000n;
  }

  private write(): void {
    this.seq++;
    const buffer = Buffer.alloc(40);
    for (const [i, value] of [this.seq, this.offsetNs, this.driftPpm, this.driftSinceNs, this.seq].entries()) {
      buffer.writeBigInt64LE(value, i * 8);
    }
    const fd = openSync(join(this.folder, CONTROL_FILE), existsSync(join(this.folder, CONTROL_FILE)) ? 'r+' : 'w');
    try {
      writeSync(fd, buffer, 0, buffer.length, 0);
    } finally {
      closeSync(fd);
    }
  }
}

/** The true wall clock in ns (what the shim reads before shifting it). */
function nowNs(): bigint {
  return BigInt(Date.now()) * NS_PER_MS;
}
