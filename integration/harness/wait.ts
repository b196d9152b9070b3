// Bounded waits for tests. Every wait has a deadline and a message that says what
// did not happen; none of them sleeps to "give things time".
/** Anything with on/off: Node's EventEmitter, or one of ours with per-event typed listener methods. */
interface Emitter {
  // `any`: a listener of any one event's arguments must fit (test code, not the public API).
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}
import type { Session, Stat } from '../../src/index.js';

export function waitForEvent<T extends unknown[]>(
  emitter: Emitter,
  event: string,
  timeoutMs: number,
  what: string,
  filter: (...args: T) => boolean = () => true,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (event '${event}')`));
    }, timeoutMs);
    const listener = (...args: unknown[]): void => {
      if (!filter(...(args as T))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as T);
    };
    emitter.on(event, listener);
  });
}

/** Rejects with a clear message if `p` does not settle within `timeoutMs`. */
export function within<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Waits, with exists-watches (no polling), until the node's stat satisfies `predicate`
 * (stat is null when the node does not exist).
 */
export async function waitForNode(
  session: Session,
  path: string,
  predicate: (stat: Stat | null) => boolean,
  timeoutMs: number,
  what: string,
): Promise<Stat | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let fired!: () => void;
    const changed = new Promise<void>((r) => (fired = r));
    const stat = await session.exists(path, () => fired());
    if (predicate(stat)) return stat;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last stat: ${JSON.stringify(stat)}`);
    await within(changed, left, what).catch((err: Error) => {
      throw new Error(`${err.message}; last stat: ${JSON.stringify(stat)}`);
    });
  }
}

/**
 * Polls `check` with backoff until it is true. For what offers no watch or event (a Kafka
 * broker's metadata, a log file, a status field): the one place the harness polls.
 */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string, last?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
    // Each check is bounded by what is left of the deadline: a check that hangs must not hang us.
    let timer: NodeJS.Timeout | undefined;
    const cut = new Promise<false>((r) => (timer = setTimeout(() => r(false), Math.max(0, deadline - Date.now()))));
    const ok = await Promise.race([check().catch(() => false), cut]);
    clearTimeout(timer);
    if (ok) return;
    if (Date.now() + wait > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `; last seen: ${last()}`}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}
