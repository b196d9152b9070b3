// All diagnostics go through `debug` under `kafka-zk-registrar:*`, silent unless DEBUG enables them.
import createDebug from 'debug';

export type Logger = createDebug.Debugger;

export function logger(component: string): Logger {
  return createDebug(`kafka-zk-registrar:${component}`);
}
