// Bounded waits of the testing kit. Every wait has a deadline and a message that says what did not
// happen; none of them sleeps to "give things time".
import { ConnectTimeoutError } from '../errors.js';
import { untilAborted } from '../util/shared-work.js';
import { delay } from '../util/timing.js';
import { Session, type SessionOptions } from '../zookeeper/session.js';
import type { Stat } from '../zookeeper/types.js';

/**
 * Rejects with a clear message if `p` does not settle within `timeoutMs`, or with StoppedError once
 * `signal` aborts (the caller gave up: its timer must not outlive it).
 */
export function within<T>(p: Promise<T>, timeoutMs: number, what: string, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return untilAborted(Promise.race([p, deadline]), signal, what).finally(() => clearTimeout(timer));
}

/**
 * Session.open bounded by a signal, not a race: an open given up is closed, not left reconnecting
 * (and keeping the test process alive) after the caller has moved on. Rejects with
 * ConnectTimeoutError naming the last attempt's failure, or what Session.open rejects with.
 */
export async function openSessionWithin(opts: SessionOptions, timeoutMs: number): Promise<Session> {
  let last: Error | undefined;
  try {
    return await Session.open({ ...opts, onAttemptFailed: (_host, cause) => (last = cause) }, AbortSignal.timeout(timeoutMs));
  } catch (err) {
    if ((err as { name?: string }).name !== 'TimeoutError') throw err;
    throw new ConnectTimeoutError(opts.connect, timeoutMs, last === undefined ? undefined : { cause: last });
  }
}

/**
 * Waits, with exists-watches (no polling), until the node's stat satisfies `predicate`
 * (stat is null when the node does not exist). Ends with StoppedError once `signal` aborts.
 */
export async function waitForNode(
  session: Session,
  path: string,
  predicate: (stat: Stat | null) => boolean,
  timeoutMs: number,
  what: string,
  signal?: AbortSignal,
): Promise<Stat | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    let fired!: () => void;
    const changed = new Promise<void>((r) => (fired = r));
    const stat = await session.exists(path, () => fired());
    if (predicate(stat)) return stat;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last stat: ${JSON.stringify(stat)}`);
    await within(changed, left, what, signal).catch((err: Error) => {
      throw signal?.aborted === true ? err : new Error(`${err.message}; last stat: ${JSON.stringify(stat)}`);
    });
  }
}

/**
 * Polls `check` with backoff (50 ms doubling to 1 s) until it is true. For what offers no watch or
 * event (a Kafka broker's metadata, a four-letter word): the one place the kit polls. Ends with
 * StoppedError once `signal` aborts.
 */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  last?: () => string,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
    // Each check is bounded by what is left of the deadline: a check that hangs must not hang us.
    const ok = await within(
      check().catch(() => false),
      Math.max(0, deadline - Date.now()),
      what,
      signal,
    ).catch((err: unknown) => {
      if (signal?.aborted === true) throw err;
      return false;
    });
    if (ok) return;
    if (Date.now() + wait > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `; last seen: ${last()}`}`);
    await delay(wait, signal);
  }
}
