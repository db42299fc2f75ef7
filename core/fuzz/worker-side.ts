/**
 * The worker half of the fuzz loop, in a worker thread or a child process: builds the FuzzTarget
 * once, then runs each seed the parent sends and posts its outcome. A worker program
 * (bin/fuzz-worker.ts) calls `serveFuzzWorker` with a factory for the target, which is where it
 * imports sim/ or real/.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { classify, runSeed, type FuzzTarget } from './seed-run.ts';
import { WORKER_CONFIG_ENV, type FromWorker, type ToWorker, type WorkerConfig } from './worker-protocol.ts';

interface ParentChannel {
  config: WorkerConfig;
  post(message: FromWorker): void;
  onMessage(listener: (message: ToWorker) => void): void;
}

function parentChannel(): ParentChannel {
  const port = parentPort;
  if (port !== null) {
    return {
      config: workerData as WorkerConfig,
      post: (message) => port.postMessage(message),
      onMessage: (listener) => port.on('message', listener),
    };
  }
  const send = process.send?.bind(process);
  const configText = process.env[WORKER_CONFIG_ENV];
  if (send === undefined || configText === undefined)
    throw new Error('serveFuzzWorker: neither a worker thread nor a fuzz worker process');
  return {
    config: JSON.parse(configText) as WorkerConfig,
    post: (message) => {
      send(message);
    },
    onMessage: (listener) => process.on('message', (message) => listener(message as ToWorker)),
  };
}

export function serveFuzzWorker(createTarget: (config: WorkerConfig) => FuzzTarget | Promise<FuzzTarget>): void {
  const channel = parentChannel();
  const config = channel.config;
  const post = (message: FromWorker) => channel.post(message);
  let controller: AbortController | null = null;
  let target: FuzzTarget | null = null;

  channel.onMessage((message: ToWorker) => {
    if (message.type === 'abort') {
      controller?.abort();
      return;
    }
    if (message.type === 'close') {
      // Before the parent ends this thread: servers it started must be stopped and reaped here,
      // by the thread that owns them (ended, it leaves them as zombies until busfuzz exits).
      void Promise.resolve(target?.backend.close?.())
        .catch(() => {})
        .then(() => post({ type: 'closed' }));
      return;
    }
    if (target === null) throw new Error('fuzz worker: run before ready');
    if (controller !== null) throw new Error('fuzz worker: a second run while one is in flight');
    const current = new AbortController();
    controller = current;
    const options = {
      features: config.features === true,
      ...(message.scenario === undefined ? {} : { scenario: message.scenario }),
    };
    void runSeed(target, message.seed, config.maxSteps, current.signal, options).then((outcome) => {
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
