// How this library talks through kafkajs: its log lines go to our `debug` namespaces
// (kafka-zk-registrar:kafkajs:<level>), silent by default, and the admins we make ourselves share
// one policy.
import { Kafka, logLevel, type Admin, type KafkaConfig, type logCreator } from 'kafkajs';
import { InvalidConfigError } from '../errors.js';
import { logger } from '../log.js';

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
  if (typeof config !== 'object' || config === null) throw new InvalidConfigError(field, config, 'expected kafkajs client options');
  const b = config.brokers;
  if (typeof b !== 'function' && (!Array.isArray(b) || b.length === 0 || !b.every((x) => typeof x === 'string' && /^.+:\d+$/.test(x)))) {
    throw new InvalidConfigError(`${field}.brokers`, b, 'expected a non-empty array of "host:port"');
  }
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
