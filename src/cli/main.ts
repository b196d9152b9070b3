#!/usr/bin/env node
// The sidecar CLI: `register` keeps a broker registered until SIGTERM/SIGINT and prints one JSON
// line per event (for log collectors); `audit` prints what ZooKeeper holds.
import { KafkaZkRegistrarError } from '../errors.js';
import { logger } from '../log.js';
import { BrokerRegistrar, type BrokerRegistrarEvents } from '../registration/broker-registrar.js';
import type { StopOutcome } from '../recipes/owned-ephemeral.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_HELP, canonicalHostName, cliMessage, needsLocalHostName, parseCommand, REGISTER_HELP, USAGE, type Command } from './args.js';
import { auditRegistrations } from '../audit/registrations-audit.js';
import { formatAuditTable } from '../audit/audit-table.js';
import { serveHealth, type HealthServer } from '../operations/health-server.js';
import { main as fetchJars } from '../testing/fetch-cli.js';

const EXIT_FAILED = 1;
/** How soon after the first a repeated signal is the same signal relayed twice, not a second one (see register). */
const RELAYED_SIGNAL_MS = 1000;
const log = logger('cli');

/** This package's version, from the package.json next to dist/ (or build/src/ in the tests). */
function packageVersion(): string {
  for (const up of [
    ['..', '..'],
    ['..', '..', '..'],
  ]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, ...up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'kafka-zk-registrar' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: look one level up
    }
  }
  return 'unknown';
}
const EXIT_USAGE = 2;

// Errors, wherever they sit in a payload (e.g. `unconfirmed.error`), keep their code and message:
// JSON.stringify would turn them into {}. The message names flags, not the library's option keys.
function errorsAsData(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return { name: value.name, ...(value instanceof KafkaZkRegistrarError ? { code: value.code } : {}), message: cliMessage(value) };
}

/** An audit that could not be made, for `audit --json`: its code and message, and what the last connection attempt hit. */
function auditErrorData(err: unknown): { code: string; message: string; cause?: { code: string | undefined; message: string } } {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  return {
    code: err instanceof KafkaZkRegistrarError ? err.code : 'UNEXPECTED',
    message: cliMessage(err),
    ...(cause === undefined ? {} : { cause: { code: (cause as NodeJS.ErrnoException).code, message: cause.message } }),
  };
}

/** False once whoever reads our stdout has gone (EPIPE): the sidecar goes on, deregistering on its signal, without lines. */
let stdoutOpen = true;

function line(event: string, payload: unknown): void {
  if (!stdoutOpen) return;
  const body = payload instanceof Error ? errorsAsData('', payload) : payload;
  process.stdout.write(
    `${JSON.stringify({ at: new Date().toISOString(), event, ...(typeof body === 'object' && body !== null ? body : { value: body }) }, errorsAsData)}\n`,
  );
}

type HealthOptions = { readonly port: number; readonly host: string } | undefined;

/** Starts the health endpoint, if asked for; false (its startFailed line printed) when it cannot listen. */
async function startHealth(r: BrokerRegistrar, health: HealthOptions): Promise<HealthServer | undefined | false> {
  if (health === undefined) return undefined;
  try {
    // Before start(): a probe must see 503 "starting" rather than a refused connection.
    const server = await serveHealth(r, health);
    line('health', { host: server.host, port: server.port, paths: ['/livez', '/readyz', '/metrics'] });
    return server;
  } catch (err) {
    const message = `health endpoint on ${health.host}:${health.port} (--health-host, --health-port): ${(err as Error).message}`;
    line('startFailed', { name: 'HealthEndpointError', code: (err as NodeJS.ErrnoException).code ?? 'HEALTH_ENDPOINT', message });
    process.stderr.write(`kafka-zk-registrar: ${message}\n`);
    return false;
  }
}

async function register(r: BrokerRegistrar, health: HealthOptions): Promise<number> {
  // A reader of our stdout that goes away (a log shipper, a closed pipe) must not take the sidecar
  // with it: an unhandled EPIPE would end it before its SIGTERM deletes our node.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    stdoutOpen = false;
    log('stdout closed (%s): no more event lines', err.code ?? err.message);
  });
  // The same for stderr (its sentences, and `debug`'s lines with DEBUG set): lost, not fatal.
  process.stderr.on('error', () => undefined);
  const events: (keyof BrokerRegistrarEvents)[] = [
    'registered',
    'restored',
    'lost',
    'waiting',
    'conflict',
    'sessionExpired',
    'failed',
    'elected',
    'resigned',
    'invalidZNode',
    'confirmed',
    'unconfirmed',
    'missing',
    'kraftMigration',
    'kraftControlled',
    'wedged',
    'emptyCluster',
    'zookeeperUnreachable',
    'suspended',
    'reconnected',
  ];
  for (const e of events) r.on(e, (payload: unknown) => line(e, payload));
  let exitCode = 0;
  let failure: KafkaZkRegistrarError | undefined;
  let signalledAt: number | undefined;
  // A sidecar must stop promptly on SIGTERM in every state (Kubernetes sends SIGKILL after its
  // grace period): stop() also ends a start() that is still connecting or waiting out another owner.
  // A second signal exits at once, unless it comes within a second of the first: a wrapper that
  // relays a signal to its child and to the child's process group (GNU timeout does) delivers it
  // twice within milliseconds; a person who means "now" presses again after that.
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: string): void => {
      if (signalledAt !== undefined) {
        if (performance.now() - signalledAt < RELAYED_SIGNAL_MS) return;
        line('forcedExit', { signal });
        process.exit(EXIT_FAILED);
      }
      signalledAt = performance.now();
      line('stopping', { signal });
      resolve();
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    r.once('failed', (err) => {
      exitCode = EXIT_FAILED;
      failure = err;
      // The JSON line is for machines; a person reading the terminal gets the sentence (as audit does).
      process.stderr.write(`kafka-zk-registrar: ${cliMessage(err)}\n`);
      resolve();
    });
    // Its supervisor (Kubernetes, systemd) restarts it: a new process gets new handles.
    r.once('wedged', () => {
      exitCode = EXIT_FAILED;
      resolve();
    });
  });
  // Printed once the signal handlers are in place: a supervisor that signals on seeing it must
  // reach them, not the default action (which would leave no `stopped` line and no deregistration).
  line('starting', { brokerId: r.brokerId, pid: process.pid });
  const server = await startHealth(r, health);
  if (server === false) {
    stoppedLine(r, await r.stop());
    return EXIT_FAILED;
  }
  try {
    return await untilStopped(r, stopped, () => ({ exitCode, failure }));
  } finally {
    await server?.close();
  }
}

