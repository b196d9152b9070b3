// Bounded waits for tests. Every wait has a deadline and a message that says what
// did not happen; none of them sleeps to "give things time".
/** Anything with on/off: Node's EventEmitter, or one of ours with per-event typed listener methods. */
interface Emitter {
  // `any`: a listener of any one event's arguments must fit (test code, not the public API).
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}
// within, waitForNode and eventually are the testing kit's (src/testing/wait.ts).
export { eventually, waitForNode, within } from '../../src/testing/wait.js';

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
