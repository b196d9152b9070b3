// Work that the callers of one process need done once per key: a chroot, a registration's parents on
// one cluster. A fleet started in one process (a test suite, a bench, a wrapper of many brokers) finds
// the same paths missing in the same instant; each create it repeats is refused by the server, and a
// refused create is still a quorum transaction (ZooKeeper logs the error txn), so a thousand of them
// slow every other client of the ensemble.
import { StoppedError } from '../errors.js';

export class SharedWork<T> {
  private readonly running = new Map<string, Promise<T>>();

  /**
   * The running work for `key`, or `work()` started now. `joined` says whether it was already
   * running: a caller that joined may want to do the work itself if it fails, since the failure
   * may be the other caller's own (its session gone, its stop).
   */
  run(key: string, work: () => Promise<T>): { readonly result: Promise<T>; readonly joined: boolean } {
    const running = this.running.get(key);
    if (running !== undefined) return { result: running, joined: true };
    const result = work().finally(() => {
      if (this.running.get(key) === result) this.running.delete(key);
    });
    this.running.set(key, result);
    return { result, joined: false };
  }
}

/**
 * `p`, or StoppedError (naming `what`) as soon as `signal` aborts; `p` itself goes on. Leaves no
 * listener on `signal` once settled.
 */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(new StoppedError(what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new StoppedError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
