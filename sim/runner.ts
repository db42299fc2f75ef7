/**
 * Runs one scenario on the simulator: forms the cluster, walks the run plan
 * (core/scenario/plan.ts: timeline and expanded chaos as start/end phases) on the simulated clock,
 * feeds every observed event to the safety monitor as it happens, and once the plan is quiet and
 * every fault healed polls the convergence invariants until they hold or
 * `validation.convergenceTimeoutMs` runs out. A run ends there, at a violation, or at maxSteps;
 * a run that converged first reads every acknowledged key back (acked-writes-durable).
 *
 * A `wait` step holds the plan until convergence holds or its timeout passes (then the plan goes
 * on, as on the real backend); the steps after it move later by the time waited. The first final
 * check comes a settle time after the heal (two node timeouts), so what the last steps set off
 * (an election, a manual failover, a node rejoining) has started before the cluster can be
 * judged converged.
 */
import type { RunNote, RunOptions, RunResult } from '../core/backend.ts';
import { Rng } from '../core/rng.ts';
import type { ObservedEvent } from '../core/events.ts';
import { checkConvergence, createSafetyMonitor, type SafetyMonitor } from '../core/invariants/index.ts';
import { expandChaos } from '../core/scenario/chaos.ts';
import { PlanClock, planRun, type Plan, type PlannedPhase } from '../core/scenario/plan.ts';
import { settleMs } from '../core/scenario/semantics/lifecycle.ts';
import type { Scenario, StepOf } from '../core/scenario/types.ts';
import type { ClusterView } from '../core/view.ts';
import type { Finding, Violation } from '../core/violation.ts';
import { buildClusterView } from './cluster-view.ts';
import { FaultApplier } from './faults.ts';
import { FORMATION_POLL_MS, Formation, shardLayouts } from './formation.ts';
import { PROCESS_PAUSED, PROCESS_STARTING } from './process.ts';
import { SimRecorder } from './recorder.ts';
import { attachCollector, type FeatureCollector } from './coverage/index.ts';
import { statusLines } from './status.ts';
import { TopologyTracker } from './topology-entries.ts';
import { T_CHECK, T_PLAN } from './trace.ts';
import { ClientWorkload } from './workload.ts';
import { World, type WorldObserver } from './world.ts';
import { profileFor, type ProtocolProfile } from './valkey/profiles.ts';

/** How often convergence is polled, in simulated ms. */
export const CONVERGENCE_POLL_MS = 250;

/** Time from the final heal to the first convergence check (core's run lifecycle). */
export { settleMs } from '../core/scenario/semantics/lifecycle.ts';
/** How often the abort signal is looked at, in steps. */
const SIGNAL_CHECK_STEPS = 65_536;

const R_FORMATION = 1;
const R_PLAN = 2;
const R_CHECK = 3;

export interface SimRunOptions {
  /** Rules to run instead of the scenario protocol's (tests and bench/profile-rules.ts). */
  profile?: ProtocolProfile;
  traceTailLines?: number;
  onTraceLine?: (line: string) => void;
  /** Keep every observed event for the convergence checks. @defaultValue true */
  keepEvents?: boolean;
  /**
   * Keep the 'write-acked' events too (tests read them). No convergence check reads them (the
   * safety monitor judges acks as they come), and a run with a workload makes one per write:
   * keeping them all made every young-generation GC copy them. @defaultValue true
   */
  keepAckEvents?: boolean;
  /** RunOptions.onEvent: the run's story (observed events but acks, and milestones). */
  onEvent?: (event: RunNote) => void;
  /** Keep the run's event record for the HTML report (sim/recorder.ts). @defaultValue false */
  record?: boolean;
  /** Collect the run's features for guided fuzzing (sim/coverage/). @defaultValue false */
  features?: boolean;
  /**
   * Reseeds the draws that Valkey and the network make for themselves (node ids, election delays,
   * hop times, drop and jitter draws, the moment a stop lands) while the scenario's own draws
   * (fault targets, the workload's keys) stay the scenario seed's. A real server draws these from
   * its own random(), so one scenario has many right outcomes: bench/agreement.ts runs several
   * draws to tell a race from a modelling gap. Unset: every draw comes from the scenario seed.
   */
  drawSeed?: number;
  /**
   * The node id each node's first start takes, by creation name (`node-K`), instead of drawing
   * one: what the real backend's steering.nodeIds does, so a run with another drawSeed keeps the
   * ids (and so the rank tie-breaks) of the run it is compared with.
   */
  nodeIds?: Readonly<Record<string, string>>;
}

