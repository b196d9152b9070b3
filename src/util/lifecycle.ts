// The lifecycle every public class shares, Curator-style: LATENT -> STARTED -> CLOSED, changed in
// one place, and misuse (start twice, start after close) fails loudly and at once with the same
// error everywhere. It is deliberately separate from what a recipe knows about its node.
import { LifecycleError } from '../errors.js';

export type LifecycleState = 'latent' | 'started' | 'closed';

export class Lifecycle {
  private current: LifecycleState = 'latent';

  constructor(private readonly what: string) {}

  get state(): LifecycleState {
    return this.current;
  }

  /** latent -> started. Throws LifecycleError in any other state. */
  start(): void {
    if (this.current !== 'latent') throw new LifecycleError(this.what, 'start', this.current);
    this.current = 'started';
  }

  /** -> closed. True the first time (the caller does the closing), false after: close is idempotent. */
  close(): boolean {
    if (this.current === 'closed') return false;
    this.current = 'closed';
    return true;
  }
}
