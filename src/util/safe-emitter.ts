import { EventEmitter } from 'node:events';

/**
 * An EventEmitter whose `notify()` cannot be derailed by a listener that throws: the state machines
 * in this library emit from the middle of their routines, and a user's buggy listener must not
 * turn into a failed registration or a stuck mutex. The exception is re-thrown on the next tick,
 * so it still surfaces (as an uncaught exception from the listener's own code), just not in ours.
 */
export class SafeEmitter<T extends Record<keyof T, unknown[]>> extends EventEmitter<T> {
  protected notify<K extends keyof T>(eventName: K, ...args: T[K]): void {
    try {
      (this.emit as unknown as (e: K, ...a: T[K]) => boolean).call(this, eventName, ...args);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}