export class SimRun implements WorldObserver {
  readonly world: World;
  readonly events: ObservedEvent[] = [];
  readonly formation: Formation;
  violation: Violation | null = null;
  done = false;
  converged = false;
  /** Simulated time at which the scenario's clock started (the cluster was ready). */
  readyAtMs = -1;
  healedAtMs = -1;
  convergedAtMs = -1;
  private readonly monitor: SafetyMonitor;
  private readonly topology: TopologyTracker;
  private readonly faults: FaultApplier;
  private readonly workload: ClientWorkload | null;
  private readonly keepEvents: boolean;
  private readonly keepAckEvents: boolean;
  private plan: Plan | null = null;
  private phaseIndex = 0;
  private clock: PlanClock | null = null;
  private waiting: { step: StepOf<'wait'>; startedAtMs: number } | null = null;
  private readyView: ClusterView | null = null;
  private readonly onNote: ((event: RunNote) => void) | null;
  /** The report's recorder, when asked for. */
  readonly recorder: SimRecorder | null;
  /** The feature collector, when features are asked for. */
  readonly coverage: FeatureCollector | null;

  constructor(
    readonly scenario: Scenario,
    options: SimRunOptions = {},
  ) {
    const { numShards, replicasPerShard } = scenario.cluster;
    const layouts = shardLayouts(numShards, replicasPerShard);
    const createdShards = layouts.flatMap((layout, shard) => [layout.primary, ...layout.replicas].map(() => shard));
    const addedNodes = scenario.timeline.filter((step) => step.action === 'add_node').length;
    this.world = new World({
      seed: options.drawSeed === undefined ? String(scenario.seed) : `${scenario.seed}/draws-${options.drawSeed}`,
      cluster: scenario.cluster,
      createdShards,
      spareProcesses: Math.max(8, addedNodes),
      traceTailRecords: options.traceTailLines ?? 50,
      profile: options.profile ?? profileFor(scenario.protocol),
    });
    if (options.onTraceLine !== undefined) this.world.trace.onLine = options.onTraceLine;
    for (const process of this.world.processes) process.firstId = options.nodeIds?.[process.name] ?? null;
    this.keepEvents = options.keepEvents ?? true;
    this.keepAckEvents = this.keepEvents && (options.keepAckEvents ?? true);
    this.onNote = options.onEvent ?? null;
    this.monitor = createSafetyMonitor(scenario);
    this.formation = new Formation(this.world, layouts);
    this.topology = new TopologyTracker(this.world, layouts);
    // The scenario's draws: the same whatever the drawSeed (fork names hash from the seed alone).
    const scenarioRng = new Rng(String(scenario.seed));
    this.faults = new FaultApplier(this.world, this.topology, scenarioRng.fork('targets'));
    this.workload =
      scenario.workload === null
        ? null
        : new ClientWorkload(this.world, scenario.workload, scenarioRng.fork('workload'));
    this.world.observer = this;
    this.recorder = options.record === true ? new SimRecorder(this.world) : null;
    this.coverage = options.features === true ? attachCollector(this.world) : null;
    this.formation.begin();
    this.world.scheduleRunner(FORMATION_POLL_MS, R_FORMATION);
  }

  /** Steps until the run ends or `maxSteps` steps have run in total. */
  runSteps(maxSteps: number, signal?: AbortSignal): void {
    const world = this.world;
    while (!this.done && world.steps < maxSteps) {
      const chunkEnd = Math.min(maxSteps, world.steps + SIGNAL_CHECK_STEPS);
      while (!this.done && world.steps < chunkEnd) {
        if (!world.step()) throw new Error('SimRun: the event queue ran dry (every process stopped its cron?)');
      }
      if (signal?.aborted) return;
    }
  }

  /**
   * Steps until simulated time reaches `atMs` (or the run ends, or `maxSteps` steps in total), so
   * tests can look at the world in the middle of a scenario.
   */
  runUntilMs(atMs: number, maxSteps = 50_000_000): void {
    const world = this.world;
    while (!this.done && world.steps < maxSteps && world.scheduler.peekAtMs() <= atMs) world.step();
  }

