/**
 * The worker-thread half of the fuzz loop: builds the FuzzTarget once, then runs each seed the
 * parent sends and posts its outcome. A worker program (bin/fuzz-worker.ts) calls
 * `serveFuzzWorker` with a factory for the target, which is where it imports sim/ or real/.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { classify, runSeed, type FuzzTarget } from './seed-run.ts';
import type { FromWorker, ToWorker, WorkerConfig } from './worker-protocol.ts';

export function serveFuzzWorker(createTarget: (config: WorkerConfig) => FuzzTarget | Promise<FuzzTarget>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveFuzzWorker: not in a worker thread');
  const config = workerData as WorkerConfig;
  const post = (message: FromWorker) => port.postMessage(message);
  let controller: AbortController | null = null;
  let target: FuzzTarget | null = null;

  port.on('message', (message: ToWorker) => {
    if (message.type === 'abort') {
      controller?.abort();
      return;
    }
    if (target === null) throw new Error('fuzz worker: run before ready');
    if (controller !== null) throw new Error('fuzz worker: a second run while one is in flight');
    const current = new AbortController();
    controller = current;
    void runSeed(target, message.seed, config.maxSteps, current.signal).then((outcome) => {
      controller = null;
      post({ type: 'outcome', outcome });
    });
  });

  void (async () => {
    try {
      target = await createTarget(config);
    } catch (error) {
      post({ type: 'fatal', error: classify(error) });
      return;
    }
    post({ type: 'ready' });
  })();
}
