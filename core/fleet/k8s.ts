/**
 * `busfuzz fleet k8s`: the Kubernetes manifests of a fuzz fleet, built from the `kubernetes-types`
 * types so that a misspelt or misplaced field is a type error, not a manifest the API server
 * rejects at apply time.
 *
 * - a PersistentVolumeClaim (ReadWriteMany) that every shard writes its own folder into;
 * - an Indexed Job: N completions, N in parallel, each pod shard JOB_COMPLETION_INDEX of N (the
 *   Job sets the index; the count is set here, Kubernetes does not). `backoffLimitPerIndex` lets a
 *   pod that failed (OOM, a node lost) be retried on its own index, resuming from its checkpoint,
 *   without failing the fleet; the pod failure policy fails an index at once on bad input or a
 *   broken environment (exit 2, 3: a retry cannot help) and does not count evictions;
 * - a merge Job, created suspended: unsuspended once the fleet is done, it merges the shards into
 *   `merged/` on the volume and stays up (ready when merged) so `kubectl cp` can fetch it.
 *
 * Exit 1 of a shard means "new findings": the shard's container maps it to 0, since finding bugs
 * is the fleet's purpose and the findings are on the volume (a failed pod would be retried).
 */
import type { Job } from 'kubernetes-types/batch/v1';
import type {
  Container,
  PersistentVolumeClaim,
  PodSecurityContext,
  ResourceRequirements,
  Volume,
} from 'kubernetes-types/core/v1';
import type { BackendName } from '../backend.ts';

/**
 * Per-worker and per-pod sizes, from measurements on a 2-core machine (README, "Run a fleet on
 * Kubernetes"): a simulator worker keeps one core busy; with its 64 MB young generation and 128 MB
 * first old-generation limit (worker-pool.ts) it peaked at 239 MiB over 40 seeds at the default 1M
 * steps and at 301-337 MiB over 900 seeds at 100k steps, so 384 MiB leaves room for a rare long
 * seed without an OOM kill; the
 * parent process peaked at 104 MB and used under 1% of a core (bench/fuzz-scaling.ts). A
 * real-backend worker drives a cluster of valkey-server processes plus the bus proxy: one worker's
 * whole process tree (parent included, 27 processes) peaked at 549 MiB and averaged 0.36 of a core
 * over 3 seeds (173 s); a core per worker is requested (servers are timing-sensitive: a starved
 * node times out and looks like a bug) and 768 MiB.
 */
export const SIZES = {
  sim: { workerCpuMilli: 1000, workerMemMi: 384, parentCpuMilli: 100, parentMemMi: 192 },
  real: { workerCpuMilli: 1000, workerMemMi: 768, parentCpuMilli: 100, parentMemMi: 192 },
} as const;

/** The uid of the image's non-root user (deploy/Dockerfile). */
export const IMAGE_UID = 10001;
const FINDINGS_MOUNT = '/findings';
const VOLUME_NAME = 'findings';

export interface FleetOptions {
  shards: number;
  image: string;
  backend: BackendName;
  /** Seconds each shard fuzzes (null: until its share of `runs` is done). */
  timeLimitSec: number | null;
  /** Seeds in the whole campaign (null: until the time limit). */
  runs: number | null;
  firstSeed: number;
  maxSteps: number | null;
  workersPerShard: number;
  /** Resource names get this prefix. */
  name: string;
  /** PVC size (findings are small: a crash file is tens of KB). */
  storage: string;
}

export interface FleetManifests {
  volume: PersistentVolumeClaim;
  fleet: Job;
  merge: Job;
}

function resources(backend: BackendName, workers: number): ResourceRequirements {
  const size = SIZES[backend];
  const cpu = `${size.parentCpuMilli + workers * size.workerCpuMilli}m`;
  const memory = `${size.parentMemMi + workers * size.workerMemMi}Mi`;
  // Memory limit = request (a fuzz worker's memory is bounded; going past it is a bug worth an OOM);
  // no CPU limit, so the parent's bursts are not throttled.
  return { requests: { cpu, memory }, limits: { memory } };
}

const securityContext: PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: IMAGE_UID,
  runAsGroup: IMAGE_UID,
  fsGroup: IMAGE_UID,
};

const findingsVolume = (claim: string): Volume => ({ name: VOLUME_NAME, persistentVolumeClaim: { claimName: claim } });

/** The `busfuzz fuzz` arguments of one shard (its index comes from the Job's environment). */
export function shardArgs(options: FleetOptions): string[] {
  const args = [
    'fuzz',
    '--backend',
    options.backend,
    '--crash-dir',
    FINDINGS_MOUNT,
    '--seed',
    String(options.firstSeed),
    '--workers',
    String(options.workersPerShard),
  ];
  if (options.runs !== null) args.push('--runs', String(options.runs));
  if (options.timeLimitSec !== null) args.push('--time-limit', String(options.timeLimitSec));
  if (options.maxSteps !== null) args.push('--max-steps', String(options.maxSteps));
  return args;
}

export function fleetManifests(options: FleetOptions): FleetManifests {
  const { name, shards } = options;
  const labels = { 'app.kubernetes.io/name': 'busfuzz', 'app.kubernetes.io/instance': name };
  const claim = `${name}-findings`;
  const volume: PersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claim, labels },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: options.storage } } },
  };
  const shard: Container = {
    name: 'fuzz',
    image: options.image,
    // Exit 1 (new findings, saved on the volume) is what the fleet is for: not a pod failure.
    command: [
      '/bin/sh',
      '-c',
      'busfuzz "$@"; code=$?; if [ "$code" = 1 ]; then exit 0; fi; exit "$code"',
      'busfuzz',
      ...shardArgs(options),
    ],
    env: [
      { name: 'JOB_COMPLETION_COUNT', value: String(shards) },
      { name: 'LOG_LEVEL', value: 'info' },
    ],
    resources: resources(options.backend, options.workersPerShard),
    volumeMounts: [{ name: VOLUME_NAME, mountPath: FINDINGS_MOUNT }],
  };
  const fleet: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${name}-fleet`, labels },
    spec: {
      completionMode: 'Indexed',
      completions: shards,
      parallelism: shards,
      backoffLimitPerIndex: 3,
      podFailurePolicy: {
        rules: [
          { action: 'FailIndex', onExitCodes: { containerName: 'fuzz', operator: 'In', values: [2, 3] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      // A time-limited fleet should be over soon after its limit; this bounds retries too.
      ...(options.timeLimitSec === null ? {} : { activeDeadlineSeconds: options.timeLimitSec * 2 + 900 }),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          securityContext,
          containers: [shard],
          volumes: [findingsVolume(claim)],
        },
      },
    },
  };
  const merger: Container = {
    name: 'merge',
    image: options.image,
    command: ['/bin/sh', '-c', `busfuzz merge ${FINDINGS_MOUNT} -o ${FINDINGS_MOUNT}/merged && exec sleep 3600`],
    // Ready once the summary is written (it is the last file merge writes).
    readinessProbe: { exec: { command: ['test', '-f', `${FINDINGS_MOUNT}/merged/summary.txt`] }, periodSeconds: 2 },
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '256Mi' } },
    volumeMounts: [{ name: VOLUME_NAME, mountPath: FINDINGS_MOUNT }],
  };
  const merge: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${name}-merge`, labels },
    spec: {
      suspend: true,
      backoffLimit: 2,
      template: {
        metadata: { labels },
        spec: { restartPolicy: 'Never', securityContext, containers: [merger], volumes: [findingsVolume(claim)] },
      },
    },
  };
  return { volume, fleet, merge };
}
