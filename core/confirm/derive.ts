/**
 * Reads the simulator's readable trace of a crash (every line, from the start) and derives:
 * - the targets each plan phase resolved to (`pinTargets`): a real run resolves `random` and
 *   `shard-I-primary` against its own state, and must hit the nodes the simulator hit;
 * - the steering rules (steering.ts) that hold the real run to the message order the simulator
 *   took around the faults that matter:
 *   1. a kill or terminate of T right after T changed state (a bumped epoch): the nodes T reached
 *      in between must hear from T before it dies, and the nodes it did not reach must not;
 *   2. a pause of R during which another node S was promoted: S's fresh PONG must reach R after
 *      its resume before the stale messages S queued for it meanwhile (the "new primary's PONG
 *      before the stale PING" race);
 *   3. every kill loses what a partition holds from the dead node, as in the simulator.
 * Line formats: sim/trace.ts (`plan: kill #3 start`, `fault action=kill nodes=[node-0] ...`,
 * `node-2 <- node-0 ping`, `node-state node=node-0 role=primary ...`).
 */
import { parseTarget } from '../scenario/targets.ts';
import type { Scenario, Step } from '../scenario/types.ts';
import type { SteeringRule } from './steering.ts';

export interface TracePhase {
  /** Index in plan order (the order the simulator applied them). */
  index: number;
  atMs: number;
  action: string;
  faultId: number;
  phase: 'start' | 'end';
  /** Nodes the fault action named (its resolved targets), when the trace says. */
  nodes: string[];
}

interface Delivery {
  atMs: number;
  to: string;
  from: string;
  type: string;
}

interface NodeState {
  atMs: number;
  node: string;
  role: string;
  configEpoch: number;
}

export interface TraceFacts {
  phases: TracePhase[];
  deliveries: Delivery[];
  states: NodeState[];
  nodes: string[];
}

const TIME = /^(\d+(?:\.\d+)?)ms /;
const PLAN = /^plan: (\S+) #(\d+) (start|end)$/;
const FAULT = /^fault action=(\S+) nodes=\[([^\]]*)\]/;
const DELIVERY = /^(node-\d+) <- (node-\d+) ([a-z-]+)$/;
const STATE = /^node-state node=(node-\d+) (?:id=\S+ )?role=(\S+) primary=\S+ currentEpoch=\d+ configEpoch=(\d+)/;
const PROCESS = /^(node-\d+) process /;

export function readTrace(lines: readonly string[]): TraceFacts {
  const phases: TracePhase[] = [];
  const deliveries: Delivery[] = [];
  const states: NodeState[] = [];
  const nodes = new Set<string>();
  let awaitingFault: TracePhase | null = null;
  for (const line of lines) {
    const time = TIME.exec(line);
    if (time === null) continue;
    const atMs = Number(time[1]);
    const rest = line.slice(time[0].length);
    const delivery = DELIVERY.exec(rest);
    if (delivery !== null) {
      deliveries.push({ atMs, to: delivery[1]!, from: delivery[2]!, type: delivery[3]! });
      continue;
    }
    const plan = PLAN.exec(rest);
    if (plan !== null) {
      awaitingFault = {
        index: phases.length,
        atMs,
        action: plan[1]!,
        faultId: Number(plan[2]),
        phase: plan[3] as 'start' | 'end',
        nodes: [],
      };
      phases.push(awaitingFault);
      continue;
    }
    const fault = FAULT.exec(rest);
    if (fault !== null) {
      if (awaitingFault !== null) awaitingFault.nodes = fault[2]!.split(',').filter((name) => name !== '');
      awaitingFault = null;
      continue;
    }
    const state = STATE.exec(rest);
    if (state !== null) {
      states.push({ atMs, node: state[1]!, role: state[2]!, configEpoch: Number(state[3]) });
      continue;
    }
    const processLine = PROCESS.exec(rest);
    if (processLine !== null) nodes.add(processLine[1]!);
  }
  return { phases, deliveries, states, nodes: [...nodes] };
}

