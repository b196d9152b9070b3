// Every step of a recipe runs on one session and never moves to another: what an old session of
// ours did or owns is exactly what must not be trusted on a new one.
import { isRetriable, StoppedError } from '../errors.js';
import type { Connection } from '../zookeeper/connection.js';
import type { Session } from '../zookeeper/session.js';
import type { StopCheck } from '../util/stop-signal.js';

/**
 * Runs `op` on `session`, and again after each connection loss once the *same* session is connected
 * again. Rejects with StoppedError naming `stop.what` when the recipe stops, or naming the session
 * when it is gone (the caller's next run, on the new session, takes over); any other error is the
 * operation's own.
 */
export async function onSameSession<T>(
  connection: Connection,
  session: Session,
  op: () => Promise<T>,
  stop: StopCheck,
  onRetry?: (err: Error) => void,
): Promise<T> {
  const stopped = (): StoppedError => new StoppedError(stop.aborted ? stop.what : `session 0x${session.id}`);
  for (;;) {
    if (stop.aborted || session.ended !== undefined) throw stopped();
    try {
      return await op();
    } catch (err) {
      if (!isRetriable(err)) throw err instanceof StoppedError && stop.aborted ? stopped() : err;
      onRetry?.(err as Error);
    }
    let s: Session;
    try {
      s = await connection.waitForConnected(stop.signal);
    } catch (err) {
      throw err instanceof StoppedError && stop.aborted ? stopped() : err;
    }
    if (s !== session) throw stopped();
  }
}
