/**
 * CPU time of this process and its children, per thread, from /proc (Linux): which threads of the
 * fuzz parent and of each worker process use the cores (the JavaScript main thread, V8's
 * background compiler and GC helpers, libuv's pool). For bench/fuzz-scaling.ts's `--cpu`.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SEC = 100;

export interface ThreadCpu {
  /** `parent` or `worker <pid>` */
  process: string;
  /** The thread's name (comm): `node` for the main thread, `V8 DefaultWorke` for V8's helpers, ... */
  thread: string;
  tid: number;
  cpuMs: number;
}

function readStat(path: string): { comm: string; ppid: number; cpuMs: number } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  // The name is in parentheses and may hold spaces: fields after it are split from the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { comm, ppid: Number(fields[1]), cpuMs: ((utime + stime) * 1000) / TICKS_PER_SEC };
}

function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(`/proc/${entry}/stat`);
    if (stat?.ppid === pid && stat.comm !== 'esbuild') children.push(Number(entry));
  }
  return children;
}

function threadsOf(pid: number, label: string): ThreadCpu[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const threads: ThreadCpu[] = [];
  for (const tid of tids) {
    const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (stat !== null) threads.push({ process: label, thread: stat.comm, tid: Number(tid), cpuMs: stat.cpuMs });
  }
  return threads;
}

/** Every thread of this process and of its direct children (the fuzz workers). */
export function sampleCpu(): ThreadCpu[] {
  return [
    ...threadsOf(process.pid, 'parent'),
    ...childPids(process.pid).flatMap((pid) => threadsOf(pid, `worker ${pid}`)),
  ];
}

export interface CpuSplit {
  parentMs: number;
  workersMainMs: number;
  /** V8 helper threads (background compile, concurrent GC) and anything else in the workers. */
  workersOtherMs: number;
  /** Per process and thread name, summed over threads. */
  rows: { process: string; thread: string; cpuMs: number }[];
}

/** CPU used between two samples, split by where it went. */
export function cpuBetween(before: ThreadCpu[], after: ThreadCpu[]): CpuSplit {
  const start = new Map(before.map((thread) => [`${thread.process}/${thread.tid}`, thread.cpuMs]));
  const rows = new Map<string, { process: string; thread: string; cpuMs: number }>();
  let parentMs = 0;
  let workersMainMs = 0;
  let workersOtherMs = 0;
  for (const thread of after) {
    const used = thread.cpuMs - (start.get(`${thread.process}/${thread.tid}`) ?? 0);
    if (used <= 0) continue;
    const isMain = thread.tid === Number(thread.process.split(' ')[1] ?? process.pid);
    if (thread.process === 'parent') parentMs += used;
    else if (isMain) workersMainMs += used;
    else workersOtherMs += used;
    const name = `${thread.process === 'parent' ? 'parent' : 'workers'}/${isMain || (thread.process === 'parent' && thread.tid === process.pid) ? 'main' : thread.thread}`;
    const row = rows.get(name) ?? {
      process: thread.process === 'parent' ? 'parent' : 'workers',
      thread: name.split('/')[1]!,
      cpuMs: 0,
    };
    row.cpuMs += used;
    rows.set(name, row);
  }
  return { parentMs, workersMainMs, workersOtherMs, rows: [...rows.values()].sort((a, b) => b.cpuMs - a.cpuMs) };
}
