// For users' own integration tests against a real cluster: make a broker id appear in the cluster
// (registered in ZooKeeper, confirmed through kafkajs metadata) and disappear again on dispose. By
// default the advertised endpoint is served here by a Kafka-protocol double (ApiVersions and
// Metadata, from the cluster's registrations in ZooKeeper), so a client that contacts the temporary
// broker gets an answer instead of a silent socket.
import type { Admin, KafkaConfig } from 'kafkajs';
import { checkKafkaConfig, createAdmin } from '../confirmation/kafkajs-client.js';
import { ConfirmationFailedError, ConnectTimeoutError, InvalidConfigError } from '../errors.js';
import { BrokerRegistrar, type Registration } from '../registration/broker-registrar.js';
import { backoffMs, delay, timerMs } from '../util/timing.js';
import { Connection, type ConnectionOptions, unreachableError } from '../zookeeper/connection.js';
import type { SecurityProtocol } from '../znodes/broker-znode.js';
import { FakeKafkaBroker } from './kafka-double/fake-broker.js';
import { ZkMetadataSource } from './kafka-double/zk-metadata.js';
import { trackTemporaryBroker } from './live-brokers.js';
import { checkOptionKeys } from '../util/options.js';
import { INT32_MAX } from '../znodes/znode-json.js';

/**
 * The ZooKeeper session timeout a temporary broker asks for unless `zookeeper.sessionTimeoutMs` is
 * given, in ms: short, so that the registration of a test process that was killed goes within 6 s
 * (a broker's 18 s default would hold the id that long).
 */
export const TEMPORARY_BROKER_SESSION_TIMEOUT_MS = 6000;

/** Options of `registerTemporaryBroker`. Give exactly one of `kafka` and `admin`. */
export interface TemporaryBrokerOptions {
  /** Where the cluster's ZooKeeper is (connect string with the cluster's chroot). `sessionTimeoutMs` defaults to TEMPORARY_BROKER_SESSION_TIMEOUT_MS. */
  readonly zookeeper: ConnectionOptions;
  /** The broker id to make appear in the cluster: one no real broker uses. */
  readonly brokerId: number;
  /** How to ask the cluster: kafkajs client options, or an Admin you already have (left connected). */
  readonly kafka?: KafkaConfig;
  /** A connected kafkajs Admin of yours (left connected). */
  readonly admin?: Admin;
  /**
   * The endpoint the cluster will advertise for this broker: a server of yours that answers for it.
   * Give the listener the kafkajs client uses (default name PLAINTEXT). Default: one served here on
   * 127.0.0.1 (a free port, listener PLAINTEXT) that answers ApiVersions and Metadata with the
   * brokers registered in ZooKeeper, and closes the connection on any other request.
   */
  readonly endpoint?: {
    readonly host: string;
    readonly port: number;
    readonly listenerName?: string;
    readonly securityProtocol?: SecurityProtocol;
  };
  /**
   * Bound for the whole start (serving the endpoint, registering, confirmation) and for
   * disappearance on dispose, in ms. Default 30000. Also bounds reaching ZooKeeper
   * (`zookeeper.connectTimeoutMs` defaults to it): ConnectTimeoutError.
   */
  readonly timeoutMs?: number;
  /**
   * How long another session's registration of `brokerId` may block the start before it fails with
   * RegistrationConflictError naming the holder, in ms. Default 0: at once (a leftover of a killed
   * test run, or another test using the id). A leftover goes with its session (see
   * TEMPORARY_BROKER_SESSION_TIMEOUT_MS); give a bound to wait for that instead.
   */
  readonly conflictTimeoutMs?: number;
}

const TEMPORARY_BROKER_OPTION_KEYS: readonly string[] = Object.keys({
  zookeeper: true,
  brokerId: true,
  kafka: true,
  admin: true,
  endpoint: true,
  timeoutMs: true,
  conflictTimeoutMs: true,
} satisfies Record<keyof TemporaryBrokerOptions, true>);

/** A broker id registered and listed by the cluster, until `dispose()`. */
export interface TemporaryBroker extends AsyncDisposable {
  /** The broker id. */
  readonly brokerId: number;
  /** The registration the cluster confirmed. */
  readonly registration: Registration;
  /** The registrar keeping it (for its events and status). */
  readonly registrar: BrokerRegistrar;
  /** The endpoint the cluster advertises for this broker (the one served here by default). */
  readonly endpoint: { readonly host: string; readonly port: number };
  /**
   * Deregisters, then waits until the cluster no longer lists the broker (ConfirmationFailedError if
   * it still does), and closes the endpoint served here. Idempotent; `[Symbol.asyncDispose]` is the same.
   * Not disposed (a test failed first), it is ended by `stop()` of the kit cluster or ZooKeeper it
   * is registered in, so that the test process can exit.
   */
  dispose(): Promise<void>;
}

