// Sessions for tests: a plain one, and the deterministic end of someone else's session (the
// stand-in for the server finishing an expiry).
import { Session } from '../../src/index.js';
import { within } from './wait.js';

export function openSession(connect: string, sessionTimeoutMs = 4000): Promise<Session> {
  return within(Session.open({ connect, sessionTimeoutMs }), 15_000, `a ZooKeeper session with ${connect}`);
}

/**
 * Ends someone else's session deterministically: attach a second handle with the session's id and
 * password, then close it, so the server runs closeSession and deletes the session's ephemerals.
 * The original handle may win its connection back before our close arrives (the server lets one
 * connection hold a session), so we repeat until attaching is refused because the session is gone.
 */
export async function killSession(connect: string, sessionId: string, password: string): Promise<void> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    let hijack: Session;
    try {
      hijack = await within(
        Session.open({ connect, sessionTimeoutMs: 4000, sessionId, sessionPassword: password }),
        15_000,
        `attaching to session 0x${sessionId}`,
      );
    } catch (err) {
      if ((err as { code?: string }).code === 'ZSESSIONEXPIRED') return;
      throw err;
    }
    if (hijack.id !== sessionId) throw new Error(`attached to 0x${hijack.id}, expected 0x${sessionId}`);
    await hijack.close();
  }
  throw new Error(`session 0x${sessionId} survived 20 attempts to close it`);
}
