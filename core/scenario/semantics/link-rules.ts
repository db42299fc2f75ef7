/**
 * What the network faults of a scenario mean on one directed link, for every backend: which rules
 * are in force, and what a message on the link meets. The simulator keeps its rules in typed
 * arrays (sim/link-rules.ts) and the fault proxy in a rule table (real/proxy/network-faults.ts);
 * both ask here, and test/core/scenario/semantics.test.ts runs one timeline through both.
 *
 * - partition: nothing passes on a cut link (bus and replication), in either backend it waits
 *   and is delivered after the lift if its connection survived. Counted: two partitions over one
 *   link need both lifted.
 * - hold: bus messages wait (replication passes); `release` ends every hold on the link at once.
 *   Holds are not counted: a link is held while any hold is on it.
 * - latency: ONE overlap rule. The newest latency rule in force on a link sets its added delay and
 *   jitter; older ones are shadowed, and in force again when the newer ends. This is what a real
 *   link does under `tc qdisc replace ... netem delay`: a link has one delay setting, and the
 *   fault injector that sets a new one replaces the old (it does not stack two netem qdiscs).
 *   Adding the delays would model two slow hops in series, which no scenario step describes.
 * - drop: every drop rule in force is an independent chance to lose a bus message of its types.
 * - heal: every partition, hold, latency and drop rule ends.
 */

/** A rule as both backends place it, oldest first on each link. */
export type LinkRule =
  | { kind: 'block' }
  /** With `types` (confirm's steering), only messages of those types are held. */
  | { kind: 'hold'; types?: readonly string[] }
  | { kind: 'latency'; delayMs: number; jitterMs: number }
  | { kind: 'drop'; probability: number; types?: readonly string[] };

/** What a link does to traffic now: the decisions the backends carry out. */
export interface LinkDecision {
  /** A partition: nothing passes. */
  blocked: boolean;
  /** A hold: bus messages wait. */
  held: boolean;
  /** Added delay of a bus message, plus a uniform whole 0..jitterMs. */
  delayMs: number;
  jitterMs: number;
  /** One independent loss chance per drop rule in force, oldest first. */
  dropProbabilities: number[];
}

/** The overlap rule for latency: the newest rule in force, or null for none. */
export function latencyInForce<R>(rules: readonly R[] | null | undefined): R | null {
  if (rules === null || rules === undefined || rules.length === 0) return null;
  return rules[rules.length - 1] ?? null;
}

/** Whether a drop or hold rule's `types` (absent: every type) name a bus message type. */
export function namesType(types: readonly string[] | undefined, type: string | undefined): boolean {
  return types === undefined || (type !== undefined && types.includes(type));
}

/**
 * The decision on one link from the rules in force on it, oldest first, for a bus message of
 * `type` (its drop chances are those of the drop rules that name it; absent: every drop rule).
 */
export function decideLink(rules: readonly LinkRule[], type?: string): LinkDecision {
  const latencies: Array<Extract<LinkRule, { kind: 'latency' }>> = [];
  const decision: LinkDecision = { blocked: false, held: false, delayMs: 0, jitterMs: 0, dropProbabilities: [] };
  for (const rule of rules) {
    if (rule.kind === 'block') decision.blocked = true;
    else if (rule.kind === 'hold') decision.held ||= type === undefined || namesType(rule.types, type);
    else if (rule.kind === 'latency') latencies.push(rule);
    else if (type === undefined || namesType(rule.types, type)) decision.dropProbabilities.push(rule.probability);
  }
  const latency = latencyInForce(latencies);
  if (latency !== null) {
    decision.delayMs = latency.delayMs;
    decision.jitterMs = latency.jitterMs;
  }
  return decision;
}
