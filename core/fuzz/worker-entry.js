// The file every fuzz worker thread starts from. A worker thread does not inherit the parent's
// module hooks, so it registers tsx itself and then imports the worker program named in its
// workerData (bin/fuzz-worker.ts in the CLI; a fake-backend program in the tests), which calls
// serveFuzzWorker() from core/fuzz/worker-side.ts. Plain JavaScript because nothing can load
// TypeScript before this runs.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.moduleUrl);
