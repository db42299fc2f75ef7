/**
 * Bounds on promises a client library may leave pending: ioredis's cluster client queues a
 * command while it has no connection it can send on (its offline queue has no timeout of its own,
 * and commandTimeout starts only when a node connection takes the command), so a cluster that
 * never serves the slot again, e.g. one whose only primary was killed for good, never answers.
 */

/** Thrown by `settleWithin` when the promise did not settle in time. */
export class DeadlineError extends Error {}

/**
 * The promise's outcome, or a DeadlineError after `ms` or when the signal aborts (the promise
 * itself goes on).
 */
export function settleWithin<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolveSettle, rejectSettle) => {
    const giveUp = (reason: string) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      rejectSettle(new DeadlineError(reason));
    };
    const onAbort = () => giveUp('the run was aborted');
    const timer = setTimeout(() => giveUp(`no reply within ${ms} ms`), ms);
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolveSettle(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        rejectSettle(error);
      },
    );
  });
}

/** Resolves when the promises have settled, `ms` has passed, or the signal aborts, whichever is first. */
export function allSettledWithin(
  promises: readonly Promise<unknown>[],
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  if (promises.length === 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise<void>((resolveAll) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolveAll();
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', finish, { once: true });
    void Promise.allSettled(promises).then(finish);
  });
}
