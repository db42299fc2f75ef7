/**
 * Fidelity of the simulator to real valkey-server 8.0.1 (protocol reference §9.2): failover times
 * over many seeds next to the real figures of shared/spec/real-timings.md, and the final topology of
 * kill-primary on both backends.
 *
 * Rows (3 x 1 on loopback, as the real measurements were taken):
 * - SIGKILL of shard 0's primary until a third node lists its replica as the primary owning the
 *   slots, for node_timeout 1000 / ping interval 100, 1000 / default (node_timeout/2), 3000 / 100;
 * - SIGSTOP of shard 0's primary (1000 / default), same end point;
 * - CLUSTER FAILOVER (default mode, 1000 / 100, clients writing) until the replica won.
 *
 *   npx tsx bench/fidelity.ts [--seeds N] [--real [TRIALS]] [--proxied]
 *
 * With --real, every row is also run TRIALS times (default 5) on live valkey-server processes in the
 * same run, and those figures replace the recorded ones: the kill and pause rows as
 * bench/fidelity-real.ts measures them (plain servers formed by valkey-cli, then the fault and a
 * 10 ms poll of a third node's CLUSTER NODES; with --proxied, the real backend's formation and
 * fault proxies instead), the manual failover on the real backend.
 *
 * Why bare by default: the real backend's bus proxy outlives its node and accepts a connection to
 * a dead one (then closes it), so Valkey's clusterLinkConnectHandler sends a PING on it and sets
 * ping_sent at the first reconnect, ~100 ms after a SIGKILL. On bare loopback the connect is
 * refused (asynchronously: EINPROGRESS, then the RST), the handler frees the link without a PING,
 * and ping_sent is set only when the cron's ping-interval loop pings the connecting link. With the
 * default ping interval (node_timeout/2) that is up to 500 ms later, and so is PFAIL.
 * The real manual failover is timed on the replica's own log, from "Manual failover user request
 * accepted" (logged by the command, whose reply is written in the same event-loop pass) to
 * "Failover election won": the backend's trace times log events no earlier than the events it
 * already emitted (real-run.ts keeps times in order), which put the win up to a poll late.
 */
import { loadScenarioFile, loadScenarioText } from '../core/dsl/index.ts';
import type { ObservedEvent } from '../core/events.ts';
import type { Scenario } from '../core/scenario/types.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLogLine } from '../real/log-watcher.ts';
import { measureRealFailover, type RealFailoverRow, type RealSetup } from './fidelity-real.ts';
import { summarize } from '../sim/failover-timing.ts';
import { SimRun } from '../sim/runner.ts';
import * as valkey from '../sim/valkey/index.ts';

interface Row {
  title: string;
  /** What is timed, from the fault to the end point. */
  scenario: (seed: number) => Scenario;
  endPoint: 'third-node-sees-owner' | 'election-won';
  /** Real valkey-server 8.0.1 trials, in seconds; empty when not measured. */
  real: number[];
  /** How `--real` measures the row on live servers (kill/pause rows; the manual failover has its own). */
  live?: RealFailoverRow;
  realSource: string;
}

const args = process.argv.slice(2);
const seeds = Number(flagValue('--seeds') ?? 50);
const realTrials = args.includes('--real') ? Number(flagValue('--real') ?? 5) : 0;
/** Kill and pause rows on plain servers (the comparison), or with --proxied through the real backend's proxies. */
const realSetup: RealSetup = args.includes('--proxied') ? 'proxied' : 'bare';

function flagValue(flag: string): string | undefined {
  const index = args.indexOf(flag);
  const next = index >= 0 ? args[index + 1] : undefined;
  return next !== undefined && !next.startsWith('--') ? next : undefined;
}

function killPrimary(
  nodeTimeoutMs: number,
  pingIntervalMs: number,
  action: 'kill' | 'pause',
): (seed: number) => Scenario {
  const fault =
    action === 'kill'
      ? 'action: kill\n    target: shard-0-primary'
      : 'action: pause\n    target: shard-0-primary\n    duration: 20s';
  return (seed) =>
    loadScenarioText(`scenario_id: fidelity-${action}
seed: ${seed}
cluster:
  num_shards: 3
  replicas_per_shard: 1
  node_timeout: ${nodeTimeoutMs}ms
  ping_interval: ${pingIntervalMs}ms
timeline:
  - at: 1s
    ${fault}
validation:
  convergence_timeout: 30s
`);
}

