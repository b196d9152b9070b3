// kafkajs logs through our `debug` namespaces (kafka-zk-registrar:kafkajs:<level>), silent by default,
// instead of kafkajs's own console logger.
import { logLevel, type logCreator } from 'kafkajs';
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
