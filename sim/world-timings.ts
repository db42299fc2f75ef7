/**
 * The measured costs the world charges a server's event loop for: a nodes.conf fsync, where a
 * SIGSTOP lands, and the CPU of reading one bus message. Figures from real 8.0.1 runs on the
 * development machine (shared/spec/real-timings.md).
 */

/**
 * A nodes.conf save with fsync (write, fsync, rename, fsync of the directory), measured on the
 * development machine's disk: 0.41 / 0.52 / 0.72 ms at p10 / p50 / p90. Valkey writes a turn's
 * messages after beforeSleep, so a vote or an election that fsyncs sends that much later.
 */
export const FSYNC_MS = 0.5;

/**
 * Where a SIGSTOP lands: in epoll_wait (the process idles) or in a pass of its event loop, whose
 * timers (the cron) then run first thing after SIGCONT, before anything is read. The odds follow
 * CPU load, which the model does not carry (an idle 9-node loopback cluster is busy ~0.6% of the
 * time, a loaded server most of it), so both are drawn evenly: Valkey's own sigstop test flakes
 * between the two read orders they lead to, and the fuzzer should see both.
 */
export const STOP_MID_PASS_PROBABILITY = 0.5;

/**
 * CPU time a loop pass spends per bus message it reads (its reply included), measured on a
 * 9-node loopback cluster of 8.0.1 (node_timeout 1000, ping interval 100): 0.14 s of CPU for
 * 3,069 messages received in 30 s, beyond a lone node's idle 0.05 s. An accept() with its link
 * and epoll registration is counted as one read (an upper bound: a few syscalls).
 */
export const LOOP_READ_COST_MS = 0.045;
