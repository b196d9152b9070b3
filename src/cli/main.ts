#!/usr/bin/env node
// The sidecar CLI: `register` keeps a broker registered until SIGTERM/SIGINT and prints one JSON
// line per event (for log collectors); `audit` prints what ZooKeeper holds.
import { InvalidConfigError, KafkaZkRegistrarError } from '../errors.js';
import { BrokerRegistrar, type BrokerRegistrarEvents } from '../registration/broker-registrar.js';
import { parseCommand, USAGE, type Command } from './args.js';
import { auditRegistrations } from '../audit/registrations-audit.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function line(event: string, payload: unknown): void {
  const body = payload instanceof KafkaZkRegistrarError ? { code: payload.code, message: payload.message } : payload;
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), event, ...(typeof body === 'object' && body !== null ? body : { value: body }) })}\n`);
}

async function register(r: BrokerRegistrar): Promise<number> {
  const events: (keyof BrokerRegistrarEvents)[] = [
    'registered', 'restored', 'lost', 'waiting', 'conflict', 'sessionExpired', 'failed',
    'elected', 'resigned', 'invalidZNode', 'confirmed', 'unconfirmed', 'missing',
  ];
  for (const e of events) r.on(e, (payload: unknown) => line(e, payload));
  let exitCode = 0;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      line('stopping', { signal });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    r.once('failed', () => {
      exitCode = EXIT_FAILED;
      resolve();
    });
  });
  try {
    await r.start();
  } catch (err) {
    line('startFailed', err instanceof KafkaZkRegistrarError ? err : { message: String(err) });
    return EXIT_FAILED;
  }
  await stopped;
  await r.stop();
  line('stopped', r.status());
  return exitCode;
}

export async function main(argv: readonly string[]): Promise<number> {
  let cmd: Command;
  let registrar: BrokerRegistrar | undefined;
  try {
    cmd = parseCommand(argv);
    if (cmd.kind === 'register') registrar = new BrokerRegistrar(cmd.config);
  } catch (err) {
    const msg = err instanceof InvalidConfigError ? err.message : (err as Error).message;
    process.stderr.write(`kafka-zk-registrar: ${msg}\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (cmd.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (cmd.kind === 'audit') {
    try {
      const report = await auditRegistrations(cmd.connect, cmd.bootstrap === undefined ? {} : { bootstrap: cmd.bootstrap });
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      for (const p of report.problems) process.stderr.write(`kafka-zk-registrar audit: ${p}\n`);
      return report.problems.length > 0 ? EXIT_FAILED : 0;
    } catch (err) {
      process.stderr.write(`kafka-zk-registrar: ${(err as Error).message}\n`);
      return EXIT_FAILED;
    }
  }
  return register(registrar as BrokerRegistrar);
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
