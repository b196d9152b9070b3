import { EventEmitter } from 'node:events';

/** The listener function of event `K` of an event map `T`. */
export type EventListenerOf<T, K extends keyof T> = T[K] extends unknown[] ? (...args: T[K]) => void : never;

/**
 * EventEmitter's listener methods narrowed to one class's own events. Node's own typings accept any
 * event name (their key type parameter absorbs a typo), so `on('registerd', ...)` would compile.
 */
export interface TypedEmitter<T>
  extends Omit<
    EventEmitter,
    | 'on'
    | 'once'
    | 'off'
    | 'addListener'
    | 'removeListener'
    | 'prependListener'
    | 'prependOnceListener'
    | 'removeAllListeners'
    | 'listenerCount'
    | 'emit'
  > {
  /** EventEmitter.emit, for `T`'s events only. */
  emit<K extends keyof T>(eventName: K, ...args: T[K] extends unknown[] ? T[K] : never): boolean;
  /** EventEmitter.on, for `T`'s events only: the listener's parameters are that event's. */
  on<K extends keyof T>(eventName: K, listener: EventListenerOf<T, K>): this;
  /** EventEmitter.once, for `T`'s events only. */
  once<K extends keyof T>(eventName: K, listener: EventListenerOf<T, K>): this;
  /** EventEmitter.off, for `T`'s events only. */
  off<K extends keyof T>(eventName: K, listener: EventListenerOf<T, K>): this;
  /** EventEmitter.addListener, for `T`'s events only. */
  addListener<K extends keyof T>(eventName: K, listener: EventListenerOf<T, K>): this;
  /** EventEmitter.removeListener, for `T`'s events only. */
  removeListener<K extends keyof T>(eventName: K, listener: EventListenerOf<T, K>): this;
  /** EventEmitter.prependListener, for `T`'s events only. */
  prependListener<K extends keyof T>(eventName: K, listener: EventListenerOf<T, K>): this;
  /** EventEmitter.prependOnceListener, for `T`'s events only. */
  prependOnceListener<K extends keyof T>(eventName: K, listener: EventListenerOf<T, K>): this;
  /** EventEmitter.removeAllListeners, for `T`'s events only. */
  removeAllListeners(eventName?: keyof T): this;
  /** EventEmitter.listenerCount, for `T`'s events only. */
  listenerCount(eventName: keyof T): number;
}

/** Node's EventEmitter, typed as a TypedEmitter of `T`'s events: the base of SafeEmitter. */
export const TypedEventEmitter = EventEmitter as unknown as new <T>() => TypedEmitter<T>;

/**
 * Runs a user's callback (a listener, a watcher) on our stack without letting it derail us: an
 * exception is re-thrown on the next tick, so it still surfaces (as an uncaught exception from the
 * callback's own code), just not in ours.
 */
export function callUserCode(run: () => void): void {
  try {
    run();
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}

/**
 * An EventEmitter whose `notify()` cannot be derailed by a listener that throws: the state machines
 * in this library emit from the middle of their routines, and a user's buggy listener must not
 * turn into a failed registration or a stuck mutex. The exception is re-thrown on the next tick,
 * so it still surfaces (as an uncaught exception from the listener's own code), just not in ours.
 * Listener methods are typed per event (see TypedEmitter).
 */
export class SafeEmitter<T extends Record<keyof T, unknown[]>> extends TypedEventEmitter<T> {
  /** Emits `eventName` to every listener; a listener that throws is re-thrown on the next tick, never here. */
  protected notify<K extends keyof T>(eventName: K, ...args: T[K]): void {
    callUserCode(() => void (EventEmitter.prototype.emit as (e: K, ...a: T[K]) => boolean).call(this, eventName, ...args));
  }
}

/**
 * Adds each of `handlers` as a listener of `emitter`; returns what removes them all again. For a
 * recipe that follows another object's events for its own lifetime, so that what it attaches and
 * what it detaches cannot drift apart.
 */
export function listenTo<T extends Record<keyof T, unknown[]>>(
  emitter: SafeEmitter<T>,
  handlers: { readonly [K in keyof T]?: EventListenerOf<T, K> },
): () => void {
  const added = (Object.keys(handlers) as (keyof T)[]).map((k) => [k, handlers[k] as EventListenerOf<T, keyof T>] as const);
  for (const [k, h] of added) emitter.on(k, h);
  return () => {
    for (const [k, h] of added) emitter.off(k, h);
  };
}
