/**
 * no-failure-flags: after faults heal, no live node flags another live node (or itself) `fail` or
 * `fail?` (protocol reference §9.3; FAIL clears on a PONG from a non-voting node at once, from a
 * voting primary after 2 × node_timeout, §2.4). Flags on down nodes are expected and ignored.
 */
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { lastView, liveNodes } from './view-facts.ts';

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const live = liveNodes(view);
  const nameOfLive = new Map(live.map((node) => [node.report.id, node.name] as const));
  for (const observer of live) {
    for (const peer of observer.report.peers) {
      const subject = nameOfLive.get(peer.id);
      if (subject === undefined) continue;
      const flag = peer.flags.includes('fail') ? 'fail' : peer.flags.includes('fail?') ? 'fail?' : null;
      if (flag === null) continue;
      return finding(
        'no-failure-flags',
        `flag=${flag === 'fail' ? 'fail' : 'pfail'},on=${peer.role}`,
        `${observer.name} flags live node ${subject} (${peer.role}) as ${flag} at ${view.atMs} ms; ` +
          'after healing no live node should be suspected or failed',
        [observer.name, subject],
      );
    }
  }
  return null;
}

export const noFailureFlags: Invariant = {
  name: 'no-failure-flags',
  kind: 'convergence',
  summary: 'no live node carries fail or fail? in any live view',
  check,
};