/**
 * scenarios/action-failover.yaml plus a harmless step at 3 s: the real backend checks convergence
 * as soon as the plan is quiet, which would end the run before the manual failover completes.
 */
function manualFailover(seed: number): Scenario {
  const scenario = loadScenarioFile(new URL('../scenarios/action-failover.yaml', import.meta.url).pathname);
  return {
    ...scenario,
    seed,
    timeline: [...scenario.timeline, { atMs: 3000, action: 'kill_links', target: 'node-5' }],
  };
}

/**
 * Real manual-failover trials (command to "Failover election won", both from the replica's log),
 * measured with `--real` on the 2-core development machine (valkey-server 8.0.1, load ~1). The
 * figures recorded before (0.02-0.11 s) were the trace's times, which a log poll puts late.
 */
const REAL_MANUAL_FAILOVER_S: number[] = [
  0.005, 0.002, 0.003, 0.005, 0.003, 0.006, 0.005, 0.003, 0.004, 0.003, 0.003, 0.003,
];

const ROWS: Row[] = [
  {
    title: 'SIGKILL, node_timeout 1000, ping 100',
    scenario: killPrimary(1000, 100, 'kill'),
    live: { nodeTimeoutMs: 1000, pingIntervalMs: 100, action: 'kill' },
    endPoint: 'third-node-sees-owner',
    real: [2.3, 2.0, 2.24, 2.32, 2.28],
    realSource: 'real-timings.md',
  },
  {
    title: 'SIGKILL, node_timeout 1000, ping default',
    scenario: killPrimary(1000, 0, 'kill'),
    live: { nodeTimeoutMs: 1000, pingIntervalMs: 0, action: 'kill' },
    endPoint: 'third-node-sees-owner',
    real: [2.24, 2.63, 2.85],
    realSource: 'real-timings.md',
  },
  {
    title: 'SIGKILL, node_timeout 3000, ping 100',
    scenario: killPrimary(3000, 100, 'kill'),
    live: { nodeTimeoutMs: 3000, pingIntervalMs: 100, action: 'kill' },
    endPoint: 'third-node-sees-owner',
    real: [3.99, 4.28],
    realSource: 'real-timings.md',
  },
  {
    title: 'SIGSTOP, node_timeout 1000, ping default',
    scenario: killPrimary(1000, 0, 'pause'),
    live: { nodeTimeoutMs: 1000, pingIntervalMs: 0, action: 'pause' },
    endPoint: 'third-node-sees-owner',
    real: [2.5],
    realSource: 'real-timings.md (one trial, ~2.5 s)',
  },
  {
    title: 'CLUSTER FAILOVER (default), nt 1000, ping 100',
    scenario: manualFailover,
    endPoint: 'election-won',
    real: REAL_MANUAL_FAILOVER_S,
    realSource: 'recorded with --real, 12 trials, load ~1',
  },
];

/** Simulated ms from the row's fault to its end point; null if never reached. */
function simulate(row: Row, seed: number): number | null {
  const run = new SimRun(row.scenario(seed), { keepEvents: true });
  let faultAtMs = -1;
  const world = run.world;
  while (!run.done && world.steps < 5_000_000) {
    run.runSteps(world.steps + 1);
    if (faultAtMs < 0) {
      const fault = run.events.find(
        (e) => e.kind === 'fault' && (e.action === 'kill' || e.action === 'pause' || e.action === 'failover'),
      );
      if (fault === undefined) continue;
      faultAtMs = fault.atMs;
    }
    if (row.endPoint === 'election-won') {
      const won = run.events.find((e) => e.kind === 'election-won');
      if (won !== undefined) return won.atMs - faultAtMs;
    } else if (thirdNodeSeesReplicaOwning(run)) {
      return world.nowMs - faultAtMs;
    }
  }
  return null;
}

