/**
 * Agreement between the backends (interface page: the sim and real backends share one DSL and
 * invariants): N generated scenarios, each run once on the
 * simulator and once on live valkey-server processes, compared by outcome class:
 * - formation (the run got past forming the cluster),
 * - the final primary of each shard, by creation name (the last node-state events: who claims
 *   slots with the highest configEpoch for each shard's slot range),
 * - slots per shard (the slot count of that primary),
 * - failovers (election-won events, as a count),
 * - verdict and fingerprint.
 * Prints the agreement rate and, for every disagreement, both runs' key events (faults, elections,
 * role changes, the violation).
 *
 *   npx tsx bench/agreement.ts [--n 50] [--seed 1] [--max-nodes 12]
 *
 * Generated scenarios larger than --max-nodes are skipped (and counted): each real node is a
 * process, and the machine is shared. Real runs go one at a time. A run takes the scenario's own
 * length in wall time on the real backend (tens of seconds), so 50 scenarios take most of an hour.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../core/backend.ts';
import { generateScenario } from '../core/generator.ts';
import type { Scenario } from '../core/scenario/types.ts';
import { createRealBackend } from '../real/index.ts';
import { createSimBackend } from '../sim/index.ts';

const args = process.argv.slice(2);
const count = Number(flagValue('--n') ?? 50);
const firstSeed = Number(flagValue('--seed') ?? 1);
const maxNodes = Number(flagValue('--max-nodes') ?? 12);
const MAX_STEPS = 1_000_000;

function flagValue(flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

interface Outcome {
  formed: boolean;
  /** Per shard (by the shard its first primary was created in): final primary and its slots. */
  primaries: string[];
  slots: number[];
  failovers: number;
  verdict: string;
  fingerprint: string | null;
  keyEvents: string[];
}

const STATE =
  /^(\d+(?:\.\d+)?)ms node-state node=(node-\d+) role=(\S+) primary=\S+ currentEpoch=\d+ configEpoch=(\d+) slotCount=(\d+)/;
const KEY = /(fault action=|election-won|violation|node-state .*role=primary .*slotCount=[1-9]|ready:|converged)/;

function outcomeOf(scenario: Scenario, result: RunResult, lines: string[]): Outcome {
  const last = new Map<string, { role: string; configEpoch: number; slots: number }>();
  let failovers = 0;
  for (const line of lines) {
    const match = STATE.exec(line);
    if (match) last.set(match[2]!, { role: match[3]!, configEpoch: Number(match[4]), slots: Number(match[5]) });
    if (line.includes(' election-won ')) failovers++;
  }
  const { numShards, replicasPerShard } = scenario.cluster;
  const primaries: string[] = [];
  const slots: number[] = [];
  for (let shard = 0; shard < numShards; shard++) {
    // The shard's nodes by creation: its first primary and the replicas created after it.
    const members = Array.from(
      { length: 1 + replicasPerShard },
      (_, k) => `node-${shard * (1 + replicasPerShard) + k}`,
    );
    const owners = members.filter((name) => last.get(name)?.role === 'primary' && (last.get(name)?.slots ?? 0) > 0);
    owners.sort((a, b) => last.get(b)!.configEpoch - last.get(a)!.configEpoch);
    primaries.push(owners[0] ?? '-');
    slots.push(owners[0] === undefined ? 0 : last.get(owners[0])!.slots);
  }
  return {
    formed:
      lines.some((line) => / ready: |formation step|process running/.test(line)) &&
      (result.stats.formation_ms ?? 0) >= 0,
    primaries,
    slots,
    failovers,
    verdict: result.verdict,
    fingerprint: result.violation?.fingerprint ?? null,
    keyEvents: lines.filter((line) => KEY.test(line) && !line.includes('formation step')).slice(-40),
  };
}

function differences(sim: Outcome, real: Outcome): string[] {
  const out: string[] = [];
  if (sim.formed !== real.formed) out.push(`formation: sim ${sim.formed}, real ${real.formed}`);
  if (sim.primaries.join() !== real.primaries.join())
    out.push(`final primaries: sim [${sim.primaries.join(', ')}], real [${real.primaries.join(', ')}]`);
  if (sim.slots.join() !== real.slots.join())
    out.push(`slots per shard: sim [${sim.slots.join(', ')}], real [${real.slots.join(', ')}]`);
  if (sim.failovers !== real.failovers) out.push(`failovers: sim ${sim.failovers}, real ${real.failovers}`);
  if (sim.verdict !== real.verdict) out.push(`verdict: sim ${sim.verdict}, real ${real.verdict}`);
  if (sim.fingerprint !== real.fingerprint)
    out.push(`fingerprint: sim ${sim.fingerprint ?? '-'}, real ${real.fingerprint ?? '-'}`);
  return out;
}

async function main(): Promise<void> {
  const sim = createSimBackend();
  const real = createRealBackend({ spares: 'never' });
  // Node logs of real violations land here and go with the process: the key events are printed.
  const artifactsDir = mkdtempSync(join(tmpdir(), 'busfuzz-agreement-'));
  let compared = 0;
  let agreed = 0;
  let skipped = 0;
  try {
    for (let seed = firstSeed; compared < count; seed++) {
      const scenario = generateScenario(seed);
      const nodes = scenario.cluster.numShards * (1 + scenario.cluster.replicasPerShard);
      if (nodes > maxNodes || scenario.timeline.some((step) => step.action === 'add_node')) {
        skipped++;
        continue;
      }
      const simLines: string[] = [];
      const simResult = await sim.run(scenario, { maxSteps: MAX_STEPS, onTraceLine: (line) => simLines.push(line) });
      const realLines: string[] = [];
      const startedMs = Date.now();
      const realResult = await real.run(scenario, {
        maxSteps: MAX_STEPS,
        onTraceLine: (line) => realLines.push(line),
        artifactsDir,
      });
      const simOutcome = outcomeOf(scenario, simResult, simLines);
      const realOutcome = outcomeOf(scenario, realResult, realLines);
      const diff = differences(simOutcome, realOutcome);
      compared++;
      if (diff.length === 0) agreed++;
      console.log(
        `seed ${seed} (${nodes} nodes, real ${((Date.now() - startedMs) / 1000).toFixed(0)} s): ${diff.length === 0 ? 'agree' : 'DISAGREE'}` +
          ` (sim ${simOutcome.verdict}${simOutcome.fingerprint ? ` ${simOutcome.fingerprint}` : ''}, real ${realOutcome.verdict}${realOutcome.fingerprint ? ` ${realOutcome.fingerprint}` : ''})`,
      );
      if (diff.length > 0) {
        for (const line of diff) console.log(`  ${line}`);
        console.log('  sim key events:');
        for (const line of simOutcome.keyEvents) console.log(`    ${line}`);
        console.log('  real key events:');
        for (const line of realOutcome.keyEvents) console.log(`    ${line}`);
      }
    }
  } finally {
    await real.close();
    rmSync(artifactsDir, { recursive: true, force: true });
  }
  console.log(
    `agreement: ${agreed}/${compared} (${compared === 0 ? 0 : ((100 * agreed) / compared).toFixed(0)}%), ${skipped} generated scenarios skipped (over ${maxNodes} nodes or adding nodes)`,
  );
}

await main();
