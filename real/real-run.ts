/**
 * One run of a scenario on live servers, start to teardown:
 * 1. form the cluster (from spares when there are some) and call it ready (formation.ts);
 * 2. start the workload and the observer loop: every poll turns CLUSTER NODES/INFO and the new
 *    server log lines into events, and every event goes through the safety monitor;
 * 3. apply the plan's phases at their offsets from ready (step-runner.ts);
 * 4. once the plan is quiet, lift what is left of the network faults ('healed'), stop the writes,
 *    and poll until the convergence invariants hold or `convergence_timeout` passes;
 * 5. read every acknowledged key back;
 * 6. give every node back (stopped), keeping the node folders beside the crash file on a violation.
 * The run ends early on the first violation, on abort (Ctrl-C) and on `maxSteps` (polls + phases).
 */
import { join } from 'node:path';
import type { RunOptions, RunResult } from '../core/backend.ts';
import { crashFileName } from '../core/crash/format.ts';
import type { ObservedEvent } from '../core/events.ts';
import { checkConvergence, createSafetyMonitor, type SafetyMonitor } from '../core/invariants/index.ts';
import { rngFor } from '../core/rng.ts';
import { PlanClock, planRun, type Plan } from '../core/scenario/plan.ts';
import { convergenceWindow } from '../core/scenario/semantics/lifecycle.ts';
import type { Scenario, Step } from '../core/scenario/types.ts';
import { finding, type Finding, type Violation } from '../core/violation.ts';
import { RealCluster } from './cluster.ts';
import { formCluster, type FormationTimings } from './formation.ts';
import { keyOwnerIsDown } from './key-owner.ts';
import { keepsDataAcrossKill } from './node-config.ts';
import { statusLines } from './node-status.ts';
import { Observer } from './observer.ts';
import { RealRecorder } from './run-record.ts';
import { abortableSleep, runVerdict, StopRun, unresponsiveFinding } from './run-outcome.ts';
import { RunPoller } from './run-poller.ts';
import { RunTrace } from './run-trace.ts';
import type { ServerFarm } from './server-farm.ts';
import { Steerer } from './steering.ts';
import { StepRunner } from './step-runner.ts';
import type { StepContext } from './step-context.ts';
import { WorkloadClient } from './workload.ts';

export interface RealRunInput {
  scenario: Scenario;
  options: RunOptions;
  farm: ServerFarm;
  /** The chaos block's expansion (core/scenario/chaos.ts), merged into the plan. */
  chaosSteps: readonly Step[];
  /**
   * Called once the cluster is ready (the farm starts spares for the next run then: they need
   * their 2 s start-up grace behind them by the time this run has been run and checked).
   */
  onReady?: (nodeCount: number) => void;
  /** Where node folders go when RunOptions.artifactsDir is not given (CRASH_DIR, else crashes/). */
  defaultArtifactsDir: string;
}

/** Poll period of the observer loop. */
const POLL_INTERVAL_MS = 100;
/** Formation must be done within this (it takes ~2.1 s fresh, well under 1 s from spares). */
const FORMATION_TIMEOUT_MS = 30_000;

export class RealRun {
  private readonly scenario: Scenario;
  private readonly cluster: RealCluster;
  private readonly observer: Observer;
  private readonly trace: RunTrace;
  private readonly monitor: SafetyMonitor;
  /** The plan walker, once the plan runs (its time faults are stopped and read at the end). */
  private runner: StepRunner | null = null;
  private readonly plan: Plan;
  private readonly events: ObservedEvent[] = [];
  private readonly poller: RunPoller;
  private readonly controller = new AbortController();
  private workload: WorkloadClient | null = null;
  private readyAtWallMs = 0;
  private lastEventAtMs = 0;
  private steps = 0;
  private healedAtMs = -1;
  private convergedAtMs = -1;
  private violation: Violation | null = null;
  private stopReason: 'violation' | 'aborted' | 'max-steps' | 'steering' | null = null;
  private pollLoop: Promise<void> | null = null;
  private pollError: unknown = null;
  private checking = false;
  private formation: FormationTimings | null = null;
  /** The report's recorder (RunOptions.record); null otherwise. */
  private readonly recorder: RealRecorder | null;
  /** The most a steering gate held a phase back (confirm). */
  private steeredLateMs = 0;

