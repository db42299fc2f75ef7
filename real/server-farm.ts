/**
 * Where a backend's nodes live: one loopback block 127.0.X.* and one temporary folder for the
 * backend's lifetime, hosts handed to runs and taken back, and a few spare servers started ahead
 * of time so the next run does not wait for Valkey's 2 s start-up grace.
 *
 * Why spares: a primary reports cluster_state ok no sooner than 2 s after its process started
 * (CLUSTER_WRITABLE_DELAY); everything else of a formation takes a few hundred ms. A spare started
 * while the current run goes on has served its grace by the time the next run takes it.
 * Spares are unformed (alone, no slots) and get the scenario's settings when taken (NodeHost.adopt).
 * They do not keep Node's event loop alive; `close()` (or process exit) stops them.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CLUSTER, type ClusterConfig } from '../core/scenario/types.ts';
import { MAX_NODES_PER_BLOCK, nodeAddress, reserveAddressBlock } from './loopback.ts';
import { NodeHost } from './node-host.ts';
import { removeFolderAtEnd } from './process-registry.ts';
import type { FoundServer } from './server-binary.ts';

const FOLDER_PREFIX = 'busfuzz-real-';
const OWNER_FILE = 'owner.pid';
let staleFoldersRemoved = false;

/** Once per process, before the first folder of our own. */
function removeStaleFolders(): void {
  if (staleFoldersRemoved) return;
  staleFoldersRemoved = true;
  removeStaleFarmFolders();
}

/**
 * Removes the folders of farms whose process is gone (killed outright, or a worker thread ended
 * without running exit hooks; the reaper in process-registry.ts stopped their servers).
 * Returns how many it removed.
 */
export function removeStaleFarmFolders(): number {
  let removed = 0;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(FOLDER_PREFIX)) continue;
    const folder = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(folder, OWNER_FILE), 'utf8'));
    } catch {
      continue;
    }
    if (Number.isInteger(owner) && owner > 0 && !processExists(owner)) {
      rmSync(folder, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Never keep more spares than this, whatever runs asked for. */
export const MAX_SPARES = 32;

export class ServerFarm {
  private block: { block: number; release: () => void } | null = null;
  private root: string | null = null;
  private readonly freeAddresses: number[] = [];
  private nextAddress = 0;
  private hostCounter = 0;
  private readonly spares: Array<Promise<NodeHost | null>> = [];
  private readonly inUse = new Set<NodeHost>();
  private closed = false;
  private cancelEndCleanup: (() => void) | null = null;

  constructor(readonly server: FoundServer) {}

  /** Spares ready or starting now. */
  get spareCount(): number {
    return this.spares.length;
  }

  /**
   * One host for a run, as a promise per host so formation can start on each as it comes: a
   * spare if there is one that accepts the settings, else a fresh server. With `nodeId`, always a
   * fresh server started with that id: a spare has drawn its own, and a server takes its id only
   * at start (the spares stay for a later run).
   */
  async take(name: string, cluster: ClusterConfig, nodeId?: string): Promise<NodeHost> {
    this.assertOpen();
    if (nodeId !== undefined) return this.startHost(name, cluster, true, nodeId);
    while (this.spares.length > 0) {
      const spare = await this.spares.shift()!;
      if (spare === null) continue;
      this.inUse.add(spare);
      if (await spare.adopt(name, cluster, this.server)) return spare;
      await this.giveBack(spare);
    }
    return this.startHost(name, cluster, true);
  }

  /** Starts spares in the background until `count` are ready or starting (capped). */
  topUpSpares(count: number): void {
    this.assertOpen();
    const wanted = Math.min(count, MAX_SPARES);
    while (this.spares.length < wanted) {
      const label = `spare-${this.hostCounter}`;
      // A spare that fails to start is dropped (null); the run that wanted it starts a fresh one.
      const spare = this.startHost(label, DEFAULT_CLUSTER, false).then(async (host) => {
        await host.claimAllSlots();
        return host;
      });
      this.spares.push(spare.catch(() => null));
    }
  }

  /**
   * Takes a host back: stops it and frees its address. With `keepTo`, its folder is kept
   * (the caller copied it); otherwise removed.
   */
  async giveBack(host: NodeHost): Promise<void> {
    this.inUse.delete(host);
    await host.dispose();
    rmSync(host.folder, { recursive: true, force: true });
    this.freeAddresses.push(this.addressIndexOf(host));
  }

  /** Stops every host, spare or not, and removes the folder. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const spares = await Promise.all(this.spares.splice(0));
    await Promise.all([...spares, ...this.inUse].map((host) => host?.dispose()));
    this.inUse.clear();
    this.removeRootSync();
    this.block?.release();
    this.block = null;
  }

  private async startHost(label: string, cluster: ClusterConfig, held: boolean, nodeId?: string): Promise<NodeHost> {
    const { host, folder, index } = this.newPlace();
    try {
      const started = await NodeHost.start({ label, host, folder, server: this.server, cluster, held, nodeId });
      if (held) this.inUse.add(started);
      if (this.closed) {
        await this.giveBack(started);
        throw new Error('farm closed while a host was starting');
      }
      return started;
    } catch (error) {
      rmSync(folder, { recursive: true, force: true });
      this.freeAddresses.push(index);
      throw error;
    }
  }

  private newPlace(): { host: string; folder: string; index: number } {
    if (this.block === null) this.block = reserveAddressBlock();
    if (this.root === null) {
      removeStaleFolders();
      this.root = mkdtempSync(join(tmpdir(), FOLDER_PREFIX));
      writeFileSync(join(this.root, OWNER_FILE), String(process.pid));
      this.cancelEndCleanup = removeFolderAtEnd(this.root);
    }
    const index = this.freeAddresses.shift() ?? this.nextAddress++;
    if (index >= MAX_NODES_PER_BLOCK) throw new Error(`more than ${MAX_NODES_PER_BLOCK} hosts at once`);
    const folder = join(this.root, `host-${this.hostCounter++}`);
    mkdirSync(folder, { recursive: true });
    return { host: nodeAddress(this.block.block, index), folder, index };
  }

  private addressIndexOf(host: NodeHost): number {
    return Number(host.host.split('.')[3]) - 2;
  }

  private removeRootSync(): void {
    if (this.root === null) return;
    rmSync(this.root, { recursive: true, force: true });
    this.cancelEndCleanup?.();
    this.cancelEndCleanup = null;
    this.root = null;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('ServerFarm used after close()');
  }
}
