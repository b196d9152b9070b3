// What the Java client's EventThread guarantees: a caller sees replies, watch events and state
// changes in the order the server sent them. Here a reply is delivered by settling a promise, whose
// continuations run later as microtasks (several hops later through async wrappers), while a
// watcher or listener would run at once: called naively, a watch event read right after a getData
// reply would reach its watcher before the getData caller saw the reply. So an event that follows a
// settled promise waits for a macrotask boundary (setImmediate), by which time every microtask
// queued before it, however many hops, has run. Replies are never delayed except behind such an
// event, so a burst of replies costs nothing.

import { callUserCode } from '../../util/safe-emitter.js';

type Item = { readonly run: () => void; readonly isEvent: boolean };

export class DeliveryQueue {
  private readonly items: Item[] = [];
  /** A promise was settled since the last macrotask boundary: an event must wait for the next one. */
  private settledSinceBoundary = false;
  private waitingForBoundary = false;
  private draining = false;

  /** Settles a promise (resolve or reject), in order with everything else. */
  settle(run: () => void): void {
    this.push({ run, isEvent: false });
  }

  /** Calls user code (watchers, listeners), in order; an exception is re-thrown on the next tick. */
  event(run: () => void): void {
    this.push({ run, isEvent: true });
  }

  private push(item: Item): void {
    this.items.push(item);
    if (!this.draining && !this.waitingForBoundary) this.drain();
  }

  private drain(): void {
    this.draining = true;
    try {
      while (this.items.length > 0) {
        const item = this.items[0]!;
        if (item.isEvent && this.settledSinceBoundary) {
          this.waitingForBoundary = true;
          setImmediate(() => {
            this.waitingForBoundary = false;
            this.settledSinceBoundary = false;
            this.drain();
          });
          return;
        }
        this.items.shift();
        if (!item.isEvent) this.settledSinceBoundary = true;
        // A watcher or listener that throws never stops the delivery of what follows (nor a socket
        // handler of ours): its bug surfaces as an uncaught exception of its own.
        callUserCode(item.run);
      }
    } finally {
      this.draining = false;
    }
  }
}