  constructor(private readonly input: RealRunInput) {
    this.scenario = input.scenario;
    const rng = rngFor(this.scenario.seed);
    const proxyRng = rng.fork('network');
    this.cluster = new RealCluster(
      input.farm,
      this.scenario.cluster,
      () => proxyRng.float(),
      input.options.steering?.nodeIds,
    );
    this.observer = new Observer(this.cluster);
    this.trace = new RunTrace(input.options.traceTailLines ?? 50, input.options.onTraceLine);
    this.monitor = createSafetyMonitor(this.scenario);
    this.plan = planRun(this.scenario, input.chaosSteps);
    this.recorder = input.options.record === true ? new RealRecorder() : null;
    this.poller = new RunPoller(this.cluster, this.observer, this.trace, this.recorder, {
      countStep: () => this.countStep(),
      steps: () => this.steps,
      nowMs: () => this.nowMs(),
      readyAtWallMs: () => this.readyAtWallMs,
      emit: (event) => this.emit(event),
      onNote: (note) => this.input.options.onEvent?.(note),
    });
    if (this.recorder !== null) this.cluster.counters.onFrame = this.recorder.frameTap;
    input.options.signal?.addEventListener('abort', () => this.stop('aborted'), { once: true });
    if (input.options.signal?.aborted) this.stop('aborted');
  }

  /** Runs to the end and tears down, whatever happens. */
  async execute(): Promise<RunResult> {
    let keepTo: string | undefined;
    try {
      await this.runPhases();
      keepTo = this.keepFolder();
      return this.result(keepTo ?? null);
    } finally {
      this.controller.abort();
      this.runner?.time.stopAll();
      this.workload?.close();
      await this.pollLoop?.catch(() => {});
      await this.cluster.teardown(keepTo === undefined ? {} : { keepTo });
    }
  }

  private async runPhases(): Promise<void> {
    try {
      this.formation = await formCluster(this.cluster, this.scenario.cluster, {
        timeoutMs: FORMATION_TIMEOUT_MS,
        signal: this.controller.signal,
      });
      this.readyAtWallMs = Date.now();
      if (this.recorder !== null) this.recorder.readyAtWallMs = this.readyAtWallMs;
      this.trace.note(0, `ready: ${this.cluster.nodes.length} nodes formed in ${this.formation.readyMs} ms`);
      const misordered = Steerer.idOrderMismatch(
        this.input.options.steering,
        (name) => this.cluster.nodes.find((node) => node.name === name)?.id ?? null,
      );
      if (misordered !== null) {
        // Confirm forms the cluster again: random ids decide a collision the simulator decided otherwise.
        this.trace.note(0, `steering: ${misordered}`);
        this.stop('steering');
        throw new StopRun();
      }
      this.input.options.onEvent?.({ kind: 'ready', atMs: 0, nodes: this.cluster.nodes.length });
      this.input.onReady?.(this.cluster.nodes.length);
      await this.startObserving();
      await this.walkPlan();
      await this.check();
    } catch (error) {
      if (this.pollError !== null) throw this.pollError;
      if (!(error instanceof StopRun) && !this.controller.signal.aborted) throw error;
      if (this.stopReason === null) throw error;
    }
    if (this.pollError !== null) throw this.pollError;
  }

  private async startObserving(): Promise<void> {
    await this.poller.followNewLogs();
    await this.poller.pollOnce(false);
    if (this.scenario.workload !== null) {
      const waitTimeoutMs = Math.min(this.scenario.cluster.nodeTimeoutMs, 1000);
      this.workload = new WorkloadClient(
        this.cluster,
        this.scenario.workload,
        rngFor(this.scenario.seed).fork('workload'),
        {
          nowMs: () => this.nowMs(),
          emit: (event) => this.emit(event),
          nameOfId: (id) => this.observer.nameOfId(id),
          holdersOf: (name) => this.holdersOf(name),
          unreadable: (key, message) =>
            this.setViolation(
              finding(
                'acked-writes-durable',
                'read=unavailable',
                `${message}: the acknowledged key ${key} could not be read after the cluster converged`,
                [],
              ),
              this.nowMs(),
            ),
          ownerDown: (key) => keyOwnerIsDown(this.cluster, this.observer, key),
          signal: this.controller.signal,
        },
        waitTimeoutMs,
      );
      this.workload.start();
    }
    this.pollLoop = this.pollForever();
  }

