// Every step of a recipe runs on one session and never moves to another: what an old session of
// ours did or owns is exactly what must not be trusted on a new one.
import { isRetriable, StoppedError } from '../errors.js';
import type { Connection } from '../zookeeper/connection.js';
import type { Session } from '../zookeeper/session.js';

/**
 * Runs `op` on `session`, and again after each connection loss once the *same* session is connected
 * again. Rejects with StoppedError when `signal` aborts or the session is gone (the caller's next
 * run, on the new session, takes over); any other error is the operation's own.
 */
export async function onSameSession<T>(
  connection: Connection,
  session: Session,
  op: () => Promise<T>,
  signal: AbortSignal,
  onRetry?: (err: Error) => void,
): Promise<T> {
  for (;;) {
    if (signal.aborted) throw new StoppedError('the recipe');
    if (session.ended !== undefined) throw new StoppedError(`session 0x${session.id}`);
    try {
      return await op();
    } catch (err) {
      if (!isRetriable(err)) throw err;
      onRetry?.(err as Error);
      const s = await connection.waitForConnected(signal);
      if (s !== session) throw new StoppedError(`session 0x${session.id}`);
    }
  }
}
