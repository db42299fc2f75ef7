/**
 * `busfuzz fleet k8s`: the printed manifests have the shape a fleet needs (an Indexed Job of N
 * shards with per-index retries, the shard count in the environment, one volume for findings that
 * the shards and the merge Job share, a non-root user matching deploy/Dockerfile), and they
 * type-check as `kubernetes-types` objects: the printed YAML is turned into a TypeScript file of
 * typed object literals and compiled with tsc, so a misspelt or misplaced field fails the test
 * (a control copy with one wrong field must fail to compile). No cluster is needed or used.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'kubernetes-types/batch/v1';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, busfuzz } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'busfuzz-k8s-'));
  // tsc resolves kubernetes-types from the repository's packages.
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function manifests(args: string[]): [PersistentVolumeClaim, Job, Job] {
  const run = busfuzz(['fleet', 'k8s', ...args]);
  expect(run.code, run.stderr).toBe(0);
  const documents = parseAllDocuments(run.stdout);
  expect(Array.isArray(documents)).toBe(true);
  return (documents as { toJS(): unknown }[]).map((document) => document.toJS()) as [PersistentVolumeClaim, Job, Job];
}

/** Compiles `source` with the repository's tsc; returns its diagnostics ('' when it type-checks). */
async function typeCheck(name: string, source: string): Promise<{ ok: boolean; output: string }> {
  const file = join(dir, name);
  await writeFile(file, source);
  const tsc = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'preserve',
      '--moduleResolution',
      'bundler',
      file,
    ],
    { cwd: dir, encoding: 'utf8', timeout: 120_000 },
  );
  return { ok: tsc.status === 0, output: `${tsc.stdout}${tsc.stderr}` };
}

const typedSource = (volume: unknown, fleet: unknown, merge: unknown) =>
  [
    "import type { Job } from 'kubernetes-types/batch/v1';",
    "import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1';",
    `export const volume: PersistentVolumeClaim = ${JSON.stringify(volume, null, 2)};`,
    `export const fleet: Job = ${JSON.stringify(fleet, null, 2)};`,
    `export const merge: Job = ${JSON.stringify(merge, null, 2)};`,
    '',
  ].join('\n');

describe('busfuzz fleet k8s', () => {
  it('--shards 10 --image busfuzz:dev prints a volume, an Indexed Job of 10 shards and a suspended merge Job', async () => {
    const [volume, fleet, merge] = manifests(['--shards', '10', '--image', 'busfuzz:dev']);
    expect(volume).toMatchObject({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      spec: { accessModes: ['ReadWriteMany'] },
    });
    expect(fleet).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: { completionMode: 'Indexed', completions: 10, parallelism: 10 },
    });
    const spec = fleet.spec!;
    expect(spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
    expect(spec.podFailurePolicy!.rules.find((rule) => rule.action === 'FailIndex')!.onExitCodes!.values).toEqual([
      2, 3,
    ]);
    const pod = spec.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    const [container] = pod.containers;
    expect(container!.image).toBe('busfuzz:dev');
    // Kubernetes sets JOB_COMPLETION_INDEX in an Indexed Job, but not the count.
    expect(container!.env).toContainEqual({ name: 'JOB_COMPLETION_COUNT', value: '10' });
    const command = container!.command!;
    expect(command.slice(4)).toEqual([
      'fuzz',
      '--backend',
      'sim',
      '--crash-dir',
      '/findings',
      '--seed',
      '1',
      '--workers',
      '2',
      '--time-limit',
      '3600',
    ]);
    expect(container!.volumeMounts).toEqual([{ name: 'findings', mountPath: '/findings' }]);
    expect(pod.volumes).toEqual([{ name: 'findings', persistentVolumeClaim: { claimName: volume.metadata!.name } }]);
    expect(container!.resources!.requests).toEqual({ cpu: '2100m', memory: '960Mi' });
    expect(merge.spec!.suspend).toBe(true);
    expect(merge.spec!.template.spec!.containers[0]!.command!.join(' ')).toContain(
      'busfuzz merge /findings -o /findings/merged',
    );
    expect(merge.spec!.template.spec!.volumes).toEqual(pod.volumes);
    // The pods run as the image's non-root user.
    const setup = await readFile(join(REPO_ROOT, 'deploy/image-setup.sh'), 'utf8');
    const uid = Number(/^BUSFUZZ_UID=(\d+)$/m.exec(setup)?.[1]);
    expect(setup).toMatch(/useradd --uid "\$BUSFUZZ_UID"/);
    expect(await readFile(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8')).toMatch(/^USER busfuzz$/m);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, fsGroup: uid });

    const typed = await typeCheck('manifests.ts', typedSource(volume, fleet, merge));
    expect(typed.output).toBe('');
    expect(typed.ok).toBe(true);
    // The control: one misspelt field in the Job spec must be a type error.
    const { completionMode, ...rest } = spec;
    const broken = await typeCheck(
      'broken.ts',
      typedSource(volume, { ...fleet, spec: { ...rest, completionModes: completionMode } }, merge),
    );
    expect(broken.ok).toBe(false);
    expect(broken.output).toMatch(/completionModes/);
  });

  it('--runs, --backend real and --workers reach the shards and their resources', () => {
    const [, fleet] = manifests([
      '--shards',
      '3',
      '--image',
      'busfuzz:v1',
      '--runs',
      '3000',
      '--backend',
      'real',
      '--workers',
      '1',
      '--max-steps',
      '500000',
    ]);
    const container = fleet.spec!.template.spec!.containers[0]!;
    expect(container.command!.slice(4)).toEqual([
      'fuzz',
      '--backend',
      'real',
      '--crash-dir',
      '/findings',
      '--seed',
      '1',
      '--workers',
      '1',
      '--runs',
      '3000',
      '--max-steps',
      '500000',
    ]);
    expect(fleet.spec!.activeDeadlineSeconds).toBeUndefined();
    expect(container.resources!.requests).toEqual({ cpu: '1100m', memory: '960Mi' });
  });

  it('a missing --shards or --image, or another engine, is exit 2 with the reason', () => {
    expect(busfuzz(['fleet', 'k8s', '--image', 'x']).stderr).toMatch(/--shards N is required/);
    expect(busfuzz(['fleet', 'k8s', '--shards', '2']).stderr).toMatch(/--image IMAGE is required/);
    const nomad = busfuzz(['fleet', 'nomad', '--shards', '2', '--image', 'x']);
    expect(nomad.code).toBe(2);
    expect(nomad.stderr).toMatch(/expected 'k8s'/);
  });
});
