/**
 * The observing half of a real run: one poll at a time turns CLUSTER NODES/INFO (real/observer.ts)
 * and the new server log lines (real/log-watcher.ts) into views and events, in time order, and
 * notes servers that exited by themselves. real/real-run.ts decides when to poll.
 */
import type { RunNote } from '../core/backend.ts';
import type { ObservedEvent } from '../core/events.ts';
import type { ClusterView } from '../core/view.ts';
import type { RealCluster } from './cluster.ts';
import { LogFollower } from './log-watcher.ts';
import type { Observer } from './observer.ts';
import type { RealRecorder } from './run-record.ts';
import type { RunTrace } from './run-trace.ts';

/** Views kept for the invariants (the convergence ones read the last; 3000 polls = 5 min). */
const MAX_VIEWS = 3000;

/** What the poller asks of its run. */
export interface PollingRun {
  /** Counts a poll as a step (throws StopRun at maxSteps). */
  countStep(): void;
  /** Steps so far (polls and phases). */
  steps(): number;
  nowMs(): number;
  readyAtWallMs(): number;
  emit(event: ObservedEvent): void;
  onNote(note: RunNote): void;
}

export class RunPoller {
  readonly views: ClusterView[] = [];
  polls = 0;
  unexpectedExits = 0;
  private readonly logs = new Map<string, LogFollower>();
  private pollQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly cluster: RealCluster,
    private readonly observer: Observer,
    private readonly trace: RunTrace,
    private readonly recorder: RealRecorder | null,
    private readonly run: PollingRun,
  ) {}

  /**
   * One poll at a time (the background loop and a convergence wait may both ask): each log is
   * read from where the previous poll stopped.
   */
  pollOnce(withDigest: boolean): Promise<void> {
    const next = this.pollQueue.then(() => this.pollNow(withDigest));
    this.pollQueue = next.catch(() => {});
    return next;
  }

  /** Starts following the log of every node not followed yet (the formed ones, then added ones). */
  async followNewLogs(): Promise<void> {
    for (const node of this.cluster.nodes) {
      if (this.logs.has(node.name)) continue;
      const follower = new LogFollower(node.host.process.logPath, node.name, (id) => this.observer.nameOfId(id));
      this.logs.set(node.name, follower);
      await follower.skipToEnd();
    }
  }

  /** Views, node-state changes and new log events, in time order. */
  private async pollNow(withDigest: boolean): Promise<void> {
    this.run.countStep();
    await this.followNewLogs();
    const atMs = this.run.nowMs();
    const [poll, logEvents] = await Promise.all([
      this.observer.poll({ atMs, step: this.run.steps(), withDigest }),
      Promise.all([...this.logs.values()].map((follower) => follower.poll())),
    ]);
    this.polls++;
    this.views.push(poll.view);
    this.recorder?.view(poll.view, (id) => this.observer.nameOfId(id));
    if (this.views.length > MAX_VIEWS) this.views.shift();
    this.noteUnexpectedExits(atMs);
    const fromLogs = logEvents
      .flat()
      .map(({ wallMs, event }) => ({ ...event, atMs: wallMs - this.run.readyAtWallMs() }));
    const batch = [...fromLogs, ...poll.events].sort((a, b) => a.atMs - b.atMs);
    for (const event of batch) this.run.emit(event);
  }

  /**
   * A server that exited without being told to (a crash of valkey-server itself) is not an
   * invariant of the interface, but nobody should miss it: a trace line with its log's tail.
   */
  private noteUnexpectedExits(atMs: number): void {
    for (const node of this.cluster.nodes) {
      for (const exit of node.host.process.takeUnexpectedExits()) {
        this.unexpectedExits++;
        const tail = node.host.process.logTail(3).replace(/\n/g, ' | ');
        const text = `${node.name} exited by itself (${exit}); log ${node.host.process.logPath}: ${tail}`;
        this.trace.note(atMs, text);
        this.run.onNote({ kind: 'note', atMs, level: 'warn', text });
      }
    }
  }
}
