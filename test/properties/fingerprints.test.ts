/**
 * Fingerprints name a cause, never an instance: whatever finding any invariant makes on the views
 * and events of a simulated cluster in the middle of random faults, its fingerprint is
 * `<invariant>/<shape>` with no node name, no node id, and no number of two digits or more (no
 * time, step, epoch, offset or port). Findings are collected by running every invariant's pure
 * check (safety and convergence alike) after each command of a random sequence, while faults are
 * still active, so most checks do find something.
 *
 * The "fails when" tests build fingerprints that carry the first node, or the time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INVARIANTS } from '../../core/invariants/index.ts';
import type { ClusterView } from '../../core/view.ts';
import type { Finding } from '../../core/violation.ts';
import { buildClusterView, SimRun } from '../../sim/index.ts';
import { commandCaseArbitrary, scenarioOfCommands } from './cluster-driver.ts';
import { expectPropertyFails, fcParams, seeded } from '../fc-config.ts';

/** How a fingerprint is made from a finding: as built (the real one), or a broken variant. */
type FingerprintOf = (found: Finding, view: ClusterView) => string;

const asBuilt: FingerprintOf = (found) => found.fingerprint;

/** Every finding of every invariant after each command window, with the view it was made on. */
function findingsDuring(
  ...[shape, seed, commands]: Parameters<typeof scenarioOfCommands>
): Array<{ found: Finding; view: ClusterView }> {
  const { scenario, commandCount } = scenarioOfCommands(shape, seed, commands, { convergenceTimeoutMs: 1000 });
  const run = new SimRun(scenario, {});
  while (run.readyAtMs < 0) run.world.step();
  const readyView = buildClusterView(run.world);
  const out: Array<{ found: Finding; view: ClusterView }> = [];
  for (let index = 0; index < commandCount && !run.done; index++) {
    run.runUntilMs(run.readyAtMs + (scenario.timeline[index + 1]?.atMs ?? scenario.timeline[index]!.atMs) + 500);
    const view = buildClusterView(run.world);
    for (const invariant of INVARIANTS) {
      const found = invariant.check({ scenario, views: [readyView, view], events: run.events });
      if (found !== null) out.push({ found, view });
    }
  }
  return out;
}

function idFreeProblems(fingerprint: string, found: Finding, view: ClusterView): string[] {
  const problems: string[] = [];
  if (!fingerprint.startsWith(`${found.invariant}/`) || fingerprint.length === found.invariant.length + 1)
    problems.push('not <invariant>/<shape>');
  if (/node-\d/.test(fingerprint)) problems.push('a node name');
  if (/\d{2,}/.test(fingerprint)) problems.push('a number of two digits or more');
  for (const node of view.nodes) {
    const id = node.report?.id;
    if (id !== undefined && fingerprint.includes(id.slice(0, 8))) problems.push(`the id of ${node.name}`);
  }
  return problems;
}

function idFreeProperty(fingerprintOf: FingerprintOf, onFindings: (count: number) => void = () => {}) {
  return fc.property(commandCaseArbitrary(), ([shape, seed, commands]) => {
    const findings = findingsDuring(shape, seed, commands);
    onFindings(findings.length);
    for (const { found, view } of findings) {
      const fingerprint = fingerprintOf(found, view);
      const problems = idFreeProblems(fingerprint, found, view);
      if (problems.length > 0)
        throw new Error(`fingerprint ${fingerprint} carries ${problems.join(', ')} (${found.message})`);
    }
  });
}

describe(seeded('fingerprints carry no ids, names or times'), () => {
  it('every finding of every invariant during random faults has an id-free <invariant>/<shape> fingerprint', () => {
    let findings = 0;
    fc.assert(
      idFreeProperty(asBuilt, (count) => {
        findings += count;
      }),
      fcParams(40),
    );
    // Guards against sequences that never break anything: mid-fault views break plenty.
    expect(findings).toBeGreaterThan(0);
  });

  it('the property fails when the fingerprint names the first node', () => {
    const details = expectPropertyFails(
      idFreeProperty((found) => `${found.fingerprint},first=${found.nodes[0] ?? 'none'}`),
      40,
    );
    expect(String(details.errorInstance)).toMatch(/carries a node name/);
  });

  it('the property fails when the fingerprint carries the time', () => {
    const details = expectPropertyFails(
      idFreeProperty((found, view) => `${found.fingerprint},at=${view.atMs}`),
      40,
    );
    expect(String(details.errorInstance)).toMatch(/two digits or more/);
  });
});