const SINGLE_TARGET = new Set([
  'kill',
  'terminate',
  'pause',
  'restart',
  'bump_epoch',
  'failover',
  'kill_links',
  'clock',
  'slow',
]);

/**
 * The scenario with each single-target step that names a shard's primary or replica
 * (`shard-2-primary`: resolved from the cluster's state then) replaced by the node the
 * simulator's start phase resolved it to. `random*` targets stay: the real backend draws them
 * from the same seeded stream, and pinning one would skip its draw and shift every later pick
 * (partition groups and hold pairs, which the trace does not name). `steps` are the plan's steps
 * (timeline plus chaos, by time); the chaos block is replaced by its expansion.
 */
export function pinTargets(scenario: Scenario, steps: readonly Step[], facts: TraceFacts): Scenario {
  const pinned = steps.map((step, faultId) => {
    if (!SINGLE_TARGET.has(step.action) || !('target' in step)) return step;
    const kind = parseTarget(step.target)?.kind;
    if (kind !== 'primary' && kind !== 'replica') return step;
    const start = facts.phases.find((phase) => phase.faultId === faultId && phase.phase === 'start');
    if (start === undefined || start.nodes.length !== 1) return step;
    return { ...step, target: start.nodes[0]! } as Step;
  });
  return { ...scenario, timeline: pinned, chaos: null };
}

const FRESH_TYPES = ['pong'] as const;
const OUTBOUND_TYPES = ['ping', 'meet', 'fail', 'publish', 'auth-req', 'auth-ack', 'update', 'mfstart'] as const;

export function deriveRules(facts: TraceFacts, nodeTimeoutMs: number, numShards = Infinity): SteeringRule[] {
  // A real election is won at the quorum's ack; the simulator's trace may show more acks by then.
  const quorum = Math.floor(numShards / 2) + 1;
  const rules: SteeringRule[] = [];
  for (const phase of facts.phases) {
    if (
      phase.phase !== 'start' ||
      (phase.action !== 'kill' && phase.action !== 'terminate') ||
      phase.nodes.length !== 1
    )
      continue;
    const node = phase.nodes[0]!;
    rules.push({
      kind: 'discard-on-kill',
      phase: phase.index,
      node,
      why: `the simulator loses what a partition holds from ${node} when it dies`,
    });
    rules.push(...newsBeforeDeath(facts, phase, node, nodeTimeoutMs));
  }
  for (const phase of facts.phases) {
    if (phase.phase !== 'start' || phase.action !== 'pause' || phase.nodes.length !== 1) continue;
    rules.push(...freshBeforeStale(facts, phase, phase.nodes[0]!, quorum, nodeTimeoutMs));
  }
  rules.push(...collisionOrder(facts));
  return rules;
}

/**
 * Rule 4: a configEpoch collision between two primaries was resolved in the simulator by the one
 * with the smaller id bumping its epoch (clusterHandleConfigEpochCollision). Seen in the trace as a
 * primary whose configEpoch rose, not by an election or a BUMPEPOCH, from the value another
 * primary held at that moment.
 */
function collisionOrder(facts: TraceFacts): SteeringRule[] {
  const last = new Map<string, NodeState>();
  const rules: SteeringRule[] = [];
  // Formation hands out epochs by its own means (and its collisions are not the scenario's).
  const readyMs = facts.phases[0]?.atMs ?? Infinity;
  for (const state of facts.states) {
    const before = last.get(state.node);
    last.set(state.node, state);
    if (
      state.atMs < readyMs ||
      before === undefined ||
      before.role !== 'primary' ||
      state.role !== 'primary' ||
      state.configEpoch <= before.configEpoch
    )
      continue;
    const bumped = facts.phases.some(
      (phase) =>
        phase.action === 'bump_epoch' && phase.nodes.includes(state.node) && Math.abs(phase.atMs - state.atMs) < 1,
    );
    if (bumped) continue;
    for (const [other, otherState] of last) {
      if (other === state.node || otherState.role !== 'primary' || otherState.configEpoch !== before.configEpoch)
        continue;
      if (rules.some((rule) => rule.kind === 'id-order' && rule.lower === state.node && rule.higher === other))
        continue;
      rules.push({
        kind: 'id-order',
        lower: state.node,
        higher: other,
        why: `${state.node} won the configEpoch ${before.configEpoch} collision with ${other} at ${state.atMs} ms`,
      });
    }
  }
  return rules;
}