  /**
   * Each phase at its time on the plan's clock (core/scenario/plan.ts, as the simulator keeps it):
   * a `wait` holds the rest of the plan for as long as it waited, and a phase that a slow step made
   * overdue moves every later phase by its delay, so steps keep their spacing.
   */
  private async walkPlan(): Promise<void> {
    const runner = new StepRunner(this.stepContext());
    this.runner = runner;
    // Offsets count from ready (nowMs() is 0 there).
    const clock = new PlanClock(0);
    let previousEndMs = 0;
    const steering = this.input.options.steering;
    const steerer =
      steering === undefined
        ? null
        : new Steerer(
            steering,
            this.cluster.network,
            this.plan.phases,
            (line) => this.trace.note(this.nowMs(), line),
            this.controller.signal,
          );
    for (const [index, phase] of this.plan.phases.entries()) {
      // Late only because the step before it took time: a few ms of timer jitter move nothing.
      if (previousEndMs > clock.dueMs(phase.atMs)) clock.ranLate(phase.atMs, previousEndMs);
      const dueMs = clock.dueMs(steerer === null ? phase.atMs : steerer.atMs(index, phase.atMs));
      await this.sleepUntil(dueMs);
      await steerer?.before(index);
      if (steerer !== null) this.steeredLateMs = Math.max(this.steeredLateMs, this.nowMs() - dueMs);
      this.countStep();
      const startedMs = this.nowMs();
      this.recorder?.builder.plan(this.nowMs(), phase.faultId, phase.phase === 'start' ? 0 : 1, phase.step.action);
      await runner.apply(phase);
      if (phase.step.action === 'wait' && phase.phase === 'start') clock.holdFor(this.nowMs() - startedMs);
      previousEndMs = this.nowMs();
      await steerer?.after(index);
    }
    await this.sleepUntil(clock.dueMs(this.plan.quietAtMs));
  }

  /** Quiet: heal, stop writes, wait for convergence, read back. */
  private async check(): Promise<void> {
    if (!this.cluster.network.isHealed) this.cluster.network.clear();
    this.healedAtMs = this.nowMs();
    this.emit({ kind: 'healed', atMs: this.healedAtMs });
    await this.workload?.stop();
    // The first convergence check comes a settle time after the heal, as on the simulator (core's
    // run lifecycle: a check at once may pass before a late election breaks it); the safety checks
    // go on meanwhile. Under confirm's steering, moved by as much as a gate held a phase back, so
    // the check keeps its distance from it.
    const window = convergenceWindow(this.scenario);
    const steering = this.input.options.steering;
    const settleMs = (steering?.settleMs ?? window.firstCheckMs) + (steering !== undefined ? this.steeredLateMs : 0);
    if (settleMs > 0) {
      this.trace.note(this.nowMs(), `settle: first convergence check ${settleMs} ms after the heal`);
      await this.sleep(settleMs);
    }
    // From here the convergence loop polls; the background loop would only double the load.
    this.checking = true;
    const timeoutMs = Math.max(0, window.deadlineMs - settleMs);
    const broken = await this.convergence(timeoutMs, true);
    if (broken !== null) {
      this.setViolation(broken, this.nowMs());
      throw new StopRun();
    }
    this.convergedAtMs = this.nowMs();
    this.trace.note(this.convergedAtMs, 'converged');
    this.input.options.onEvent?.({ kind: 'converged', atMs: this.nowMs() });
    await this.workload?.readBack();
    if (this.stopReason !== null) throw new StopRun();
  }

  /**
   * Polls until no convergence invariant is broken; the last finding otherwise. Data digests
   * (replicas-consistent) only once the writes have stopped: under load a replica is always a
   * few writes behind, so a `wait` step mid-run leaves them out.
   */
  private async convergence(timeoutMs: number, withDigest: boolean): Promise<Finding | null> {
    const deadlineMs = this.nowMs() + timeoutMs;
    let found: Finding | null = null;
    for (;;) {
      await this.poller.pollOnce(withDigest);
      found =
        checkConvergence({ scenario: this.scenario, views: this.poller.views, events: this.events }) ??
        unresponsiveFinding(this.poller.views.at(-1)!);
      if (found === null || this.nowMs() >= deadlineMs) return found;
      await this.sleep(POLL_INTERVAL_MS);
    }
  }

  /** The background loop; an error in it (a bug of ours) stops the run and is rethrown by run(). */
  private async pollForever(): Promise<void> {
    while (!this.controller.signal.aborted) {
      await this.sleep(POLL_INTERVAL_MS).catch(() => {});
      if (this.controller.signal.aborted) return;
      if (this.checking) continue;
      try {
        await this.poller.pollOnce(false);
      } catch (error) {
        if (error instanceof StopRun) return;
        this.pollError = error;
        this.controller.abort();
        return;
      }
    }
  }

  /** Appends an event (times kept in order), traces it and runs the safety checks on it. */
  private emit(event: ObservedEvent): void {
    const atMs = Math.max(event.atMs, this.lastEventAtMs);
    const stamped = { ...event, atMs } as ObservedEvent;
    this.lastEventAtMs = atMs;
    this.events.push(stamped);
    this.trace.event(stamped);
    if (stamped.kind !== 'write-acked') this.input.options.onEvent?.(stamped);
    this.recorder?.builder.event(stamped);
    const finding = this.monitor.observe(stamped);
    if (finding !== null) this.setViolation(finding, atMs);
  }