/** The default endpoint: a Kafka-protocol double fed by the cluster's registrations in ZooKeeper. */
async function serveEndpoint(zookeeper: ConnectionOptions, timeoutMs: number): Promise<{ port: number; close: () => Promise<void> }> {
  const broker = new FakeKafkaBroker();
  const source = new ZkMetadataSource(zookeeper);
  source.on('snapshot', (snap) => broker.publish(snap));
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    await broker.listen();
    await source.start(deadline);
  } catch (err) {
    // Read before close(): closing cuts the attempt under way, which would be said as the last failure.
    const cause = source.lastFailure;
    await broker.close();
    await source.close();
    if (!deadline.aborted) throw err;
    // ZooKeeper answered, but never long enough to read the cluster's registrations.
    throw new ConnectTimeoutError(zookeeper.connect, timeoutMs, cause instanceof Error ? { cause } : undefined);
  }
  return {
    port: broker.port,
    close: async () => {
      await broker.close();
      await source.close();
    },
  };
}

/**
 * Registers `brokerId` in ZooKeeper and resolves once the cluster lists it with `endpoint`.
 * Rejects with ConfirmationFailedError (after cleaning up) if the cluster does not confirm in time;
 * with ConnectTimeoutError when ZooKeeper cannot be reached (or, for the default endpoint, its
 * registrations not read) within `timeoutMs`; with ZNodeFormatError when the default endpoint
 * cannot read the cluster's /cluster/id; InvalidConfigError for bad options.
 */
