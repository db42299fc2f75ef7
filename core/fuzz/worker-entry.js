// The file every fuzz worker starts from, a thread or a child process. Neither inherits the
// parent's module hooks, so it registers tsx itself and then imports the worker program named in
// its config (bin/fuzz-worker.ts in the CLI; a fake-backend program in the tests), which calls
// serveFuzzWorker() from core/fuzz/worker-side.ts. Plain JavaScript because nothing can load
// TypeScript before this runs.
//
// A worker process leaves Ctrl-C and SIGTERM to its parent (which stops the loop cleanly and
// then ends its workers), and exits when the parent goes away (the IPC channel closes).
import { isMainThread, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

const CONFIG_ENV = 'BUSFUZZ_WORKER_CONFIG';
const inProcess = isMainThread;
const config = inProcess ? JSON.parse(process.env[CONFIG_ENV] ?? '{}') : workerData;
if (inProcess) {
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.on('disconnect', () => process.exit(0));
}

register();
try {
  await import(config.moduleUrl);
} catch (error) {
  if (!inProcess) throw error;
  process.send?.({
    type: 'start-failed',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exitCode = 1;
  process.disconnect?.();
}