/** node-4 (shard 2's primary) lists node-1 as a primary that owns shard 0's first slot. */
function thirdNodeSeesReplicaOwning(run: SimRun): boolean {
  const observer = run.world.processes[4]!.server;
  const replica = run.world.processes[1]!.server;
  if (observer === null || replica === null) return false;
  const owner = observer.ownerOf(0);
  return owner !== null && owner !== undefined && owner.identity === replica.myself.identity && valkey.isPrimary(owner);
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function realSummary(values: readonly number[]): string {
  if (values.length === 0) return 'missing';
  const sorted = [...values].sort((a, b) => a - b);
  const median = summarize(values).p50;
  return `${sorted[0]!.toFixed(3)}-${sorted[sorted.length - 1]!.toFixed(3)} s, median ${median.toFixed(3)} (${values.map((v) => v.toFixed(3)).join(', ')})`;
}

async function measureReal(trials: number): Promise<{ manualFailoverS: number[]; topology: string[] }> {
  const { createRealBackend } = await import('../real/index.ts');
  const backend = createRealBackend();
  const manualFailoverS: number[] = [];
  let topology: string[] = [];
  try {
    for (let index = 0; index < trials; index++) {
      let trial: { seconds: number; steps: string } | null = null;
      await backend.run(manualFailover(index + 1), {
        maxSteps: 1_000_000,
        // The run's folders are gone after it: read the logs while it runs, at the win.
        onTraceLine: (line) => {
          if (trial === null && / election-won /.test(line)) trial = manualFailoverFromLogs();
        },
      });
      const measured = trial as { seconds: number; steps: string } | null;
      if (measured !== null) manualFailoverS.push(measured.seconds);
      console.log(
        `  real manual failover, trial ${index + 1}: ${measured === null ? 'not seen in the logs' : `${measured.seconds.toFixed(3)} s (replica log, ms: ${measured.steps})`}`,
      );
    }
    const lines: string[] = [];
    const scenario = loadScenarioFile(new URL('../scenarios/kill-primary.yaml', import.meta.url).pathname);
    const result = await backend.run(scenario, { maxSteps: 1_000_000, onTraceLine: (line) => lines.push(line) });
    topology = [`verdict ${result.verdict}`, ...finalTopologyFromLines(lines)];
  } finally {
    await backend.close();
  }
  return { manualFailoverS, topology };
}

/**
 * Seconds from "Manual failover user request accepted" to the "Failover election won" after it,
 * in the log of the node that won last (a host of an earlier run may linger); null if no log of
 * this process's farm shows both. The farm folders are busfuzz-real-* in the temporary directory,
 * each with owner.pid and host-N/server.log.
 */
function manualFailoverFromLogs(): { seconds: number; steps: string } | null {
  let latest: { wonAtMs: number; seconds: number; steps: string } | null = null;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('busfuzz-real-')) continue;
    const root = join(tmpdir(), name);
    try {
      if (Number(readFileSync(join(root, 'owner.pid'), 'utf8')) !== process.pid) continue;
    } catch {
      continue;
    }
    for (const host of readdirSync(root)) {
      let text: string;
      try {
        text = readFileSync(join(root, host, 'server.log'), 'utf8');
      } catch {
        continue;
      }
      let acceptedAtMs: number | null = null;
      let steps: string[] = [];
      for (const raw of text.split('\n')) {
        const line = parseLogLine(raw);
        if (line === null) continue;
        if (line.message.startsWith('Manual failover user request accepted')) {
          acceptedAtMs = line.wallMs;
          steps = [];
        } else if (acceptedAtMs !== null && MF_STEPS.some((step) => line.message.startsWith(step))) {
          steps.push(`+${line.wallMs - acceptedAtMs} ${line.message.slice(0, 40)}`);
        }
        if (
          acceptedAtMs !== null &&
          line.message.startsWith('Failover election won') &&
          (latest === null || line.wallMs > latest.wonAtMs)
        ) {
          latest = { wonAtMs: line.wallMs, seconds: (line.wallMs - acceptedAtMs) / 1000, steps: steps.join('; ') };
        }
      }
    }
  }
  return latest === null ? null : { seconds: latest.seconds, steps: latest.steps };
}

