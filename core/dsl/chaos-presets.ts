/**
 * `chaos: gentle` and `chaos: aggressive`: names for two plain chaos blocks, read exactly as if
 * the block itself were written (the README's DSL section prints both; a test holds them equal).
 * - gentle: a fault every 30 s or so, one at a time, short, nothing that kills a process or cuts
 *   a node off: the cluster should ride it out without a failover.
 * - aggressive: about one fault every 3 s, up to three at once, every kind, majority loss allowed.
 */
export const CHAOS_PRESETS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  gentle: {
    rate: 2,
    types: ['pause', 'latency', 'drop', 'clock', 'slow'],
    targets: 'any',
    max_concurrent: 1,
    keep_quorum: true,
    until: '60s',
    fault_duration_min: '500ms',
    fault_duration_max: '3s',
  },
  aggressive: {
    rate: 20,
    types: ['kill', 'terminate', 'pause', 'partition', 'latency', 'drop', 'hold', 'kill_links', 'clock', 'slow'],
    targets: 'any',
    max_concurrent: 3,
    keep_quorum: false,
    until: '2m',
    fault_duration_min: '1s',
    fault_duration_max: '20s',
  },
};
