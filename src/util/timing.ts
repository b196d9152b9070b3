import { InvalidConfigError, StoppedError } from '../errors.js';

/**
 * The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days): setTimeout fires a longer one
 * after 1 ms instead (with a TimeoutOverflowWarning), which would turn "wait this long" into "at once".
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A duration option in milliseconds: an integer in `min`..MAX_TIMER_MS, or InvalidConfigError naming
 * `field` and the value.
 */
export function timerMs(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > MAX_TIMER_MS) {
    throw new InvalidConfigError(
      field,
      v,
      `expected an integer number of milliseconds in ${min}..${MAX_TIMER_MS} (the longest timer Node has)`,
    );
  }
  return v;
}

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