/** Rule 1: T changed state shortly before it died; who heard of it first matters. */
function newsBeforeDeath(facts: TraceFacts, phase: TracePhase, node: string, nodeTimeoutMs: number): SteeringRule[] {
  const previous = facts.phases[phase.index - 1];
  if (previous === undefined) return [];
  const fromMs = previous.atMs;
  const toMs = phase.atMs;
  // A long window would make the hold a partition the simulator never had (peers would fail T).
  if (toMs - fromMs > nodeTimeoutMs / 2) return [];
  const changed = facts.states.some((state) => state.node === node && state.atMs >= fromMs && state.atMs <= toMs);
  if (!changed) return [];
  const heard = new Set<string>();
  for (const delivery of facts.deliveries) {
    if (delivery.from === node && delivery.atMs > fromMs && delivery.atMs <= toMs) heard.add(delivery.to);
  }
  const unheard = facts.nodes.filter((other) => other !== node && !heard.has(other));
  const rules: SteeringRule[] = [];
  if (heard.size > 0) {
    rules.push({
      kind: 'gate',
      phase: phase.index,
      from: node,
      to: [...heard].sort(),
      maxWaitMs: nodeTimeoutMs,
      why: `in the simulator ${[...heard].join(', ')} heard ${node}'s new state before its ${phase.action}`,
    });
  }
  if (unheard.length > 0) {
    // Held until T is back (a terminate's shutdown waits for replicas and pings on meanwhile).
    const restart = facts.phases.find((other) => other.faultId === phase.faultId && other.phase === 'end');
    rules.push({
      kind: 'hold',
      startPhase: previous.index,
      endPhase: restart?.index ?? null,
      from: node,
      to: unheard,
      end: 'discard',
      why: `in the simulator ${unheard.join(', ')} never heard ${node}'s new state`,
    });
  }
  return rules;
}

/** Rule 2: S was promoted while R slept; S's fresh PONG reached R before S's stale messages. */
function freshBeforeStale(
  facts: TraceFacts,
  phase: TracePhase,
  sleeper: string,
  quorum: number,
  nodeTimeoutMs: number,
): SteeringRule[] {
  const end = facts.phases.find((other) => other.faultId === phase.faultId && other.phase === 'end');
  if (end === undefined) return [];
  const promoted = new Set<string>();
  const lastRole = new Map<string, string>();
  for (const state of facts.states) {
    // Promoted by an election (it got votes), not made a primary by a RESET or a REPLICATE undone.
    const elected = facts.deliveries.some(
      (delivery) =>
        delivery.to === state.node &&
        delivery.type === 'auth-ack' &&
        delivery.atMs > phase.atMs &&
        delivery.atMs <= state.atMs,
    );
    if (
      state.atMs > phase.atMs &&
      state.atMs < end.atMs &&
      state.role === 'primary' &&
      lastRole.get(state.node) === 'replica' &&
      elected
    ) {
      promoted.add(state.node);
    }
    lastRole.set(state.node, state.role);
  }
  promoted.delete(sleeper);
  if (promoted.size === 0) return [];
  const gates: SteeringRule[] = [];
  for (const node of promoted) {
    const won = facts.states.find(
      (state) => state.node === node && state.role === 'primary' && state.atMs > phase.atMs && state.atMs < end.atMs,
    );
    if (won === undefined) continue;
    const acks = Math.min(
      quorum,
      facts.deliveries.filter(
        (delivery) =>
          delivery.to === node &&
          delivery.type === 'auth-ack' &&
          delivery.atMs > phase.atMs &&
          delivery.atMs <= won.atMs,
      ).length,
    );
    if (acks === 0) continue;
    gates.push({
      kind: 'gate-after-win',
      phase: end.index,
      since: phase.index,
      winner: node,
      acks,
      afterMs: Math.round(end.atMs - won.atMs),
      // Real failovers here came 1.4 to over 3 s later than the simulator's (crash 5846): the
      // sleeper is kept asleep that much longer, as a longer pause would.
      maxWaitMs: 4 * nodeTimeoutMs,
      why: `${node} won ${Math.round(end.atMs - won.atMs)} ms before ${sleeper} resumed, so the voters could vote again in its shard when ${sleeper} asked`,
    });
  }
  return [...promoted]
    .map(
      (node): SteeringRule => ({
        kind: 'hold' as const,
        startPhase: phase.index,
        endPhase: end.index,
        from: node,
        to: [sleeper],
        types: [...OUTBOUND_TYPES],
        end: 'release' as const,
        afterTypes: [...FRESH_TYPES],
        delayMs: 2,
        maxWaitMs: 1000,
        why: `${node} was promoted while ${sleeper} slept; its fresh PONG reached ${sleeper} before its stale PING`,
      }),
    )
    .concat(gates, unheardBeforeElection(facts, end, sleeper, quorum));
}