  result(aborted: boolean): RunResult {
    const world = this.world;
    return {
      scenarioId: this.scenario.scenarioId,
      backend: 'sim',
      seed: this.scenario.seed,
      // Not done without a violation: the step bound came before the convergence checks answered.
      verdict: this.violation !== null ? 'violation' : aborted ? 'aborted' : this.done ? 'pass' : 'inconclusive',
      steps: world.steps,
      simTimeMs: world.clockMs,
      traceHash: world.trace.digest(),
      violation: this.violation,
      traceTail: world.trace.tail(),
      nodeStatus: statusLines(world),
      server: null,
      messages: world.network.delivered,
      stats: {
        formation_ms: Math.floor(this.readyAtMs),
        writes_acked: this.workload?.acked ?? 0,
        writes_lost: this.workload?.lostKeys ?? 0,
        healed_at_ms: this.healedAtMs,
        converged_at_ms: this.convergedAtMs,
        events: this.events.length,
        trace_records: world.trace.records,
      },
      ...(this.recorder === null ? {} : { record: this.recorder.builder }),
      ...(this.coverage === null ? {} : { features: this.coverage.features() }),
      ...this.clockSkews(),
    };
  }

  /** Clocks a clock fault left skewed (sim/time-faults.ts): reported, not judged. */
  private clockSkews(): { clockSkews?: Record<string, number> } {
    const skews = this.faults.time.skews();
    if (skews.length === 0) return {};
    return {
      clockSkews: Object.fromEntries(skews.map(({ index, skewMs }) => [this.world.processes[index]!.name, skewMs])),
    };
  }

  /** WorldObserver: every observed event goes to the safety monitor (and is kept). */
  onEvent(event: ObservedEvent): void {
    if (this.keepEvents) this.events.push(event);
    // Acks never come here (onWriteAckedEvent), so the story costs nothing per write.
    if (this.onNote !== null && event.kind !== 'write-acked') this.onNote(event);
    if (this.coverage !== null) this.coverage.observe(event);
    if (this.violation !== null) return;
    const found = this.monitor.observe(event);
    if (found !== null) this.fail(found);
  }

  /** WorldObserver: onEvent for acks, the most frequent events: the monitor's entry by numbers. */
  onWriteAckedEvent(event: Extract<ObservedEvent, { kind: 'write-acked' }>, key: number, processIndex: number): void {
    if (this.monitor.observeWriteAcked === undefined) {
      this.onEvent({ ...event });
      return;
    }
    // The world reuses the event object for the next ack.
    if (this.keepAckEvents) this.events.push({ ...event });
    if (this.violation !== null) return;
    const found = this.monitor.observeWriteAcked(event, key, processIndex);
    if (found !== null) this.fail(found);
  }

  private fail(found: Finding): void {
    this.violation = { ...found, step: this.world.steps, timeMs: this.world.clockMs };
    this.done = true;
  }

  /** WorldObserver: a runner timer fired. */
  onRunnerEvent(code: number): void {
    if (this.done) return;
    if (code === R_FORMATION) this.pollFormation();
    else if (code === R_PLAN) this.applyDuePhases();
    else if (code === R_CHECK) this.checkConvergence();
  }

  private pollFormation(): void {
    this.formation.poll();
    if (!this.formation.ready) {
      this.world.scheduleRunner(FORMATION_POLL_MS, R_FORMATION);
      return;
    }
    this.readyAtMs = this.world.nowMs;
    this.clock = new PlanClock(this.readyAtMs);
    this.readyView = buildClusterView(this.world);
    this.onNote?.({
      kind: 'ready',
      atMs: this.world.clockMs,
      nodes: this.formation.layouts.reduce((sum, layout) => sum + 1 + layout.replicas.length, 0),
    });
    this.plan = planRun(this.scenario, expandChaos(this.scenario));
    const steps = this.plan.steps;
    this.world.planStepName = (faultId, phase) =>
      `${steps[faultId]?.action ?? '?'} #${faultId} ${phase === 0 ? 'start' : 'end'}`;
    if (this.recorder !== null) this.recorder.planAction = (faultId) => steps[faultId]?.action ?? '?';
    this.workload?.start(this.formation.layouts[0]!.primary);
    this.scheduleNextPhase();
  }

  private planTimeMs(offsetMs: number): number {
    return this.clock!.dueMs(offsetMs);
  }

  private scheduleNextPhase(): void {
    const plan = this.plan!;
    const next = plan.phases[this.phaseIndex];
    const atMs = next !== undefined ? this.planTimeMs(next.atMs) : this.planTimeMs(plan.quietAtMs);
    this.world.scheduleRunner(Math.max(0, atMs - this.world.nowMs), next !== undefined ? R_PLAN : R_CHECK);
  }

