/**
 * A simulated valkey-server process: its lifecycle (down, starting, running, paused), the server
 * it runs while up, the nodes.conf it leaves on disk, and its own random stream (node ids,
 * election delays, gossip picks) that survives restarts.
 *
 * Kill drops the server (unsaved state is lost; restart reloads the last nodes.conf). Pause
 * (SIGSTOP) freezes it: no cron, and what arrives waits in the socket buffers until resume.
 */
import type { Rng } from '../core/rng.ts';
import type { NodesConf, ValkeyServer } from './valkey/index.ts';

export const PROCESS_DOWN = 0;
export const PROCESS_STARTING = 1;
export const PROCESS_RUNNING = 2;
export const PROCESS_PAUSED = 3;

export const PROCESS_STATE_NAMES = ['down', 'starting', 'running', 'paused'] as const;

/** A started process answers after this long plus up to STARTUP_JITTER_MS (real: 128-190 ms). */
export const STARTUP_DELAY_MS = 120;
export const STARTUP_JITTER_MS = 70;

export class SimProcess {
  state = PROCESS_DOWN;
  server: ValkeyServer | null = null;
  /** nodes.conf as last written; null before the first start. */
  persisted: NodesConf | null = null;
  /** Starts so far (a restart bumps it). */
  incarnation = 0;
  cronHandle = -1;
  startHandle = -1;
  /** A cron tick fell due while paused: it runs once the resumed loop pass gets to its timers. */
  cronDue = false;
  /** Resumes so far: a deferred step of one resume does nothing after the next pause. */
  resumes = 0;
  /** The last SIGSTOP landed in a loop pass (before its timers), not in epoll_wait. */
  stoppedMidPass = false;
  /**
   * SIGTERM sent and the process not yet exited: it runs on (a primary may wait up to 10 s for its
   * replicas, sim/valkey/shutdown.ts), but the plan counts it as down, as the real backend does
   * from the signal on (real/server-process.ts `state`): no fault, admin command or target picks it.
   */
  terminating = false;
  /** A restart came while it was terminating: it starts once it has exited. */
  restartAfterExit = false;

  readonly index: number = 0;
  readonly name: string;
  /** The shard the scenario created it in (null for a node added as an empty primary). */
  readonly createdShard: number | null;
  readonly rng: Rng;
  /**
   * The node id its first start takes instead of drawing one (SimRunOptions.nodeIds, as the real
   * backend's steering.nodeIds), then null.
   */
  firstId: string | null = null;

  constructor(index: number, name: string, createdShard: number | null, rng: Rng) {
    this.index = index;
    this.name = name;
    this.createdShard = createdShard;
    this.rng = rng;
  }

  get running(): boolean {
    return this.state === PROCESS_RUNNING;
  }

  /** Running and not terminating: what the plan, its targets and the cluster view count as running. */
  get runningForPlan(): boolean {
    return this.state === PROCESS_RUNNING && !this.terminating;
  }
}