/** The replica's log lines of a default manual failover, in order, after the command. */
const MF_STEPS = [
  'Received replication offset for paused',
  'All primary replication stream processed',
  'Starting a failover election',
  'Failover election won',
];

/** Each node's last node-state in a real trace: `node-K role primary slots`. */
function finalTopologyFromLines(lines: readonly string[]): string[] {
  const last = new Map<string, string>();
  for (const line of lines) {
    const match = / node-state node=(\S+) (?:id=\S+ )?role=(\S+) primary=(\S+) .*slotCount=(\d+)/.exec(line);
    if (match) last.set(match[1]!, `${match[1]} ${match[2]} of=${match[3]} slots=${match[4]}`);
  }
  return [...last.keys()].sort().map((name) => last.get(name)!);
}

function finalTopologyOfEvents(events: readonly ObservedEvent[]): string[] {
  const last = new Map<string, string>();
  for (const event of events) {
    if (event.kind === 'node-state')
      last.set(event.node, `${event.node} ${event.role} of=${event.primary ?? 'null'} slots=${event.slotCount}`);
  }
  return [...last.keys()].sort().map((name) => last.get(name)!);
}

async function main(): Promise<void> {
  let realTopology: string[] | null = null;
  if (realTrials > 0) {
    const measured = await measureReal(realTrials);
    REAL_MANUAL_FAILOVER_S.splice(0, REAL_MANUAL_FAILOVER_S.length, ...measured.manualFailoverS);
    ROWS[ROWS.length - 1]!.realSource = `measured now, ${measured.manualFailoverS.length} trials`;
    realTopology = measured.topology;
    for (const row of ROWS) {
      if (row.live === undefined) continue;
      const live = await measureRealFailover(row.live, realTrials, realSetup, (line) => console.log(line));
      row.real = live.seconds;
      row.realSource = `measured now (${realSetup}), ${live.seconds.length} trials${live.missed > 0 ? `, ${live.missed} without failover` : ''}`;
    }
  }
  console.log(`fault -> failover on the simulator (${seeds} seeds) next to real valkey-server 8.0.1`);
  console.log(
    `${'row'.padEnd(48)} ${'sim min'.padStart(8)} ${'p10'.padStart(6)} ${'p50'.padStart(6)} ${'p90'.padStart(6)} ${'max'.padStart(6)}   real`,
  );
  const outside: string[] = [];
  for (const row of ROWS) {
    const times: number[] = [];
    let missed = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const ms = simulate(row, seed);
      if (ms === null) missed++;
      else times.push(ms);
    }
    const stats = summarize(times);
    const realMid = row.real.length === 0 ? null : summarize(row.real.map((s) => s * 1000)).p50;
    const off =
      realMid === null ? '' : `  sim p50 ${(((stats.p50 - realMid) / realMid) * 100).toFixed(0)}% vs real median`;
    const p10 = [...times].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.1 * times.length) - 1)]!;
    const cells = [stats.min, p10, stats.p50, stats.p90, stats.max]
      .map((ms, i) => seconds(ms).padStart(i === 0 ? 8 : 6))
      .join(' ');
    console.log(
      `${row.title.padEnd(48)} ${cells}   ${realSummary(row.real)} [${row.realSource}]${off}${missed > 0 ? `  (no failover in ${missed} runs)` : ''}`,
    );
    if (realMid !== null && Math.abs(stats.p50 - realMid) > 0.2 * realMid) outside.push(row.title);
  }
  console.log(
    outside.length === 0
      ? `every row's sim p50 within 20% of the real median`
      : `outside 20% of the real median: ${outside.join('; ')}`,
  );
  if (outside.length > 0) process.exitCode = 1;
  const simRun = new SimRun(loadScenarioFile(new URL('../scenarios/kill-primary.yaml', import.meta.url).pathname));
  simRun.runSteps(5_000_000);
  console.log('\nkill-primary, final topology (last node-state of each node):');
  console.log(
    `  sim  (${simRun.violation === null ? 'pass' : simRun.violation.fingerprint}): ${finalTopologyOfEvents(simRun.events).join('; ')}`,
  );
  console.log(`  real: ${realTopology === null ? 'not run (use --real)' : realTopology.join('; ')}`);
}

await main();
