/**
 * Nothing is left behind: after a run that ends by Ctrl-C, by SIGTERM, by SIGKILL of our process,
 * by an exception, by an invariant violation or because a node would not start, none of the server processes it started
 * still runs (checked by pid), and its temporary folders are gone (a violation keeps the node
 * folders beside the crash file, as the interface page's crash-file section says).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../core/backend.ts';
import { createRealBackend, liveChildPids } from '../../real/index.ts';
import { removeStaleFarmFolders } from '../../real/server-farm.ts';
import { delay } from '../../real/server-process.ts';
import { cluster, isRunning, runYaml } from './helpers.ts';

const FIXTURE = new URL('./fixtures/run-until-signal.ts', import.meta.url).pathname;
const artifacts = mkdtempSync(join(tmpdir(), 'busfuzz-cleanup-test-'));
afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

/** Starts the fixture, waits for its server pids, sends `signal`, and waits for it to exit. */
async function signalledRun(
  signal: NodeJS.Signals,
  cliHandlers: boolean,
  beforeSignal: (pids: number[]) => void = () => {},
): Promise<{ pids: number[]; code: number | null; exitSignal: string | null; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...(cliHandlers ? ['--cli-handlers'] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const pids = await new Promise<number[]>((resolvePids, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /PIDS ([\d ]+)\n/.exec(stdout);
      if (match) resolvePids(match[1]!.trim().split(' ').map(Number));
    });
    child.once('exit', () => reject(new Error(`fixture exited before ready: ${stderr}`)));
  });
  const exited = new Promise<[number | null, string | null]>((resolveExit) =>
    child.once('exit', (code, sig) => resolveExit([code, sig])),
  );
  beforeSignal(pids);
  child.kill(signal);
  const [code, exitSignal] = await exited;
  return { pids, code, exitSignal, stdout };
}

describe('no server process is left behind', () => {
  it('Ctrl-C with the CLI handlers: the run aborts, tears down and exits 130', async () => {
    const { pids, code, stdout } = await signalledRun('SIGINT', true);
    expect(pids).toHaveLength(6);
    expect(stdout).toContain('VERDICT aborted');
    expect(code).toBe(130);
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it('SIGTERM with the CLI handlers: the same', async () => {
    const { pids, code } = await signalledRun('SIGTERM', true);
    expect(code).toBe(130);
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it('Ctrl-C to a library caller with no handler: the servers die with the process', async () => {
    const { pids, exitSignal } = await signalledRun('SIGINT', false);
    expect(exitSignal).toBe('SIGINT');
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it('a process killed outright (SIGKILL): the reaper stops its servers and removes its folder', async () => {
    let folder = '';
    const { pids, exitSignal } = await signalledRun('SIGKILL', false, (serverPids) => {
      // A server's working directory is its host folder inside the farm's folder.
      folder = dirname(readlinkSync(`/proc/${serverPids[0]}/cwd`));
    });
    expect(exitSignal).toBe('SIGKILL');
    expect(folder).toMatch(/busfuzz-real-/);
    for (let attempt = 0; attempt < 100 && (pids.some(isRunning) || existsSync(folder)); attempt++) await delay(20);
    expect(pids.filter(isRunning)).toEqual([]);
    expect(existsSync(folder)).toBe(false);
  });

  it('an exception in the middle of a run: the run rejects and its servers are stopped', async () => {
    const backend = createRealBackend({ spares: 'never' });
    let pids: number[] = [];
    const run = runYaml(
      backend,
      `scenario_id: throws\nseed: 1\n${cluster(2, 1)}timeline:\n  - at: 5s\n    action: heal\n`,
      {
        onTraceLine: (line) => {
          if (!line.includes(' ready: ')) return;
          pids = liveChildPids();
          throw new Error('boom from a trace callback');
        },
      },
    );
    await expect(run).rejects.toThrow('boom from a trace callback');
    expect(pids).toHaveLength(4);
    expect(pids.filter(isRunning)).toEqual([]);
    await backend.close();
  });

  it('an invariant violation: verdict violation, servers stopped, node folders kept beside the crash file', async () => {
    const backend = createRealBackend({ spares: 'never' });
    let pids: number[] = [];
    // Every node but node-2 forgets it (a 60 s blacklist): its slots have no owner in their views.
    const { result } = await runYaml(
      backend,
      `
scenario_id: forgotten-owner
seed: 9
${cluster(3, 0)}timeline:
  - at: 200ms
    action: forget
    target: node-0
    other: node-2
validation:
  convergence_timeout: 2s
`,
      {
        artifactsDir: artifacts,
        onTraceLine: (line) => {
          if (line.includes(' ready: ')) pids = liveChildPids();
        },
      },
    );
    expect(result.verdict).toBe('violation');
    expect(result.violation?.invariant).toMatch(/slot-coverage|views-agree|membership-symmetric/);
    expect(pids).toHaveLength(3);
    expect(pids.filter(isRunning)).toEqual([]);
    const kept = result.artifactsDir!;
    expect(kept.startsWith(artifacts)).toBe(true);
    expect(readdirSync(kept).sort()).toEqual(['node-0', 'node-1', 'node-2']);
    expect(existsSync(join(kept, 'node-1', 'server.log'))).toBe(true);
    expect(existsSync(join(kept, 'node-0', 'nodes.conf'))).toBe(true);
    await backend.close();
  });

  it("the folders of a farm whose process died are removed by the next farm, live owners' are kept", async () => {
    const dead = spawn('true');
    await new Promise((resolveExit) => dead.once('exit', resolveExit));
    const stale = mkdtempSync(join(tmpdir(), 'busfuzz-real-'));
    const alive = mkdtempSync(join(tmpdir(), 'busfuzz-real-'));
    writeFileSync(join(stale, 'owner.pid'), String(dead.pid));
    writeFileSync(join(alive, 'owner.pid'), String(process.pid));
    removeStaleFarmFolders();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(alive)).toBe(true);
    rmSync(alive, { recursive: true, force: true });
  });

  it('a node that will not start: an environment error naming its log, and nothing left running', async () => {
    const backend = createRealBackend({ spares: 'never' });
    const run = runYaml(
      backend,
      `scenario_id: bad-config\nseed: 1\n${cluster(1, 1, '  server_config:\n    maxmemory-policy: not-a-policy\n')}`,
    );
    await expect(run).rejects.toBeInstanceOf(EnvironmentError);
    await expect(run).rejects.toThrow(/would not start.*server\.log/s);
    expect(liveChildPids()).toEqual([]);
    await backend.close();
  });
});