export async function registerTemporaryBroker(opts: TemporaryBrokerOptions): Promise<TemporaryBroker> {
  // Everything checked before anything is opened: a typo is said at once, not after a connect timeout.
  checkOptionKeys(opts, TEMPORARY_BROKER_OPTION_KEYS, 'options', 'an options object');
  if ((opts.kafka === undefined) === (opts.admin === undefined)) {
    throw new InvalidConfigError('kafka', opts.kafka, 'give exactly one of kafka (client options) or admin');
  }
  if (typeof opts.zookeeper !== 'object' || opts.zookeeper === null || typeof opts.zookeeper.connect !== 'string')
    throw new InvalidConfigError(
      'zookeeper',
      opts.zookeeper,
      'expected { connect, ... } (Connection options: the connect string with the chroot)',
    );
  if (typeof opts.brokerId !== 'number' || !Number.isInteger(opts.brokerId) || opts.brokerId < 0 || opts.brokerId > INT32_MAX)
    throw new InvalidConfigError('brokerId', opts.brokerId, `expected a broker id, a whole number from 0 to ${INT32_MAX}`);
  const timeoutMs = opts.timeoutMs === undefined ? 30_000 : timerMs(opts.timeoutMs, 'timeoutMs', 1);
  const conflictTimeoutMs = opts.conflictTimeoutMs === undefined ? 0 : timerMs(opts.conflictTimeoutMs, 'conflictTimeoutMs', 0);
  const zookeeper: ConnectionOptions = {
    ...opts.zookeeper,
    sessionTimeoutMs: opts.zookeeper.sessionTimeoutMs ?? TEMPORARY_BROKER_SESSION_TIMEOUT_MS,
    // Within the one deadline: a ZooKeeper out of reach is a ConnectTimeoutError after timeoutMs.
    connectTimeoutMs: opts.zookeeper.connectTimeoutMs ?? timeoutMs,
  };
  if (opts.kafka !== undefined) checkKafkaConfig(opts.kafka, 'kafka');
  // The connection's own checks (an unknown key, a bad timeout) now, before the endpoint below
  // connects to ZooKeeper: a Connection constructed opens nothing.
  new Connection(zookeeper);
  // One deadline for all of it (serving the endpoint, connecting kafkajs, registering, confirming):
  // a cluster that accepts connections and never answers must not stretch `timeoutMs`.
  const deadlineAt = Date.now() + timeoutMs;
  const served = opts.endpoint === undefined ? await serveEndpoint(zookeeper, timeoutMs) : undefined;
  const endpoint = opts.endpoint ?? { host: '127.0.0.1', port: (served as { port: number }).port };
  // Without an admin of the caller's, the confirmation makes its own from `kafka` and so can close
  // what a call still running at stop() opens (an admin given to it is never closed by it).
  const confirm = opts.admin === undefined ? { kafka: opts.kafka as KafkaConfig, timeoutMs } : { admin: opts.admin, timeoutMs };
  const listenerName = endpoint.listenerName ?? 'PLAINTEXT';
  let registrar: BrokerRegistrar;
  try {
    registrar = new BrokerRegistrar({
      zookeeper,
      brokerId: opts.brokerId,
      listeners: [
        {
          name: listenerName,
          host: endpoint.host,
          port: endpoint.port,
          ...(endpoint.securityProtocol === undefined ? {} : { securityProtocol: endpoint.securityProtocol }),
        },
      ],
      confirm,
      conflict: { timeoutMs: conflictTimeoutMs, policy: 'fail' },
    });
  } catch (err) {
    await served?.close();
    throw err;
  }
  const cleanup = async (): Promise<void> => {
    await registrar.stop();
    await served?.close();
  };
  const outcome = new Promise<void>((resolve, reject) => {
    registrar.once('confirmed', () => resolve());
    registrar.once('unconfirmed', (e) => reject(new ConfirmationFailedError(opts.brokerId, e.reason, e.seen, e.error)));
    // A holder of the id (a killed run's leftover, another test): said at once, not waited out.
    registrar.once('conflict', (e) => reject(e));
  });
  outcome.catch(() => undefined);
  // What a connection attempt last hit: the cause when ZooKeeper is what never answered.
  let unreachable: Error | undefined;
  registrar.on('zookeeperUnreachable', (e) => (unreachable = unreachableError(e)));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        // No ZooKeeper session yet: it is ZooKeeper that was out of reach, not the Kafka cluster.
        // (The registrar's own connect timeout is as long, but started later: this fires first.)
        if (registrar.status().lastContactAt === undefined) {
          reject(new ConnectTimeoutError(zookeeper.connect, timeoutMs, unreachable === undefined ? undefined : { cause: unreachable }));
          return;
        }
        // Said in the confirmation's own terms, from what the cluster last showed.
        const c = registrar.status().confirmation;
        const me = c?.seen?.brokers.find((b) => b.nodeId === opts.brokerId);
        const reason = c?.seen === undefined ? 'unreachable' : me === undefined ? 'not-listed' : 'endpoint-mismatch';
        reject(new ConfirmationFailedError(opts.brokerId, reason, c?.seen ?? c?.lastError));
      },
      Math.max(1, deadlineAt - Date.now()),
    );
  });
  let registration: Registration;
  try {
    registration = await Promise.race([
      (async () => {
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
  let disposing: Promise<void> | undefined;
  // Until disposed, stopping its ZooKeeper or its kit cluster ends it (see live-brokers.ts): a
  // test that failed before dispose() must not keep its runner waiting on a registrar for good.
  const untrack = trackTemporaryBroker(zookeeper.connect, () => (disposing ??= cleanup()));
  const dispose = (): Promise<void> =>
    (disposing ??= (async () => {
      untrack();
      await registrar.stop();
      // Awaited calls only, each bounded by the admin's request timeout: nothing is left running.
      const admin = opts.admin ?? createAdmin(opts.kafka as KafkaConfig, 'kafka', Math.min(timeoutMs, 10_000));
      try {
        await waitUntilUnlisted(admin, opts.brokerId, timeoutMs);
      } finally {
        if (opts.admin === undefined) await admin.disconnect().catch(() => undefined);
        await served?.close();
      }
    })());
  return {
    brokerId: opts.brokerId,
    registration,
    registrar,
    endpoint: { host: endpoint.host, port: endpoint.port },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

async function waitUntilUnlisted(admin: Admin, brokerId: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: unknown;
  let answered = false;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    try {
      const view = await admin.describeCluster();
      seen = view;
      answered = true;
      if (!view.brokers.some((b) => b.nodeId === brokerId)) return;
    } catch (err) {
      seen = err instanceof Error ? err.message : String(err);
      answered = false;
    }
    await delay(Math.max(0, Math.min(backoffMs(attempt, 100, 2000), deadline - Date.now())));
  }
  // Said as it was last seen: listed still, or a cluster that did not answer (not "still listed").
  throw new ConfirmationFailedError(brokerId, answered ? 'still-listed' : 'unreachable', seen);
}
