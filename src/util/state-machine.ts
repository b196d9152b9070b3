// One way to write a state machine, for every class that has one (OwnedEphemeral, Connection,
// ClusterConfirmation, the client's connection): the states and their edges as a data table, one
// `to()` that moves along an edge and logs it, and a loud failure for any other move, which is
// always a bug of ours. Guards stay in the callers (each says *why* it moves); the table says which
// moves exist at all, so it is the one place to read a class's life.
import type { Debugger } from 'debug';
import { UnexpectedError } from '../errors.js';

/** Each state and the states it may move to (a state that may be entered again lists itself). */
export type Transitions<S extends string> = Readonly<Record<S, readonly S[]>>;

export class StateMachine<S extends string> {
  private current: S;

  /**
   * @param name what the machine belongs to, for the log line and the error (`OwnedEphemeral(/brokers/ids/1)`).
   * @param log the owner's `debug` logger: each edge is one line, `name: from -> to (why)`.
   */
  constructor(
    private readonly name: string,
    initial: S,
    private readonly edges: Transitions<S>,
    private readonly log: Debugger,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  /** True when the machine is in one of `states`. */
  is(...states: readonly S[]): boolean {
    return states.includes(this.current);
  }

  /**
   * Moves to `next` along an edge of the table. Throws UnexpectedError (nothing changed) for a move
   * the table does not have.
   */
  to(next: S, why: string): void {
    if (!this.edges[this.current].includes(next))
      throw new UnexpectedError(`${this.name}: no transition from ${this.current} to ${next} (${why})`);
    this.log('%s: %s -> %s (%s)', this.name, this.current, next, why);
    this.current = next;
  }
}
