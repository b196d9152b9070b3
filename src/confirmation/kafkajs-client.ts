// How this library talks through kafkajs: its log lines go to our `debug` namespaces
// (kafka-zk-registrar:kafkajs:<level>), silent by default, and the admins we make ourselves share
// one policy.
import { Kafka, logLevel, type Admin, type KafkaConfig, type logCreator } from 'kafkajs';
import { InvalidConfigError } from '../errors.js';
import { logger } from '../log.js';
import { brokerAddresses } from '../kafka-protocol/broker-address.js';

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

/** What createAdmin checks of kafkajs client options, for a caller that checks before it opens anything. Throws InvalidConfigError. */
export function checkKafkaConfig(config: KafkaConfig, field: string): void {
  if (typeof config !== 'object' || config === null) throw new InvalidConfigError(field, config, 'expected kafkajs client options');
  const b = config.brokers;
  // A function (kafkajs's broker discovery) is taken as it is; a list is checked entry by entry.
  if (typeof b !== 'function') brokerAddresses(b, `${field}.brokers`);
}
