/**
 * The real backend: runs any scenario or crash file against live valkey-server (or redis-server
 * 7.0) processes on loopback, with the simulator's faults and invariants. Entry points:
 *
 * - `createRealBackend({ valkeyServer?, env?, spares? })`: finds the server binary at once
 *   (throws EnvironmentError with an install hint when there is none) and returns a RealBackend.
 * - `findServer({ valkeyServer?, env? })`: `--valkey-server`, `VALKEY_SERVER`, `valkey-server`
 *   on PATH, then `redis-server`; returns `{ binary, version }` (plus flavor and major/minor).
 *
 * Pre-starting the next run (the fuzz loop's formation cost). Valkey holds a fresh primary at
 * cluster_state fail for 2 s after its start (CLUSTER_WRITABLE_DELAY); every other formation step
 * takes a few hundred ms. So the backend keeps a pool of spare servers in a ServerFarm:
 * - when a run's cluster is ready, the farm starts spares for as many nodes as that run has, in
 *   the background (`spares: 'auto'`, the default), so they have served their grace by the time
 *   this run has been run and checked (a run shorter than 2 s leaves part of it to the next);
 * - `backend.prepare(scenario)` starts spares for that scenario's node count right away (a loop
 *   that knows its next scenario may call it before the first run ends);
 * - a run takes spares first (they get the scenario's settings by CONFIG SET) and starts fresh
 *   servers for the rest; spares that refuse a setting are replaced by fresh ones. A node the
 *   steering gives an id (steering.nodeIds: the simulator's) starts fresh with it, and such a run
 *   starts no spares for the next: a server's id is drawn at its start.
 * A run with a violation keeps every node's folder (server.log, nodes.conf, server.conf) in
 * `<artifactsDir>/crash-<fingerprint key>-<seed>/`, beside the crash file of that name; without
 * RunOptions.artifactsDir, in CRASH_DIR or crashes/.
 *
 * Spares hold no handle on Node's event loop; `backend.close()` stops them, and so does process
 * exit (real/process-registry.ts). With spares, a 3x1 cluster is ready in ~0.35 s instead of ~2.1 s.
 */
import { EnvironmentError, InputError, type Backend, type RunOptions, type RunResult } from '../core/backend.ts';
import { nodeIdsProblem } from '../core/confirm/node-ids.ts';
import { expandChaos } from '../core/scenario/chaos.ts';
import type { Scenario } from '../core/scenario/types.ts';
import { RealRun } from './real-run.ts';
import { allChildrenExited } from './process-registry.ts';
import { checkProtocol } from './protocol-check.ts';
import { findServer, type FoundServer } from './server-binary.ts';
import { ServerFarm } from './server-farm.ts';

export { findServer, INSTALL_HINT, type FoundServer } from './server-binary.ts';
export { liveChildPids } from './process-registry.ts';

export interface RealBackendOptions {
  /** --valkey-server PATH (wins over VALKEY_SERVER). */
  valkeyServer?: string;
  /** Where VALKEY_SERVER and PATH are read. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** `auto`: start spares for the next run while a run goes on; `never`: always start fresh. @defaultValue 'auto' */
  spares?: 'auto' | 'never';
}

export interface RealBackend extends Backend {
  readonly name: 'real';
  readonly server: FoundServer;
  /** Starts spare servers for `scenario`'s nodes now, so its run forms without the 2 s grace. */
  prepare(scenario: Scenario): void;
  /**
   * Stops the spares, waits until every server this process started has exited and been reaped,
   * and removes the backend's folder. Runs in progress are not affected (their teardown stops theirs).
   */
  close(): Promise<void>;
}

export function createRealBackend(options: RealBackendOptions = {}): RealBackend {
  const server = findServer(options);
  const farm = new ServerFarm(server);
  const sparesWanted = (options.spares ?? 'auto') === 'auto';
  const defaultArtifactsDir = (options.env ?? process.env).CRASH_DIR || 'crashes';
  return {
    name: 'real',
    server,
    run(scenario: Scenario, runOptions: RunOptions): Promise<RunResult> {
      assertFits(scenario);
      const idsProblem = nodeIdsProblem(runOptions.steering?.nodeIds ?? {});
      if (idsProblem !== null) throw new InputError(idsProblem);
      // The binary must be the release the protocol names (real/protocol-check.ts).
      const mismatch = checkProtocol(server, scenario.protocol);
      if (mismatch !== null) runOptions.onEvent?.({ kind: 'note', atMs: 0, level: 'warn', text: mismatch });
      const run = new RealRun({
        scenario,
        options: runOptions,
        farm,
        chaosSteps: expandChaos(scenario),
        defaultArtifactsDir,
        onReady: (nodeCount) => {
          // A run given node ids takes no spare (each drew its own id), and confirm's next try gets the same ids.
          if (sparesWanted && Object.keys(runOptions.steering?.nodeIds ?? {}).length === 0) farm.topUpSpares(nodeCount);
        },
      });
      return run.execute();
    },
    prepare(scenario: Scenario): void {
      const { numShards, replicasPerShard } = scenario.cluster;
      farm.topUpSpares(numShards * (1 + replicasPerShard));
    },
    // Every server stopped and reaped (no zombie outlives busfuzz), not only signalled.
    close: async () => {
      await farm.close();
      await allChildrenExited();
    },
  };
}

/**
 * The real backend's cap on cluster size: every node is a process with two proxies, and a few
 * dozen already load a small machine. The simulator takes up to 64 shards x 8 replicas.
 */
export const MAX_REAL_NODES = 100;

function assertFits(scenario: Scenario): void {
  const { numShards, replicasPerShard } = scenario.cluster;
  const added = scenario.timeline.filter((step) => step.action === 'add_node').length;
  const nodeCount = numShards * (1 + replicasPerShard) + added;
  if (nodeCount > MAX_REAL_NODES) {
    throw new EnvironmentError(
      `${scenario.scenarioId}: ${nodeCount} nodes; the real backend runs at most ${MAX_REAL_NODES} servers at once`,
      'run it on the simulator (--backend sim), or with fewer shards or replicas',
    );
  }
}