  private applyDuePhases(): void {
    const phases = this.plan!.phases;
    while (this.phaseIndex < phases.length && this.planTimeMs(phases[this.phaseIndex]!.atMs) <= this.world.nowMs) {
      const phase = phases[this.phaseIndex++]!;
      this.world.trace.record(this.world.clockMs, T_PLAN, phase.faultId, phase.phase === 'start' ? 0 : 1, 0);
      if (phase.step.action === 'wait') {
        if (phase.phase === 'start') {
          this.waiting = { step: phase.step, startedAtMs: this.world.nowMs };
          this.world.scheduleRunner(0, R_CHECK);
          return;
        }
        continue;
      }
      this.apply(phase);
      if (this.done) return;
      if (this.faults.busy) {
        // An admin action takes time (add_node, migrate_slots): the plan goes on when it ends.
        this.faults.onIdle = () => {
          if (this.done) return;
          const next = this.plan!.phases[this.phaseIndex];
          if (next !== undefined) this.clock!.ranLate(next.atMs, this.world.nowMs);
          this.applyDuePhases();
        };
        return;
      }
    }
    this.scheduleNextPhase();
  }

  private apply(phase: PlannedPhase): void {
    if (phase.phase === 'start') this.faults.start(phase.faultId, phase.step);
    else this.faults.end(phase.faultId, phase.step);
  }

  /** A `wait` step's poll, or the final convergence poll after the plan went quiet. */
  private checkConvergence(): void {
    const world = this.world;
    if (this.waiting === null && this.healedAtMs < 0) {
      // A node restarted by the plan counts as healed once its process answers again (one still
      // shutting down after a SIGTERM starts once it has exited).
      if (world.processes.some((process) => process.state === PROCESS_STARTING || process.restartAfterExit)) {
        world.scheduleRunner(FORMATION_POLL_MS, R_CHECK);
        return;
      }
      this.finalHeal();
      world.scheduleRunner(settleMs(this.scenario), R_CHECK);
      return;
    }
    const view = buildClusterView(world);
    const found = checkConvergence({
      scenario: this.scenario,
      views: this.readyView === null ? [view] : [this.readyView, view],
      events: this.events,
    });
    world.trace.record(world.clockMs, T_CHECK, 0, 0, found === null ? 1 : 0);
    const waiting = this.waiting;
    const sinceMs = waiting !== null ? waiting.startedAtMs : this.healedAtMs;
    const timeoutMs = waiting !== null ? waiting.step.timeoutMs : this.scenario.validation.convergenceTimeoutMs;
    if (found !== null && world.nowMs - sinceMs < timeoutMs) {
      world.scheduleRunner(CONVERGENCE_POLL_MS, R_CHECK);
      return;
    }
    if (found !== null && waiting === null) {
      this.fail(found);
      return;
    }
    if (waiting !== null) {
      // As the real backend's step runner: a wait that times out is reported and the plan goes on
      // (a fault whose end comes after the wait keeps the cluster from converging meanwhile).
      const detail = found === null ? 'converged' : `not converged within ${waiting.step.timeoutMs} ms, going on`;
      world.emit({ kind: 'fault', atMs: world.clockMs, action: 'wait', nodes: [], detail });
      this.clock!.holdFor(world.nowMs - waiting.startedAtMs);
      this.waiting = null;
      this.scheduleNextPhase();
      return;
    }
    // Converged: read every acknowledged key back (the safety monitor judges each read-back).
    this.workload?.readBack();
    if (this.violation !== null) return;
    this.converged = true;
    this.convergedAtMs = world.clockMs;
    this.onNote?.({ kind: 'converged', atMs: world.clockMs });
    this.done = true;
  }

  /** At the quiet time every fault ends: the network heals and paused processes resume. */
  private finalHeal(): void {
    const world = this.world;
    if (!world.network.isHealthy()) this.faults.heal();
    for (const process of world.processes) if (process.state === PROCESS_PAUSED) world.resume(process.index);
    this.healedAtMs = world.clockMs;
    world.emit({ kind: 'healed', atMs: world.clockMs });
  }
}

/** Backend.run for the simulator; `profile` runs other rules than the scenario protocol's (tests, benches). */
export function runSimScenario(scenario: Scenario, options: RunOptions, profile?: ProtocolProfile): RunResult {
  const run = new SimRun(scenario, {
    ...(profile === undefined ? {} : { profile }),
    traceTailLines: options.traceTailLines,
    onTraceLine: options.onTraceLine,
    keepAckEvents: false,
    onEvent: options.onEvent,
    record: options.record === true,
    features: options.features === true,
  });
  run.runSteps(options.maxSteps, options.signal);
  const result = run.result(options.signal?.aborted === true && !run.done);
  run.world.retire();
  return result;
}
