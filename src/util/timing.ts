import { StoppedError } from '../errors.js';

/** Resolves after `ms`, or rejects with StoppedError as soon as `signal` aborts. Leaves no timer behind. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new StoppedError('wait'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new StoppedError('wait'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Exponential backoff with full jitter: spreads out the reconnect storm when many brokers lose
 * their sessions at once (the stalled-leader scenario hits every client together).
 */
export function backoffMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 20));
  return Math.round(minMs + random() * (ceiling - minMs));
}
