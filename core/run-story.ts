/**
 * The story of one run, told from what the backend reports through RunOptions.onEvent (observed
 * events but the write acks, and the milestones): logged as it happens, and summed up for the
 * human result line (failovers and their times). Lives on the CLI side of the Backend interface,
 * so the simulator pays one callback per coarse event and nothing per message or write.
 *
 * Levels: info for the main story (formation, faults and actions, nodes going down and up,
 * elections started and won, data lost, heal, convergence); debug for the detail (each vote,
 * each node-state change, migrated keys); trace for each key read back.
 */
import type { RunNote } from './backend.ts';
import type { Logger } from './log.ts';

/** One failover: who won, when, and how long after what set it off (a primary down, a CLUSTER FAILOVER). */
export interface Failover {
  node: string;
  epoch: number;
  atMs: number;
  /** ms from its trigger to the win; null when none was seen (a takeover out of the blue). */
  afterMs: number | null;
  trigger: string | null;
}

export class RunStory {
  readonly failovers: Failover[] = [];
  private readonly electionsSeen = new Set<string>();
  /** Per replica, the last event that could have started its failover. */
  private readonly triggers = new Map<string, { atMs: number; what: string }>();

  constructor(private readonly log: Logger | null) {}

  /** RunOptions.onEvent. */
  readonly onEvent = (note: RunNote): void => {
    this.track(note);
    if (this.log !== null) this.tell(this.log, note);
  };

  private track(note: RunNote): void {
    if (note.kind === 'node-down' && note.wasPrimary) {
      for (const replica of note.eligibleReplicas)
        this.triggers.set(replica, { atMs: note.atMs, what: `${note.node} ${note.cause}` });
    } else if (note.kind === 'fault' && note.action === 'failover') {
      for (const node of note.nodes) this.triggers.set(node, { atMs: note.atMs, what: 'CLUSTER FAILOVER' });
    } else if (note.kind === 'election-won') {
      const trigger = this.triggers.get(note.node);
      this.triggers.delete(note.node);
      this.failovers.push({
        node: note.node,
        epoch: note.epoch,
        atMs: note.atMs,
        afterMs: trigger === undefined ? null : note.atMs - trigger.atMs,
        trigger: trigger?.what ?? null,
      });
    }
  }

  private tell(log: Logger, note: RunNote): void {
    const at = { at_ms: note.atMs };
    switch (note.kind) {
      case 'ready':
        log.info({ ...at, nodes: note.nodes }, `cluster formed: ${note.nodes} nodes ready`);
        return;
      case 'fault':
        log.info(
          { ...at, action: note.action, nodes: note.nodes },
          `${note.action}${note.nodes.length > 0 ? ` ${note.nodes.join(', ')}` : ''}${note.detail === '' ? '' : `: ${note.detail}`}`,
        );
        return;
      case 'node-down':
        log.info(
          { ...at, node: note.node, cause: note.cause, was_primary: note.wasPrimary },
          `${note.node} down (${note.cause})${note.wasPrimary ? `, was a primary; eligible replicas: ${note.eligibleReplicas.join(', ') || 'none'}` : ''}`,
        );
        return;
      case 'node-up':
        log.info({ ...at, node: note.node }, `${note.node} up`);
        return;
      case 'data-lost':
        log.info({ ...at, node: note.node, cause: note.cause }, `${note.node} lost its data (${note.cause})`);
        return;
      case 'vote-granted': {
        const election = `${note.candidate}@${note.epoch}`;
        if (!this.electionsSeen.has(election)) {
          this.electionsSeen.add(election);
          log.info(
            { ...at, candidate: note.candidate, epoch: note.epoch },
            `election started: ${note.candidate} asks for epoch ${note.epoch} (first vote from ${note.voter})`,
          );
        }
        log.debug(
          { ...at, voter: note.voter, candidate: note.candidate, epoch: note.epoch },
          `vote: ${note.voter} for ${note.candidate} in epoch ${note.epoch}`,
        );
        return;
      }
      case 'election-won': {
        const failover = this.failovers.at(-1);
        const after =
          failover?.afterMs === null || failover === undefined
            ? ''
            : ` ${failover.afterMs} ms after ${failover.trigger}`;
        log.info(
          { ...at, node: note.node, epoch: note.epoch, consensus: note.consensus },
          `election won: ${note.node} is primary in epoch ${note.epoch}${note.consensus ? '' : ' (no vote: takeover)'}${after}`,
        );
        return;
      }
      case 'node-state':
        log.debug(
          {
            ...at,
            node: note.node,
            role: note.role,
            primary: note.primary,
            current_epoch: note.currentEpoch,
            config_epoch: note.configEpoch,
            slots: note.slotCount,
          },
          `${note.node}: ${note.role}${note.primary === null ? '' : ` of ${note.primary}`}, epochs ${note.currentEpoch}/${note.configEpoch}, ${note.slotCount} slots`,
        );
        return;
      case 'keys-migrated':
        log.debug(
          { ...at, from: note.from, to: note.to, keys: note.keys.length },
          `${note.keys.length} keys migrated from ${note.from} to ${note.to}`,
        );
        return;
      case 'healed':
        log.info(at, 'every fault healed: convergence checks start');
        return;
      case 'converged':
        log.info(at, 'converged: every convergence invariant holds');
        return;
      case 'note':
        log[note.level](at, note.text);
        return;
      case 'read-back':
        log.trace(
          { ...at, key: note.key, seq: note.seq, node: note.node },
          `read back ${note.key}: ${note.seq ?? 'missing'} from ${note.node}`,
        );
        return;
    }
  }
}

/** `node-4 at 3.10 s (1050 ms after node-3 kill)` */
export function describeFailover(failover: Failover, clock: 'simulated' | 'wall'): string {
  const when = `${(failover.atMs / 1000).toFixed(2)} s${clock === 'wall' ? ' after ready' : ''}`;
  return `${failover.node} at ${when}${failover.afterMs === null ? '' : ` (${failover.afterMs} ms after ${failover.trigger})`}`;
}
