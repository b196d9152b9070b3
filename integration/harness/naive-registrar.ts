// The registration step as ZooKeeper-mode Kafka brokers did it before the fix: create the
// ephemeral on every new session and treat NodeExists as "already registered". Kept in test code
// only, to prove the race tests can see the bug this library exists to prevent.
import { Connection, NodeExistsError, type Session } from '../../src/index.js';

export class NaiveRegistrar {
  readonly connection: Connection;
  /** What the naive registrar believes. */
  registered = false;
  private readonly attempts: Promise<void>[] = [];

  constructor(
    connect: string,
    private readonly path: string,
    private readonly data: Buffer,
    sessionTimeoutMs = 4000,
  ) {
    this.connection = new Connection({ connect, sessionTimeoutMs });
    this.connection.on('expired', () => (this.registered = false));
    this.connection.on('session', (s) => this.attempts.push(this.register(s)));
  }

  async start(): Promise<void> {
    await this.connection.start();
    await Promise.all(this.attempts);
  }

  private async register(s: Session): Promise<void> {
    await this.connection.ensureChroot();
    await s.createParents(this.path);
    try {
      await s.create(this.path, this.data, 'ephemeral');
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
      // The bug: somebody's node is there, so "we" are registered.
    }
    this.registered = true;
  }

  stop(): Promise<void> {
    return this.connection.close();
  }
}