/** Starts the registrar and keeps it until `stopped` (a signal, a failure): the exit code. */
async function untilStopped(
  r: BrokerRegistrar,
  stopped: Promise<void>,
  ended: () => { readonly exitCode: number; readonly failure: KafkaZkRegistrarError | undefined },
): Promise<number> {
  const started = r.start();
  const first = await Promise.race([
    started.then(
      () => 'started' as const,
      (err: unknown) => err,
    ),
    stopped.then(() => 'stop' as const),
  ]);
  if (first !== 'started' && first !== 'stop') {
    line('startFailed', first instanceof KafkaZkRegistrarError ? first : { message: String(first) });
    process.stderr.write(`kafka-zk-registrar: ${cliMessage(first)}\n`);
    stoppedLine(r, await r.stop(), first); // `stopped` is always last
    return EXIT_FAILED;
  }
  await stopped;
  const outcome = await r.stop();
  await started.catch(() => undefined); // a start() cut short by the signal rejects with StoppedError
  const { exitCode, failure } = ended();
  stoppedLine(r, outcome, failure);
  return exitCode;
}

/** The last line: the status, and whether our node is gone or (ZooKeeper unresponsive) stays until the server expires our session. */
function stoppedLine(r: BrokerRegistrar, outcome: StopOutcome, failure?: unknown): void {
  const status = r.status();
  // status() keeps the error's code and message as the library says it; the CLI names its flags.
  const lastError =
    failure instanceof KafkaZkRegistrarError && status.lastError?.code === failure.code
      ? { code: failure.code, message: cliMessage(failure) }
      : status.lastError;
  line('stopped', { ...status, lastError, deregistered: outcome.deleted, deregistration: outcome.reason });
}

export async function main(argv: readonly string[]): Promise<number> {
  // The testing kit's jar fetches (kafka-zk-registrar/testing), under the same command.
  if (argv[0] === 'fetch-kafka' || argv[0] === 'fetch-zookeeper') return fetchJars(argv);
  let cmd: Command;
  let registrar: BrokerRegistrar | undefined;
  try {
    // Kafka registers an advertised listener without a host under this machine's canonical name.
    cmd = parseCommand(argv, needsLocalHostName(argv) ? { localHostName: await canonicalHostName() } : {});
    if (cmd.kind === 'register') registrar = new BrokerRegistrar(cmd.config);
  } catch (err) {
    const msg = cliMessage(err);
    const help = argv[0] === 'register' ? `Usage:\n  ${REGISTER_HELP}` : argv[0] === 'audit' ? `Usage:\n  ${AUDIT_HELP}` : USAGE;
    process.stderr.write(`kafka-zk-registrar: ${msg}\n\n${help}\n`);
    return EXIT_USAGE;
  }
  if (cmd.kind === 'help') {
    process.stdout.write(`${cmd.command === 'register' ? REGISTER_HELP : cmd.command === 'audit' ? AUDIT_HELP : USAGE}\n`);
    return 0;
  }
  if (cmd.kind === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (cmd.kind === 'audit') {
    try {
      const report = await auditRegistrations(cmd.connect, {
        ...(cmd.bootstrap === undefined ? {} : { bootstrap: cmd.bootstrap }),
        ...(cmd.auth === undefined ? {} : { auth: cmd.auth }),
        ...(cmd.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: cmd.connectTimeoutMs }),
        ...(cmd.tls === undefined ? {} : { tls: cmd.tls }),
      });
      if (cmd.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        for (const p of report.problems) process.stderr.write(`kafka-zk-registrar audit: ${p.code}: ${p.message}\n`);
      } else process.stdout.write(formatAuditTable(report));
      return report.problems.length > 0 ? EXIT_FAILED : 0;
    } catch (err) {
      // --json: still one JSON object on stdout, so that a machine reading it is never left with nothing.
      if (cmd.json) process.stdout.write(`${JSON.stringify({ error: auditErrorData(err) })}\n`);
      process.stderr.write(`kafka-zk-registrar: ${cliMessage(err)}\n`);
      return EXIT_FAILED;
    }
  }
  return register(registrar as BrokerRegistrar, cmd.health);
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
