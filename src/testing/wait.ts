// Bounded waits of the testing kit. Every wait has a deadline and a message that says what did not
// happen; none of them sleeps to "give things time".
import { ConnectTimeoutError, StoppedError } from '../errors.js';
import { untilAborted } from '../util/shared-work.js';
import { delay } from '../util/timing.js';
import { Session, type SessionOptions } from '../zookeeper/session.js';
import type { Stat, Watcher } from '../zookeeper/types.js';

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

/** A path's one watcher, and the waits it wakes when it fires. */
type ExistWatch = { readonly watcher: Watcher; readonly waiters: Set<() => void> };

/**
 * One exists-watcher per session and path, however many waits use it. A session keeps a watcher until
 * its node changes, so a closure per wait would pile up on a node that never changes (the kit's
 * observer session waits on the same nodes for a cluster's whole life); this one is the same function
 * each time (the session keeps it once) and wakes whichever waits are on it when it fires.
 */
const existWatchers = new WeakMap<Session, Map<string, ExistWatch>>();

function wakeAll(waiters: Set<() => void>): void {
  const woken = [...waiters];
  waiters.clear();
  for (const wake of woken) wake();
}

function existWatcher(session: Session, path: string): ExistWatch {
  let byPath = existWatchers.get(session);
  if (byPath === undefined) {
    const paths = new Map<string, ExistWatch>();
    existWatchers.set(session, paths);
    // A session that ends clears its watches without firing them: every wait on it goes on to its next
    // exists(), which says why (SessionExpiredError, ClosingError), rather than sitting out its timeout.
    session.once('ended', () => {
      for (const { waiters } of paths.values()) wakeAll(waiters);
    });
    byPath = paths;
  }
  let entry = byPath.get(path);
  if (entry === undefined) {
    const waiters = new Set<() => void>();
    const watcher: Watcher = () => {
      // Fired, so the session no longer holds it: with no wait on it, the entry goes too.
      if (waiters.size === 0 && byPath.get(path)?.watcher === watcher) byPath.delete(path);
      wakeAll(waiters);
    };
    byPath.set(path, (entry = { watcher, waiters }));
  }
  return entry;
}

/**
 * Waits, with exists-watches (no polling), until the node's stat satisfies `predicate`
 * (stat is null when the node does not exist). Ends with StoppedError once `signal` aborts. Leaves
 * nothing of its own on the session when it ends (see existWatcher).
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
  const { watcher, waiters } = existWatcher(session, path);
  let wake: (() => void) | undefined;
  try {
    for (;;) {
      if (signal?.aborted === true) throw new StoppedError(what);
      const changed = new Promise<void>((r) => waiters.add((wake = r)));
      const stat = await session.exists(path, watcher);
      if (predicate(stat)) return stat;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last stat: ${JSON.stringify(stat)}`);
      await within(changed, left, what, signal).catch((err: Error) => {
        throw signal?.aborted === true ? err : new Error(`${err.message}; last stat: ${JSON.stringify(stat)}`);
      });
    }
  } finally {
    if (wake !== undefined) waiters.delete(wake);
  }
}

/** What the check made at the deadline is given to answer (a metadata request, a four-letter word). */
const LAST_CHECK_MS = 200;

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
    // Each check is bounded by what is left of the deadline (a check that hangs must not hang us),
    // the one at the deadline by a moment of its own to answer in.
    const ok = await within(
      check().catch(() => false),
      Math.max(LAST_CHECK_MS, deadline - Date.now()),
      what,
      signal,
    ).catch((err: unknown) => {
      if (signal?.aborted === true) throw err;
      return false;
    });
    if (ok) return;
    // The last pause ends at the deadline, for one last check there: the wait is as long as it says.
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `; last seen: ${last()}`}`);
    await delay(Math.min(wait, left), signal);
  }
}
