/**
 * A fleet rehearsed without a cluster: the shards of a Kubernetes Indexed Job run as local
 * processes with the environment such a Job gives them (JOB_COMPLETION_INDEX, and the
 * JOB_COMPLETION_COUNT that `busfuzz fleet k8s` sets), then `busfuzz merge` unites their folders.
 * The merged campaign must be exactly one unsharded run over the same seeds: the same
 * fingerprints, statuses, first seeds, every seed, counts, runs and steps, and the same crash
 * files byte for byte except `created_at` (the wall-clock time the file was written, which no two
 * runs share). A shard killed with SIGKILL mid-run and started again must end the same way: no
 * seed lost, none run or counted twice.
 *
 * The fake backend (test/cli/fake-cli.ts: the real CLI code, worker processes and files, with a
 * scenario runner that finds many distinct fingerprints in microseconds) carries the findings-rich
 * cases; one case runs the installed entry point, bin/busfuzz.js, on the simulator.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsFile } from '../../core/fuzz/stats-file.ts';
import { fakeCli, realCli, type CliProcess } from './fake-cli-process.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'busfuzz-fleet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

/** A crash file's bytes with the line of its creation time blanked (the one field no two runs share). */
async function crashBytes(path: string): Promise<string> {
  const text = await readFile(path, 'utf8');
  const blanked = text.replace(/^(\s*)"created_at": "[^"]*",?$/m, '$1"created_at": <time>');
  expect(blanked, `${path} has a created_at line`).not.toBe(text);
  return blanked;
}

/** The parts of a campaign that sharding must not change. */
async function campaignOf(stats: StatsFile, folder: string) {
  const crashFiles: Record<string, string> = {};
  for (const finding of stats.findings) {
    if (finding.crash_file !== null)
      crashFiles[finding.fingerprint] = await crashBytes(join(folder, finding.crash_file));
  }
  return {
    runs: stats.runs,
    steps: stats.steps,
    errors: stats.errors,
    inconclusive: stats.inconclusive,
    state: stats.state,
    checkpoint: stats.checkpoint,
    findings: stats.findings.map((finding) => ({
      fingerprint: finding.fingerprint,
      status: finding.status,
      count: finding.count,
      first_seed: finding.first_seed,
      seeds: finding.seeds,
      crash_file: finding.crash_file?.split('/').at(-1) ?? null,
      known_reason: finding.known_reason,
    })),
    crashFiles,
  };
}

async function exitOf(cli: CliProcess, expected: number[]): Promise<void> {
  const { code } = await cli.exit;
  expect(expected, cli.stderr()).toContain(code);
}

/** One unsharded run and N shard processes (the Indexed Job's environment) over the same seeds, then merge. */
async function rehearse(
  name: string,
  start: (args: string[], env: Record<string, string>) => CliProcess,
  args: string[],
  env: Record<string, string>,
  shards: number,
) {
  const single = join(dir, name, 'single');
  const fleet = join(dir, name, 'fleet');
  const merged = join(dir, name, 'merged');
  await exitOf(start(['fuzz', ...args, '--crash-dir', single], env), [0, 1]);
  const pods = Array.from({ length: shards }, (_, index) =>
    start(['fuzz', ...args, '--crash-dir', fleet], {
      ...env,
      JOB_COMPLETION_INDEX: String(index),
      JOB_COMPLETION_COUNT: String(shards),
    }),
  );
  for (const pod of pods) await exitOf(pod, [0, 1]);
  expect((await readdir(fleet)).sort()).toEqual(
    Array.from({ length: shards }, (_, index) => `shard-${index}-of-${shards}`).sort(),
  );
  const merge = realCli(['merge', fleet, '-o', merged, '--json'], {});
  await exitOf(merge, [0]);
  expect(merge.stderr()).not.toMatch(/STOPPED EARLY|MISSING/);
  const mergedStats = JSON.parse(merge.stdout().trim().split('\n').at(-1)!) as StatsFile;
  expect(await readJson<StatsFile>(join(merged, 'fuzzer_stats.json'))).toEqual(mergedStats);
  const singleStats = await readJson<StatsFile>(join(single, 'fuzzer_stats.json'));
  return {
    single: await campaignOf(singleStats, single),
    merged: await campaignOf(mergedStats, merged),
    mergedStats,
    fleet,
  };
}

