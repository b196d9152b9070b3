import { EventEmitter } from 'node:events';

type Listener<T, K extends keyof T> = T[K] extends unknown[] ? (...args: T[K]) => void : never;

/**
 * EventEmitter's listener methods narrowed to one class's own events. Node's own typings accept any
 * event name (their key type parameter absorbs a typo), so `on('registerd', ...)` would compile.
 */
interface TypedEmitter<T> extends Omit<EventEmitter, 'on' | 'once' | 'off' | 'addListener' | 'removeListener' | 'prependListener' | 'prependOnceListener' | 'removeAllListeners' | 'listenerCount' | 'emit'> {
  emit<K extends keyof T>(eventName: K, ...args: T[K] extends unknown[] ? T[K] : never): boolean;
  on<K extends keyof T>(eventName: K, listener: Listener<T, K>): this;
  once<K extends keyof T>(eventName: K, listener: Listener<T, K>): this;
  off<K extends keyof T>(eventName: K, listener: Listener<T, K>): this;
  addListener<K extends keyof T>(eventName: K, listener: Listener<T, K>): this;
  removeListener<K extends keyof T>(eventName: K, listener: Listener<T, K>): this;
  prependListener<K extends keyof T>(eventName: K, listener: Listener<T, K>): this;
  prependOnceListener<K extends keyof T>(eventName: K, listener: Listener<T, K>): this;
  removeAllListeners(eventName?: keyof T): this;
  listenerCount(eventName: keyof T): number;
}

const TypedEventEmitter = EventEmitter as unknown as new <T>() => TypedEmitter<T>;

/**
 * An EventEmitter whose `notify()` cannot be derailed by a listener that throws: the state machines
 * in this library emit from the middle of their routines, and a user's buggy listener must not
 * turn into a failed registration or a stuck mutex. The exception is re-thrown on the next tick,
 * so it still surfaces (as an uncaught exception from the listener's own code), just not in ours.
 * Listener methods are typed per event (see TypedEmitter).
 */
export class SafeEmitter<T extends Record<keyof T, unknown[]>> extends TypedEventEmitter<T> {
  protected notify<K extends keyof T>(eventName: K, ...args: T[K]): void {
    try {
      (EventEmitter.prototype.emit as (e: K, ...a: T[K]) => boolean).call(this, eventName, ...args);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

/**
 * Adds each of `handlers` as a listener of `emitter`; returns what removes them all again. For a
 * recipe that follows another object's events for its own lifetime, so that what it attaches and
 * what it detaches cannot drift apart.
 */
export function listenTo<T extends Record<keyof T, unknown[]>>(emitter: SafeEmitter<T>, handlers: { readonly [K in keyof T]?: Listener<T, K> }): () => void {
  const added = (Object.keys(handlers) as (keyof T)[]).map((k) => [k, handlers[k] as Listener<T, keyof T>] as const);
  for (const [k, h] of added) emitter.on(k, h);
  return () => {
    for (const [k, h] of added) emitter.off(k, h);
  };
}
