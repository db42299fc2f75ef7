/**
 * Applies the run plan's phases to the live cluster: one exhaustive switch over the DSL's actions
 * (a new action fails to compile here until the real backend handles it). A phase `start` applies
 * the step and keeps a record under its fault id; the matching `end` undoes exactly that: restart
 * a killed node, resume a paused one, lift one fault's network rules. A `heal` lifts every network
 * fault, so their ends find no record and do nothing (as in the simulator, sim/faults.ts, whose
 * fault event wording this follows: ends are 'restart', 'resume' and 'heal').
 */
import type { PlannedPhase } from '../core/scenario/plan.ts';
import { resolveGroups } from '../core/scenario/targets.ts';
import type { Step } from '../core/scenario/types.ts';
import * as admin from './admin-actions.ts';
import type { RealNode } from './cluster.ts';
import * as faults from './fault-actions.ts';
import { quorumSurvives } from './quorum.ts';
import { RealTimeFaults } from './time-faults.ts';
import { emitFault, resolveNode, topologyOf, type StepContext } from './step-context.ts';

/** What a started fault did, for its end. */
type FaultRecord =
  | { kind: 'process'; node: RealNode }
  /** `isolated`: nodes a partition cut off from the side with most slot-owning primaries. */
  | { kind: 'network'; isolated: RealNode[] }
  /** clock and slow (time-faults.ts): not network faults, so a heal leaves them running. */
  | { kind: 'time'; node: RealNode };

export class StepRunner {
  private readonly records = new Map<number, FaultRecord>();
  readonly time: RealTimeFaults;

  constructor(private readonly context: StepContext) {
    this.time = new RealTimeFaults(context);
  }

  async apply(phase: PlannedPhase): Promise<void> {
    if (phase.phase === 'start') {
      await this.start(phase.step, phase.faultId);
      return;
    }
    const record = this.records.get(phase.faultId);
    if (record === undefined) return;
    this.records.delete(phase.faultId);
    await this.end(phase.step, phase.faultId, record);
  }

  /** Nodes cut off by partitions in force (keep_quorum counts them as down). */
  private isolatedNow(): RealNode[] {
    return [...this.records.values()].flatMap((record) => (record.kind === 'network' ? record.isolated : []));
  }

  private async start(step: Step, faultId: number): Promise<void> {
    const context = this.context;
    switch (step.action) {
      case 'kill':
      case 'terminate':
      case 'pause': {
        const node = resolveNode(context, step.target);
        if (node !== null && step.keepQuorum === true && !quorumSurvives(context, [node, ...this.isolatedNow()])) {
          return skipForQuorum(context, step);
        }
        const downed = await faults.takeDown(context, step, node);
        if (downed !== null) this.records.set(faultId, { kind: 'process', node: downed });
        return;
      }
      case 'restart':
        return faults.restart(context, step);
      case 'partition': {
        const groups = resolveGroups(step.groups, topologyOf(context), context.targetRng);
        const isolated = faults.minoritySides(context, groups);
        if (step.keepQuorum === true && !quorumSurvives(context, [...isolated, ...this.isolatedNow()])) {
          return skipForQuorum(context, step);
        }
        faults.partition(context, step, groups, faultId);
        this.records.set(faultId, { kind: 'network', isolated });
        return;
      }
      case 'heal':
        faults.heal(context);
        for (const [id, record] of this.records) if (record.kind === 'network') this.records.delete(id);
        return;
      case 'latency':
        faults.addPairRule(context, step, faultId, { kind: 'latency', delayMs: step.delayMs, jitterMs: step.jitterMs });
        this.records.set(faultId, { kind: 'network', isolated: [] });
        return;
      case 'drop':
        faults.addPairRule(context, step, faultId, {
          kind: 'drop',
          probability: step.probability,
          ...(step.types === undefined ? {} : { types: step.types }),
        });
        this.records.set(faultId, { kind: 'network', isolated: [] });
        return;
      case 'hold':
        faults.addPairRule(context, step, faultId, { kind: 'hold' });
        return;
      case 'release':
        return faults.release(context, step);
      case 'kill_links':
        return faults.killLinks(context, step);
      case 'failover':
        return admin.failover(context, step);
      case 'bump_epoch':
        return admin.bumpEpoch(context, step);
      case 'meet':
        return admin.meet(context, step);
      case 'forget':
        return admin.forget(context, step);
      case 'reset':
        return admin.reset(context, step);
      case 'replicate':
        return admin.replicate(context, step);
      case 'add_node':
        return admin.addNode(context, step);
      case 'migrate_slots':
        return admin.migrateSlots(context, step);
      case 'wait': {
        const converged = await context.waitUntilConverged(step.timeoutMs);
        emitFault(context, 'wait', [], converged ? 'converged' : `not converged within ${step.timeoutMs} ms, going on`);
        return;
      }
      case 'clock':
      case 'slow': {
        const node = step.action === 'clock' ? this.time.clock(step, faultId) : this.time.slow(step, faultId);
        if (node !== null) this.records.set(faultId, { kind: 'time', node });
        return;
      }
      default: {
        const unknown: never = step;
        throw new Error(`real backend: no handler for action ${(unknown as Step).action}`);
      }
    }
  }

  private async end(step: Step, faultId: number, record: FaultRecord): Promise<void> {
    if (record.kind === 'time') {
      if (step.action === 'clock') this.time.clockEnd(record.node, faultId);
      else this.time.slowEnd(faultId);
      return;
    }
    if (record.kind === 'process') {
      await faults.bringUp(
        this.context,
        record.node,
        step.action === 'pause' ? 'resume' : 'restart',
        `end of ${step.action}`,
      );
      return;
    }
    this.context.cluster.network.removeFault(faultId);
    if (step.action === 'partition') emitFault(this.context, 'heal', [], 'end of partition');
  }
}

/** A chaos step with keep_quorum that would leave no majority of voting primaries: not applied. */
function skipForQuorum(context: StepContext, step: Step): void {
  emitFault(context, step.action, [], 'skipped: keep_quorum');
}