describe('fleet rehearsal: Indexed Job shards as local processes, then merge', () => {
  it('3 shards of 60 seeds (fake backend, many findings) merge into exactly the unsharded run', async () => {
    const { single, merged } = await rehearse(
      'fake',
      fakeCli,
      ['--seed', '1', '--runs', '60', '--workers', '2'],
      { FAKE_BY_SEED: '7' },
      3,
    );
    expect(single.findings.length).toBeGreaterThanOrEqual(8);
    expect(single.runs).toBe(60);
    expect(merged).toEqual(single);
  });

  it('2 shards of the installed entry point on the simulator merge into the unsharded run', async () => {
    // Seeds 22..33 at 60,000 steps find membership-symmetric/missing-peer,one-sided (seed 24) and
    // membership-symmetric/isolated (seed 26) on the simulator; a known list of the first makes it
    // known, the second new. (Seeds 60..71 did until a kill of a node already down stopped
    // restarting it early, and seed 71 lost its finding.)
    const knownFile = join(mkdtempSync(join(tmpdir(), 'busfuzz-fleet-known-')), 'known.yaml');
    writeFileSync(
      knownFile,
      '- fingerprint: membership-symmetric/missing-peer,one-sided\n  reason: valkey 8.0.1 MEET handshake race\n  upstream: valkey-io/valkey#1307\n',
    );
    const args = ['--seed', '22', '--runs', '12', '--max-steps', '60000', '--workers', '1', '--known', knownFile];
    const { single, merged, mergedStats } = await rehearse('sim', realCli, args, {}, 2);
    expect(single.runs).toBe(12);
    expect(single.findings.filter((finding) => finding.status === 'new').length).toBeGreaterThanOrEqual(1);
    expect(single.findings.filter((finding) => finding.status === 'known').length).toBeGreaterThanOrEqual(1);
    expect(mergedStats.workers).toBe(2);
    expect(merged).toEqual(single);
  });

  it('a shard killed (SIGKILL) mid-run and started again loses and repeats nothing', async () => {
    const args = ['--seed', '1', '--runs', '180', '--workers', '2'];
    const env = { FAKE_BY_SEED: '7' };
    const { single } = await rehearse('kill-reference', fakeCli, args, env, 1);
    const fleet = join(dir, 'kill', 'fleet');
    const shardEnv = (index: number) => ({ ...env, JOB_COMPLETION_INDEX: String(index), JOB_COMPLETION_COUNT: '2' });
    const other = fakeCli(['fuzz', ...args, '--crash-dir', fleet], shardEnv(1));
    // Each seed waits 120 ms (no CPU used): 90 seeds on 2 workers outlast the first rewrite of the
    // stats file (5 s) that has seeds in it, so the kill comes mid-run.
    const victim = fakeCli(['fuzz', ...args, '--crash-dir', fleet], { ...shardEnv(0), FAKE_DELAY_MS: '120' });
    // Killed once its stats file has been rewritten with some seeds done (and crash files written).
    const statsPath = join(fleet, 'shard-0-of-2', 'fuzzer_stats.json');
    await victim.waitFor(/^NEW /m, 2);
    for (let tries = 0; ; tries++) {
      const stats = await readJson<StatsFile>(statsPath).catch(() => null);
      if (stats !== null && stats.runs > 0) break;
      if (tries > 200) throw new Error(`no checkpoint after 20 s:\n${victim.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    victim.child.kill('SIGKILL');
    expect((await victim.exit).signal).toBe('SIGKILL');
    const killed = await readJson<StatsFile>(statsPath);
    expect(killed.state).toBe('running');
    expect(killed.checkpoint.next_seed).toBeLessThan(170);

    const restarted = fakeCli(['fuzz', ...args, '--crash-dir', fleet], shardEnv(0));
    await exitOf(restarted, [0, 1]);
    expect(restarted.stderr()).toMatch(
      new RegExp(`resuming at seed ${killed.checkpoint.next_seed} after ${killed.runs} runs`),
    );
    // It ran exactly the seeds its checkpoint had not counted.
    expect(restarted.stderr()).toMatch(
      new RegExp(`\\(all runs done\\) after \\d+:\\d\\d: ${90 - killed.runs} runs from seed`),
    );
    await exitOf(other, [0, 1]);
    const resumed = await readJson<StatsFile>(statsPath);
    expect(resumed.started_at).toBe(killed.started_at);
    expect(resumed.runs).toBe(90);
    // Started again once done, the shard has nothing left to run.
    const again = fakeCli(['fuzz', ...args, '--crash-dir', fleet], shardEnv(0));
    await exitOf(again, [0]);
    expect(again.stderr()).toMatch(/fuzz stopped \(all runs done\) after \d+:\d\d: 0 runs/);
    expect((await readJson<StatsFile>(statsPath)).runs).toBe(90);

    const merged = join(dir, 'kill', 'merged');
    const merge = realCli(['merge', fleet, '-o', merged], {});
    await exitOf(merge, [0]);
    expect(await campaignOf(await readJson<StatsFile>(join(merged, 'fuzzer_stats.json')), merged)).toEqual(single);
  });

  it('merge reports shards that stopped early and shards that are missing', async () => {
    const fleet = join(dir, 'partial', 'fleet');
    const shard = fakeCli(['fuzz', '--forever', '--workers', '1', '--crash-dir', fleet, '--shard', '1/3'], {
      FAKE_BY_SEED: '7',
      FAKE_BUSY_MS: '5',
    });
    await shard.waitFor(/^NEW /m, 1);
    shard.child.kill('SIGTERM');
    await exitOf(shard, [0, 1]);
    const merge = realCli(['merge', join(fleet, 'shard-1-of-3'), '-o', join(dir, 'partial', 'merged')], {});
    await exitOf(merge, [0]);
    expect(merge.stderr()).toMatch(/STOPPED EARLY shard 1\/3 .*: interrupted at seed \d+ after \d+ runs/);
    expect(merge.stderr()).toMatch(/MISSING shard 0\/3/);
    expect(merge.stderr()).toMatch(/MISSING shard 2\/3/);
    const stats = await readJson<StatsFile>(join(dir, 'partial', 'merged', 'fuzzer_stats.json'));
    expect(stats.state).toBe('interrupted');
    expect(stats.checkpoint.next_seed).toBe(1);
    const twice = realCli(['merge', join(fleet, 'shard-1-of-3'), fleet, '-o', join(dir, 'partial', 'twice')], {});
    await exitOf(twice, [2]);
    expect(twice.stderr()).toMatch(/shard\.index: shard 1 is also in/);
  });
});
