/**
 * A worker program for the WorkerPool tests: serves seeds on the fake backend instead of the
 * simulator. FAKE_BUSY_MS makes each run block its thread (as a simulator run does);
 * FAKE_WORKER_FAIL=environment makes start-up fail the way a missing valkey-server does;
 * FAKE_BY_SEED gives many distinct fingerprints (crash-file churn for the SIGKILL test);
 * FAKE_DELAY_MS makes each run wait without using the CPU (a long shard to kill mid-run).
 */
import { EnvironmentError } from '../../../core/backend.ts';
import { serveFuzzWorker } from '../../../core/fuzz/worker-side.ts';
import { FakeBackend, generateFake } from './fake-backend.ts';

serveFuzzWorker(() => {
  if (process.env.FAKE_WORKER_FAIL === 'environment') {
    throw new EnvironmentError('valkey-server not found', 'install valkey-server');
  }
  return {
    backend: new FakeBackend({
      busyMs: Number(process.env.FAKE_BUSY_MS ?? 0),
      delayMs: Number(process.env.FAKE_DELAY_MS ?? 0),
      fingerprintsBySeed: Number(process.env.FAKE_BY_SEED ?? 0),
    }),
    generate: generateFake,
  };
});
