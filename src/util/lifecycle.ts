// The lifecycle every public class shares, Curator-style: LATENT -> STARTED -> CLOSED, changed in
// one place, and misuse (start twice, start after close) fails loudly and at once with the same
// error everywhere. It is deliberately separate from what a recipe knows about its node.
import { LifecycleError } from '../errors.js';

export type LifecycleState = 'latent' | 'started' | 'closed';

export class Lifecycle {
  private st: LifecycleState = 'latent';

  constructor(private readonly what: string) {}

  get state(): LifecycleState {
    return this.st;
  }

  /** latent -> started. Throws LifecycleError in any other state. */
  start(): void {
    if (this.st !== 'latent') throw new LifecycleError(this.what, 'start', this.st);
    this.st = 'started';
  }

  /** -> closed. True the first time (the caller does the closing), false after: close is idempotent. */
  close(): boolean {
    if (this.st === 'closed') return false;
    this.st = 'closed';
    return true;
  }
}
