/**
 * Applies the run plan's phases to the live cluster: one exhaustive switch over the DSL's actions
 * (a new action fails to compile here until the real backend handles it). A phase `start` applies
 * the step and remembers the nodes it hit under its fault id; the matching `end` undoes exactly
 * that: restart a killed node, resume a paused one, lift one fault's network rules.
 */
import type { PlannedPhase } from '../core/scenario/plan.ts';
import { resolveGroups } from '../core/scenario/targets.ts';
import type { Step } from '../core/scenario/types.ts';
import * as admin from './admin-actions.ts';
import type { RealNode } from './cluster.ts';
import * as faults from './fault-actions.ts';
import { quorumSurvivesDown, quorumSurvivesPartition } from './quorum.ts';
import { emitFault, resolveNode, topologyOf, type StepContext } from './step-context.ts';

export class StepRunner {
  /** Nodes each started fault hit, by fault id, for its end phase. */
  private readonly hit = new Map<number, RealNode[]>();

  constructor(private readonly context: StepContext) {}

  async apply(phase: PlannedPhase): Promise<void> {
    if (phase.phase === 'start') {
      this.hit.set(phase.faultId, await this.start(phase.step, phase.faultId));
    } else {
      await this.end(phase.step, phase.faultId, this.hit.get(phase.faultId) ?? []);
    }
  }

  private async start(step: Step, faultId: number): Promise<RealNode[]> {
    const context = this.context;
    switch (step.action) {
      case 'kill':
      case 'terminate':
      case 'pause': {
        const node = resolveNode(context, step.target);
        if (node !== null && step.keepQuorum === true && !quorumSurvivesDown(context, node)) return skipForQuorum(context, step, [node]);
        return faults.takeDown(context, step, node);
      }
      case 'restart':
        await faults.restart(context, step);
        return [];
      case 'partition': {
        const groups = resolveGroups(step.groups, topologyOf(context), context.targetRng);
        if (step.keepQuorum === true && !quorumSurvivesPartition(context, groups)) return skipForQuorum(context, step, []);
        return faults.partition(context, step, groups, faultId);
      }
      case 'heal':
        faults.heal(context);
        return [];
      case 'latency':
        return faults.addPairRule(context, step, faultId, { kind: 'latency', delayMs: step.delayMs, jitterMs: step.jitterMs });
      case 'drop':
        return faults.addPairRule(context, step, faultId, {
          kind: 'drop', probability: step.probability, ...(step.types === undefined ? {} : { types: step.types }),
        });
      case 'hold':
        return faults.addPairRule(context, step, faultId, { kind: 'hold' });
      case 'release':
        faults.release(context, step);
        return [];
      case 'kill_links':
        await faults.killLinks(context, step);
        return [];
      case 'failover':
        await admin.failover(context, step);
        return [];
      case 'bump_epoch':
        await admin.bumpEpoch(context, step);
        return [];
      case 'meet':
        await admin.meet(context, step);
        return [];
      case 'forget':
        await admin.forget(context, step);
        return [];
      case 'reset':
        await admin.reset(context, step);
        return [];
      case 'replicate':
        await admin.replicate(context, step);
        return [];
      case 'add_node':
        await admin.addNode(context, step);
        return [];
      case 'migrate_slots':
        await admin.migrateSlots(context, step);
        return [];
      case 'wait': {
        const converged = await context.waitUntilConverged(step.timeoutMs);
        emitFault(context, 'wait', [], converged ? 'converged' : `not converged within ${step.timeoutMs} ms, going on`);
        return [];
      }
      default: {
        const unknown: never = step;
        throw new Error(`real backend: no handler for action ${(unknown as Step).action}`);
      }
    }
  }

  private async end(step: Step, faultId: number, nodes: RealNode[]): Promise<void> {
    switch (step.action) {
      case 'kill':
      case 'terminate':
      case 'pause':
        return faults.bringUp(this.context, nodes, step.action);
      case 'partition':
      case 'latency':
      case 'drop':
        return faults.liftRules(this.context, step.action, faultId, nodes);
      default:
        throw new Error(`real backend: ${step.action} has no end phase (plan.ts stepEndAfterMs)`);
    }
  }
}

/** A chaos step with keep_quorum that would leave no majority of voting primaries: not applied. */
function skipForQuorum(context: StepContext, step: Step, nodes: RealNode[]): RealNode[] {
  emitFault(context, step.action, nodes, 'skipped: it would take down a majority of the slot-owning primaries (keep_quorum)');
  return [];
}
