// For users' own integration tests against a real cluster: make a broker id appear in the cluster
// (registered in ZooKeeper, confirmed through kafkajs metadata) and disappear again on dispose.
import type { Admin, KafkaConfig } from 'kafkajs';
import { createAdmin } from '../confirmation/kafkajs-client.js';
import { ConfirmationFailedError, InvalidConfigError } from '../errors.js';
import { BrokerRegistrar, type Registration } from '../registration/broker-registrar.js';
import { backoffMs, delay } from '../util/timing.js';
import type { ConnectionOptions } from '../zookeeper/connection.js';
import type { SecurityProtocol } from '../znodes/broker-znode.js';

/** Options of `registerTemporaryBroker`. Give exactly one of `kafka` and `admin`. */
export interface TemporaryBrokerOptions {
  /** Where to register (ConnectionOptions: `connect`, `sessionTimeoutMs`, `auth`, `tls`, ...). */
  readonly zookeeper: ConnectionOptions;
  /** The broker id to make appear in the cluster: one no real broker uses. */
  readonly brokerId: number;
  /** How to ask the cluster: kafkajs client options, or an Admin you already have (left connected). */
  readonly kafka?: KafkaConfig;
  /** A connected kafkajs Admin of yours (left connected). */
  readonly admin?: Admin;
  /**
   * The endpoint the cluster will advertise for this broker — typically a server of yours that
   * answers for it. Give the listener the kafkajs client uses (default name PLAINTEXT).
   */
  readonly endpoint: { readonly host: string; readonly port: number; readonly listenerName?: string; readonly securityProtocol?: SecurityProtocol };
  /** Bound for confirmation on start and for disappearance on dispose. Default 30000. */
  readonly timeoutMs?: number;
}

/** A broker id registered and listed by the cluster, until `dispose()`. */
export interface TemporaryBroker {
  /** The broker id. */
  readonly brokerId: number;
  /** The registration the cluster confirmed. */
  readonly registration: Registration;
  /** The registrar keeping it (for its events and status). */
  readonly registrar: BrokerRegistrar;
  /** Deregisters, then waits until the cluster no longer lists the broker (ConfirmationFailedError if it still does). */
  dispose(): Promise<void>;
}

/**
 * Registers `brokerId` in ZooKeeper and resolves once the cluster lists it with `endpoint`.
 * Rejects with ConfirmationFailedError (after cleaning up) if the cluster does not confirm in time.
 */
export async function registerTemporaryBroker(opts: TemporaryBrokerOptions): Promise<TemporaryBroker> {
  if ((opts.kafka === undefined) === (opts.admin === undefined)) {
    throw new InvalidConfigError('kafka', opts.kafka, 'give exactly one of kafka (client options) or admin');
  }
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const ownAdmin = opts.admin === undefined;
  const admin = opts.admin ?? createAdmin(opts.kafka as KafkaConfig, 'kafka', Math.min(timeoutMs, 10_000));
  const listenerName = opts.endpoint.listenerName ?? 'PLAINTEXT';
  const registrar = new BrokerRegistrar({
    zookeeper: opts.zookeeper,
    brokerId: opts.brokerId,
    listeners: [{ name: listenerName, host: opts.endpoint.host, port: opts.endpoint.port, ...(opts.endpoint.securityProtocol === undefined ? {} : { securityProtocol: opts.endpoint.securityProtocol }) }],
    confirm: { admin, timeoutMs },
  });
  const cleanup = async (): Promise<void> => {
    await registrar.stop();
    if (ownAdmin) await admin.disconnect().catch(() => undefined);
  };
  const outcome = new Promise<void>((resolve, reject) => {
    registrar.once('confirmed', () => resolve());
    registrar.once('unconfirmed', (e) => reject(new ConfirmationFailedError(opts.brokerId, e.reason, e.seen, e.error)));
  });
  outcome.catch(() => undefined);
  // One deadline for all of it (connecting kafkajs, registering, confirming): a cluster that
  // accepts connections and never answers must not stretch `timeoutMs`.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Said in the confirmation's own terms, from what the cluster last showed.
      const c = registrar.status().confirmation;
      const me = c?.seen?.brokers.find((b) => b.nodeId === opts.brokerId);
      const reason = c?.seen === undefined ? 'unreachable' : me === undefined ? 'not-listed' : 'endpoint-mismatch';
      reject(new ConfirmationFailedError(opts.brokerId, reason, c?.seen ?? c?.lastError));
    }, timeoutMs);
  });
  let registration: Registration;
  try {
    registration = await Promise.race([
      (async () => {
        if (ownAdmin) await admin.connect().catch(() => undefined); // an unreachable cluster shows up as unconfirmed
        const r = await registrar.start();
        await outcome;
        return r;
      })(),
      deadline,
    ]);
  } catch (err) {
    await cleanup();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    brokerId: opts.brokerId,
    registration,
    registrar,
    dispose: async () => {
      await registrar.stop();
      try {
        await waitUntilUnlisted(admin, opts.brokerId, timeoutMs);
      } finally {
        if (ownAdmin) await admin.disconnect().catch(() => undefined);
      }
    },
  };
}

async function waitUntilUnlisted(admin: Admin, brokerId: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: unknown;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    try {
      const view = await admin.describeCluster();
      seen = view;
      if (!view.brokers.some((b) => b.nodeId === brokerId)) return;
    } catch (err) {
      seen = err instanceof Error ? err.message : String(err);
    }
    await delay(Math.max(0, Math.min(backoffMs(attempt, 100, 2000), deadline - Date.now())));
  }
  throw new ConfirmationFailedError(brokerId, 'still-listed', seen);
}