  private setViolation(finding: Finding, atMs: number): void {
    if (this.violation !== null) return;
    this.violation = { ...finding, step: this.steps, timeMs: atMs };
    this.trace.note(atMs, `violation ${finding.invariant}: ${finding.message}`);
    this.stop('violation');
  }

  private stop(reason: 'violation' | 'aborted' | 'max-steps' | 'steering'): void {
    if (this.stopReason === null) this.stopReason = reason;
    this.controller.abort();
  }

  private countStep(): void {
    this.steps++;
    if (this.steps >= this.input.options.maxSteps) {
      this.stop('max-steps');
      throw new StopRun();
    }
  }

  private stepContext(): StepContext {
    return {
      scenario: this.scenario,
      cluster: this.cluster,
      observer: this.observer,
      targetRng: rngFor(this.scenario.seed).fork('targets'),
      nowMs: () => this.nowMs(),
      emit: (event) => this.emit(event),
      keepsDataAcrossKill: keepsDataAcrossKill(this.scenario.cluster),
      waitUntilConverged: async (timeoutMs) => (await this.convergence(timeoutMs, this.workload === null)) === null,
      signal: this.controller.signal,
    };
  }

  /** The shard of a primary (it and its replicas), by its own latest report. */
  private holdersOf(primaryName: string): string[] {
    const report = this.observer.lastReportOf(primaryName);
    if (report === undefined) return [primaryName];
    const replicas = report.peers
      .filter((peer) => peer.replicaOf === report.id)
      .map((peer) => this.observer.nameOfId(peer.id));
    return [primaryName, ...replicas];
  }

  private nowMs(): number {
    return Date.now() - this.readyAtWallMs;
  }

  private async sleepUntil(atMs: number): Promise<void> {
    const waitMs = atMs - this.nowMs();
    if (waitMs > 0) await this.sleep(waitMs);
  }

  /** A sleep that ends early (throwing StopRun) when the run stops. */
  private sleep(ms: number): Promise<void> {
    return abortableSleep(this.controller.signal, ms);
  }

  /** Where to keep the node folders: beside the crash file for a violation, or when asked to. */
  private keepFolder(): string | undefined {
    const base = this.input.options.artifactsDir ?? this.input.defaultArtifactsDir;
    if (this.violation !== null) {
      return join(base, crashFileName(this.violation.fingerprint, this.scenario.seed).replace(/\.json$/, ''));
    }
    if (this.input.options.keepFiles)
      return join(base, `run-${this.scenario.scenarioId}-${this.scenario.seed}-${Date.now()}`);
    return undefined;
  }

  private result(artifactsDir: string | null): RunResult {
    const verdict = runVerdict(this.violation !== null, this.stopReason);
    const counters = this.cluster.counters;
    return {
      scenarioId: this.scenario.scenarioId,
      backend: 'real',
      seed: this.scenario.seed,
      verdict,
      steps: this.steps,
      simTimeMs: this.readyAtWallMs === 0 ? 0 : this.nowMs(),
      traceHash: this.trace.digest(),
      violation: this.violation,
      traceTail: this.trace.tail(),
      server: { binary: this.cluster.server.binary, version: this.cluster.server.version },
      nodeStatus:
        this.poller.views.length === 0
          ? []
          : statusLines(this.poller.views.at(-1)!, (id) => this.observer.nameOfId(id)),
      messages: counters.messages,
      stats: {
        formation_ms: this.formation?.readyMs ?? -1,
        healed_at_ms: this.healedAtMs,
        converged_at_ms: this.convergedAtMs,
        polls: this.poller.polls,
        events: this.events.length,
        dropped_messages: counters.dropped,
        delayed_messages: counters.delayed,
        stalled_messages: counters.stalled,
        writes_attempted: this.workload?.counts.attempted ?? 0,
        writes_acked: this.workload?.counts.acked ?? 0,
        writes_lost: this.workload?.counts.lost ?? 0,
        max_steps_reached: this.stopReason === 'max-steps' ? 1 : 0,
        steering_mismatch: this.stopReason === 'steering' ? 1 : 0,
        unexpected_exits: this.poller.unexpectedExits,
      },
      artifactsDir,
      ...(this.recorder === null ? {} : { record: this.recorder.builder }),
      ...this.runner?.time.skewReport(),
    };
  }
}
