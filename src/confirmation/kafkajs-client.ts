// How this library talks through kafkajs: its log lines go to our `debug` namespaces
// (kafka-zk-registrar:kafkajs:<level>), silent by default, and the admins we make ourselves share
// one policy.
import { Kafka, logLevel, type Admin, type KafkaConfig, type logCreator } from 'kafkajs';
import { InvalidConfigError } from '../errors.js';
import { logger } from '../log.js';
import { brokerAddresses } from '../kafka-protocol/broker-address.js';
import { MAX_TIMER_MS } from '../util/timing.js';

const byLevel = {
  [logLevel.ERROR]: logger('kafkajs:error'),
  [logLevel.WARN]: logger('kafkajs:warn'),
  [logLevel.INFO]: logger('kafkajs:info'),
  [logLevel.DEBUG]: logger('kafkajs:debug'),
} as const;

export const kafkajsLogCreator: logCreator = () => (entry) => {
  const log = byLevel[entry.level as keyof typeof byLevel] ?? byLevel[logLevel.DEBUG];
  if (!log.enabled) return;
  const { message, timestamp: _ts, ...rest } = entry.log;
  log('[%s] %s %o', entry.namespace, message, rest);
};

/** The kafkajs log level that lets through what the enabled namespaces want to see. */
export function kafkajsLogLevel(): logLevel {
  if (byLevel[logLevel.DEBUG].enabled) return logLevel.DEBUG;
  if (byLevel[logLevel.INFO].enabled) return logLevel.INFO;
  if (byLevel[logLevel.WARN].enabled) return logLevel.WARN;
  if (byLevel[logLevel.ERROR].enabled) return logLevel.ERROR;
  return logLevel.NOTHING;
}

/**
 * An admin of our own from the user's kafkajs options. No kafkajs retries: callers poll with their
 * own deadline and backoff, and kafkajs's retries would only hide rounds. The user's options win
 * over our defaults, except for logging, which always goes through `debug`.
 */
export function createAdmin(config: KafkaConfig, field: string, requestTimeoutMs: number): Admin {
  checkKafkaConfig(config, field);
  return new Kafka({
    clientId: 'kafka-zk-registrar',
    connectionTimeout: 1000,
    retry: { retries: 0 },
    requestTimeout: requestTimeoutMs,
    ...config,
    logCreator: kafkajsLogCreator,
    logLevel: kafkajsLogLevel(),
  }).admin();
}

// kafkajs 2's KafkaConfig, but for its logging (always ours: see createAdmin).
const KAFKA_CONFIG_KEYS = [
  'brokers',
  'clientId',
  'ssl',
  'sasl',
  'connectionTimeout',
  'authenticationTimeout',
  'reauthenticationThreshold',
  'requestTimeout',
  'enforceRequestTimeout',
  'retry',
  'socketFactory',
];

/**
 * What createAdmin checks of kafkajs client options (KafkaConfig of kafkajs 2), for a caller that
 * checks before it opens anything: the brokers (a function, kafkajs's discovery, is taken as it is),
 * every key known (logLevel and logCreator are refused: our logs go through `debug`), and each
 * option's type, so that a typo or a string of milliseconds is refused here rather than misread by
 * kafkajs at the first call. Throws InvalidConfigError naming `<field>.<option>`.
 */
export function checkKafkaConfig(config: KafkaConfig, field: string): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new InvalidConfigError(field, config, 'expected kafkajs client options');
  const c = config as unknown as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (c[key] === undefined) continue; // as kafkajs reads it: not given
    if (key === 'logLevel' || key === 'logCreator')
      throw new InvalidConfigError(
        `${field}.${key}`,
        c[key],
        "kafkajs's logs go through debug: DEBUG=kafka-zk-registrar:kafkajs:* shows them",
      );
    if (!KAFKA_CONFIG_KEYS.includes(key))
      throw new InvalidConfigError(`${field}.${key}`, '<redacted>', `unknown kafkajs option (known: ${KAFKA_CONFIG_KEYS.join(', ')})`);
  }
  const b = config.brokers;
  if (typeof b !== 'function') brokerAddresses(b, `${field}.brokers`);
  if (c.clientId !== undefined && typeof c.clientId !== 'string')
    throw new InvalidConfigError(`${field}.clientId`, c.clientId, 'expected a string');
  for (const key of ['connectionTimeout', 'authenticationTimeout', 'reauthenticationThreshold', 'requestTimeout']) {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_TIMER_MS))
      throw new InvalidConfigError(`${field}.${key}`, v, `expected milliseconds, 0 to ${MAX_TIMER_MS}`);
  }
  if (c.enforceRequestTimeout !== undefined && typeof c.enforceRequestTimeout !== 'boolean')
    throw new InvalidConfigError(`${field}.enforceRequestTimeout`, c.enforceRequestTimeout, 'expected true or false');
  // ssl and sasl hold key material and credentials: never echoed.
  if (c.ssl !== undefined && typeof c.ssl !== 'boolean' && (typeof c.ssl !== 'object' || c.ssl === null))
    throw new InvalidConfigError(`${field}.ssl`, '<redacted>', "expected true, false or node:tls's connection options");
  // Only the shape: kafkajs reads the mechanism without case, and takes any with an authenticationProvider.
  if (c.sasl !== undefined) {
    const mechanism = (c.sasl as { mechanism?: unknown } | null)?.mechanism;
    if (typeof c.sasl !== 'object' || c.sasl === null || typeof mechanism !== 'string' || mechanism === '')
      throw new InvalidConfigError(`${field}.sasl`, '<redacted>', 'expected { mechanism, ... } (kafkajs SASL options)');
  }
  if (c.retry !== undefined && (typeof c.retry !== 'object' || c.retry === null))
    throw new InvalidConfigError(`${field}.retry`, c.retry, "expected kafkajs's retry options ({ retries, ... })");
  if (c.socketFactory !== undefined && typeof c.socketFactory !== 'function')
    throw new InvalidConfigError(`${field}.socketFactory`, c.socketFactory, 'expected a function');
}