/**
 * After its resume the sleeper won an election. A node whose state changed before it asked for
 * votes (the restarted old primary, demoted) had, in the simulator, reached some nodes not at all
 * since its restart (or the resume) when the sleeper won: those are held from it until the real
 * sleeper has as many votes as it won with. (The simulator's latency delays the restarted node's
 * connection handshakes too, the proxy only its messages: this restores the simulator's order.)
 */
function unheardBeforeElection(facts: TraceFacts, resume: TracePhase, sleeper: string, quorum: number): SteeringRule[] {
  const election = facts.deliveries.find(
    (delivery) => delivery.from === sleeper && delivery.type === 'auth-req' && delivery.atMs >= resume.atMs,
  );
  if (election === undefined) return [];
  const won = facts.states.find(
    (state) => state.node === sleeper && state.role === 'primary' && state.atMs >= election.atMs,
  );
  if (won === undefined) return [];
  // It declared victory at the ack that made its quorum: the count the real run must see.
  const acks = Math.min(
    quorum,
    facts.deliveries.filter(
      (delivery) =>
        delivery.to === sleeper &&
        delivery.type === 'auth-ack' &&
        delivery.atMs >= election.atMs &&
        delivery.atMs <= won.atMs,
    ).length,
  );
  const lastChange = new Map<string, number>();
  for (const state of facts.states) {
    if (state.node !== sleeper && state.atMs > resume.atMs && state.atMs < election.atMs)
      lastChange.set(state.node, state.atMs);
  }
  const rules: SteeringRule[] = [];
  const common = {
    kind: 'hold-until-election' as const,
    electionPhase: resume.index,
    winner: sleeper,
    acks,
    maxWaitMs: 3000,
  };
  for (const [node, changedAtMs] of lastChange) {
    // Who had not heard its latest change when the sleeper won (the voters, for a demoted old primary).
    const heard = new Set(
      facts.deliveries
        .filter((delivery) => delivery.from === node && delivery.atMs > changedAtMs && delivery.atMs <= won.atMs)
        .map((delivery) => delivery.to),
    );
    const unheard = facts.nodes.filter((other) => other !== node && !heard.has(other));
    if (!unheard.includes(sleeper)) continue;
    // Held from its restart when it had one before the resume: a real restarted node may make that change earlier.
    const restart = facts.phases
      .filter(
        (phase) =>
          phase.index <= resume.index &&
          phase.nodes.includes(node) &&
          (phase.action === 'kill' || phase.action === 'terminate') &&
          phase.phase === 'end',
      )
      .at(-1);
    rules.push({
      ...common,
      startPhase: (restart ?? resume).index,
      from: node,
      to: unheard,
      why: `${unheard.join(', ')} had not heard ${node}'s change at ${changedAtMs} ms when ${sleeper} won its election at ${won.atMs} ms`,
    });
  }
  return rules;
}
