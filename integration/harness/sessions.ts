// Sessions for tests: a plain one, and the deterministic end of someone else's session (the
// stand-in for the server finishing an expiry).
import { Session } from '../../src/index.js';
import { within } from './wait.js';
import { expireSession } from '../../src/testing/zookeeper.js';

export function openSession(connect: string, sessionTimeoutMs = 4000): Promise<Session> {
  return within(Session.open({ connect, sessionTimeoutMs }), 15_000, `a ZooKeeper session with ${connect}`);
}

/**
 * Ends someone else's session deterministically (the testing kit's expireSession: attach a second
 * handle with the session's id and password, then close it, until the server says it is gone).
 */
export function killSession(connect: string, sessionId: string, password: string): Promise<void> {
  return expireSession(connect, sessionId, password);
}
