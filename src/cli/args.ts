// Command-line arguments -> BrokerRegistrar config, in Kafka's own vocabulary (advertised.listeners,
// listener.security.protocol.map, broker.rack, ...) so that a broker wrapper can pass its settings
// through unchanged.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidConfigError, KafkaZkRegistrarError, type OptionNamer } from '../errors.js';
import { parseCsvList, parseCsvMap } from './kafka-lists.js';
import { readFileSync } from 'node:fs';
import { lookup, lookupService } from 'node:dns/promises';
import { hostname } from 'node:os';
import { parseConnectString } from '../zookeeper/connect-string.js';
import { validateAuth, type ZooKeeperAuth } from '../zookeeper/auth.js';
import { readTlsFlags, TLS_FLAGS, TLS_HELP, TLS_OPTIONS } from './tls-flags.js';
import type { BrokerRegistrarConfig } from '../registration/broker-registrar.js';
import { listenersToEndpoints, parseEndpointString, type Listener, type SecurityProtocol } from '../znodes/broker-znode.js';
import { brokerAddresses } from '../kafka-protocol/broker-address.js';
import { timerMs } from '../util/timing.js';

export type Command =
  | {
      readonly kind: 'register';
      readonly config: BrokerRegistrarConfig;
      readonly health: { readonly port: number; readonly host: string } | undefined;
    }
  | {
      readonly kind: 'audit';
      readonly connect: string;
      readonly bootstrap: readonly string[] | undefined;
      readonly json: boolean;
      readonly auth: ZooKeeperAuth | undefined;
      readonly connectTimeoutMs: number | undefined;
      readonly tls?: ReturnType<typeof readTlsFlags>;
    }
  | { readonly kind: 'help'; readonly command: 'register' | 'audit' | undefined }
  | { readonly kind: 'version' };

/** `register --help`. */
export const REGISTER_HELP = `kafka-zk-registrar register --zookeeper <host:port[,...][/chroot]> --broker-id <id>
      --listeners <NAME://host:port[,...]> [--listener-security-protocol-map <NAME:PROTOCOL[,...]>]
      [--inter-broker-listener-name <NAME>] [--control-plane-listener-name <NAME>] [--rack <rack>] [--jmx-port <port>] [--znode-version 4|5]
      [--session-timeout-ms <ms>] [--connect-timeout-ms <ms>] [--cluster-id <id>]
      [--conflict-policy fail|wait] [--conflict-timeout-ms <ms>]
      [--controller --performs-controller-duties [--controller-beside-other-brokers]]
      [--confirm-bootstrap <host:port[,...]>] [--confirm-timeout-ms <ms>] [--recheck-interval-ms <ms>]
      [--health-port <port>] [--health-host <address>] [--kraft-migration refuse|register]
      [--zookeeper-auth-file <path> | --zookeeper-auth-env <VAR>] [--zookeeper-set-acl] [--wedged-after-ms <ms>]
      ${TLS_HELP}
    Registers the broker and keeps it registered until SIGTERM or SIGINT, then deregisters.
    Prints one JSON line per event on stdout; exits 1 when it has had no ZooKeeper session for
    --wedged-after-ms (default 10 session timeouts, at least 60000), for its supervisor to restart it.
    With --health-port, serves GET /livez, /readyz (200
    only while our session owns the registration and, with --confirm-bootstrap, the cluster lists it)
    and /metrics (Prometheus text, or OpenMetrics when asked) on --health-host (default 127.0.0.1).
    Lists take Kafka's syntax: entries separated by commas, blanks around "," and ":" allowed;
    a listener without a host (PLAINTEXT://:9092) registers this machine's canonical host name.
    Exit codes: 0 stopped cleanly, 1 registration failed, 2 invalid arguments.`;

/** `audit --help`. */
export const AUDIT_HELP = `kafka-zk-registrar audit --zookeeper <host:port[,...][/chroot]> [--bootstrap <host:port[,...]>] [--json]
      [--connect-timeout-ms <ms>] [--zookeeper-auth-file <path> | --zookeeper-auth-env <VAR>]
      ${TLS_HELP}
    Prints every broker registration (id, endpoints, rack, owner session, epoch, age, format
    version, problems), the controller and its epoch as a table, or with --json as JSON; with
    --bootstrap also what each of those brokers' Metadata lists beside it, and which listener the
    controller's own configuration reaches brokers on (asked of it; up to 5 s more). Never writes.
    Exit codes: 0 no problem found, 1 a problem found (listed under "problems") or the audit could
    not be made (with --json, then {"error":{"code":...,"message":...}}), 2 invalid arguments.`;

export const USAGE = `Usage:
  ${REGISTER_HELP}
  ${AUDIT_HELP}
  kafka-zk-registrar help [register|audit]     this text, or one command's
  kafka-zk-registrar --version                  the package version
  kafka-zk-registrar fetch-kafka [--version V] [--cache-dir DIR]     jars for kafka-zk-registrar/testing
  kafka-zk-registrar fetch-zookeeper --version V [--cache-dir DIR]   (Maven Central, with mvn)
ZooKeeper credentials (digest user:password) are read from a file or an environment variable, never
from the command line, and never printed.`;

/**
 * Credentials from a file (its first line) or an environment variable: argv is visible to every user
 * of the machine (ps, /proc), so credentials never come from there. The value is never echoed.
 */
function readAuth(file: string | undefined, env: string | undefined): ZooKeeperAuth | undefined {
  if (file !== undefined && env !== undefined)
    throw new InvalidConfigError('--zookeeper-auth-file', file, 'give either --zookeeper-auth-file or --zookeeper-auth-env, not both');
  let credentials: string;
  if (file !== undefined) {
    try {
      credentials = (readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '').trim();
    } catch (err) {
      throw new InvalidConfigError('--zookeeper-auth-file', file, `cannot read it: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else if (env !== undefined) {
    const v = process.env[env];
    if (v === undefined || v === '')
      throw new InvalidConfigError('--zookeeper-auth-env', env, 'no such environment variable, or it is empty');
    credentials = v.trim();
  } else return undefined;
  const flag = file !== undefined ? '--zookeeper-auth-file' : '--zookeeper-auth-env';
  try {
    return validateAuth({ credentials }, flag);
  } catch (err) {
    // Named by the flag the user typed, not by the library's key under it (`.credentials`).
    if (err instanceof InvalidConfigError) throw new InvalidConfigError(flag, file ?? env, `its credentials: ${err.reason}`);
    throw err;
  }
}

/** Every option of either command, as node:util's parseArgs takes them. */
const OPTIONS = {
  zookeeper: { type: 'string' },
  'broker-id': { type: 'string' },
  listeners: { type: 'string' },
  'listener-security-protocol-map': { type: 'string' },
  rack: { type: 'string' },
  'jmx-port': { type: 'string' },
  'znode-version': { type: 'string' },
  'session-timeout-ms': { type: 'string' },
  'conflict-policy': { type: 'string' },
  'conflict-timeout-ms': { type: 'string' },
  controller: { type: 'boolean' },
  'performs-controller-duties': { type: 'boolean' },
  'controller-beside-other-brokers': { type: 'boolean' },
  'control-plane-listener-name': { type: 'string' },
  'cluster-id': { type: 'string' },
  'confirm-bootstrap': { type: 'string' },
  'confirm-timeout-ms': { type: 'string' },
  'recheck-interval-ms': { type: 'string' },
  'inter-broker-listener-name': { type: 'string' },
  bootstrap: { type: 'string' },
  'connect-timeout-ms': { type: 'string' },
  'health-port': { type: 'string' },
  'health-host': { type: 'string' },
  json: { type: 'boolean' },
  'kraft-migration': { type: 'string' },
  'zookeeper-auth-file': { type: 'string' },
  'zookeeper-auth-env': { type: 'string' },
  'zookeeper-set-acl': { type: 'boolean' },
  'wedged-after-ms': { type: 'string' },
  ...TLS_OPTIONS,
} as const satisfies ParseArgsConfig['options'];

/** The options audit takes; SHARED_OPTIONS are register's too. */
const AUDIT_OPTIONS: readonly string[] = [
  'zookeeper',
  'bootstrap',
  'json',
  'connect-timeout-ms',
  'zookeeper-auth-file',
  'zookeeper-auth-env',
  ...TLS_FLAGS,
];
const SHARED_OPTIONS: readonly string[] = ['zookeeper', 'connect-timeout-ms', 'zookeeper-auth-file', 'zookeeper-auth-env', ...TLS_FLAGS];

/**
 * Controller candidacy only with the acknowledgement that the wrapped program does a controller's
 * work: a candidate that wins leaves the cluster without one otherwise (docs/guides/controller-mode.md).
 */
function controllerOption(
  controller: boolean,
  performsDuties: boolean,
  besideOtherBrokers: boolean,
): Pick<BrokerRegistrarConfig, 'controller'> {
  if (!controller) {
    if (performsDuties) throw new InvalidConfigError('--performs-controller-duties', true, 'only with --controller');
    if (besideOtherBrokers) throw new InvalidConfigError('--controller-beside-other-brokers', true, 'only with --controller');
    return {};
  }
  if (!performsDuties) {
    throw new InvalidConfigError(
      '--controller',
      true,
      "needs --performs-controller-duties: a candidate that wins is the cluster's controller, and the cluster then waits on it for LeaderAndIsr and UpdateMetadata, which this sidecar does not send; say so only if the program beside it does",
    );
  }
  return { controller: { performsControllerDuties: true, ...(besideOtherBrokers ? { besideOtherBrokers: true } : {}) } };
}

/**
 * `--broker-id -1` as `--broker-id=-1`: parseArgs would take "-1" for an option and call the value
 * ambiguous, when the user plainly gave a (negative) number, which the config check then explains.
 */
function negativeNumbersAttached(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = args[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d+$/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * An argument the CLI cannot read at all: an unknown option, an option without its value (or with
 * one it does not take), a stray word. `field` is the argument as typed; the message says what is
 * wrong in those words, never "<option> is not given" about an option that was given.
 */
export class CommandLineError extends InvalidConfigError {
  constructor(field: string, value: unknown, reason: string, text: string) {
    super(field, value, reason);
    this.message = text;
  }

  override messageWith(): string {
    return this.message;
  }
}

/** The known flag closest to a mistyped one (an edit distance of at most 2, or a unique prefix), if any. */
export function closestOption(typed: string, known: readonly string[]): string | undefined {
  const name = typed.replace(/^-+/, '').split('=')[0] as string;
  const near = known.filter((k) => editDistance(name, k) <= 2);
  if (near.length === 1) return `--${near[0] as string}`;
  const prefixed = known.filter((k) => name.length >= 3 && k.startsWith(name));
  return prefixed.length === 1 ? `--${prefixed[0] as string}` : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * What node:util's strict parse would refuse, said in our words from its tokens (its own messages
 * differ between Node versions and would come out as "--zookeper is not given (Unknown option...)").
 */
function checkArguments(args: readonly string[], known: readonly string[]): void {
  const { tokens } = parseArgs({ args: [...args], strict: false, tokens: true, options: OPTIONS });
  for (const t of tokens) {
    if (t.kind === 'positional')
      throw new CommandLineError(
        'arguments',
        t.value,
        'unexpected argument',
        `unexpected argument ${JSON.stringify(t.value)}: every value follows its option`,
      );
    if (t.kind !== 'option') continue;
    const type = (OPTIONS as Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>)[t.name]?.type;
    if (type === undefined) {
      const hint = closestOption(t.rawName, known);
      throw new CommandLineError(
        t.rawName,
        t.value,
        'unknown option',
        `unknown option ${t.rawName}${hint === undefined ? '' : ` (did you mean ${hint}?)`}`,
      );
    }
    if (type === 'boolean' && t.value !== undefined)
      throw new CommandLineError(t.rawName, t.value, 'takes no value', `${t.rawName} takes no value (given ${JSON.stringify(t.value)})`);
    if (type === 'string' && t.value === undefined)
      throw new CommandLineError(t.rawName, undefined, 'needs a value', `${t.rawName} needs a value`);
    if (type === 'string' && t.inlineValue === false && t.value.startsWith('-')) {
      throw new CommandLineError(
        t.rawName,
        t.value,
        'needs a value',
        `${t.rawName} needs a value, and ${JSON.stringify(t.value)} looks like an option (write ${t.rawName}=${t.value} if it is the value)`,
      );
    }
  }
}

/**
 * `--listeners` as Kafka reads advertised.listeners (EndPoint.createEndPoint, then
 * KafkaServer.createBrokerInfo): `NAME://host:port`, an empty host standing for this machine's
 * canonical host name, no port refused. Every problem quotes the listener as typed, whole, whatever
 * part of it is wrong; a protocol missing from the map is the map's problem.
 */
function cliListeners(
  value: string,
  protocolMap: ReadonlyMap<string, string>,
  mapValue: string | undefined,
  localHostName: string,
): Listener[] {
  const typed = parseCsvList(value);
  const listeners = typed.map((s): Listener => {
    const ep = parseEndpointString(s);
    if (ep === undefined) {
      const noPort = /^[^:]*:\/\/(\[[^\]]*\]|[^:/]*):?$/.test(s);
      throw new InvalidConfigError(
        '--listeners',
        s,
        noPort
          ? "no port: Kafka reads NAME://host:port, where only the host may be left empty (NAME://:9092 is this machine's name)"
          : 'expected NAME://host:port',
      );
    }
    const proto = protocolMap.get(ep.listenerName);
    return {
      name: ep.listenerName,
      host: ep.host ?? localHostName,
      port: ep.port,
      ...(proto === undefined ? {} : { securityProtocol: proto as SecurityProtocol }),
    };
  });
  try {
    listenersToEndpoints(listeners);
  } catch (err) {
    const at = err instanceof InvalidConfigError ? /^listeners\[(\d+)\](?:\.(\w+))?$/.exec(err.field) : null;
    if (at === null || !(err instanceof InvalidConfigError)) throw err;
    const s = typed[Number(at[1])] as string;
    const name = (listeners[Number(at[1])] as Listener).name;
    if (at[2] === 'securityProtocol') {
      const why =
        err.value === undefined
          ? `listener ${name} of --listeners ${JSON.stringify(s)} is not a security protocol name, so the map must give its protocol, e.g. ${name}:SSL`
          : `listener ${name}: ${err.reason}`;
      throw new InvalidConfigError('--listener-security-protocol-map', mapValue, why);
    }
    const part =
      at[2] === 'host'
        ? `host ${JSON.stringify(err.value)}`
        : at[2] === 'port'
          ? `port ${/:([^:/\]]*)$/.exec(s)?.[1] ?? String(err.value)}`
          : at[2] === 'name'
            ? `listener name ${JSON.stringify(err.value)}`
            : undefined;
    throw new InvalidConfigError('--listeners', s, part === undefined ? err.reason : `${part}: ${err.reason}`);
  }
  return listeners;
}

/**
 * This machine's canonical host name, as Java's InetAddress.getLocalHost().getCanonicalHostName()
 * gives it to Kafka for an advertised listener without a host: the host name resolved, then its
 * address looked up in reverse (the address itself when that fails). A host name that does not
 * resolve is refused, as Kafka fails to start there.
 */
export async function canonicalHostName(): Promise<string> {
  const name = hostname();
  let address: string;
  try {
    address = (await lookup(name)).address;
  } catch (err) {
    throw new InvalidConfigError(
      '--listeners',
      name,
      `a listener without a host stands for this machine's name, and ${name} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'}): give the host`,
    );
  }
  try {
    return (await lookupService(address, 0)).hostname;
  } catch {
    return address;
  }
}

/** Whether `--listeners` has an entry without a host (`PLAINTEXT://:9092`): main then resolves canonicalHostName() first. */
export function needsLocalHostName(argv: readonly string[]): boolean {
  return argv.some((a, i) => {
    const v = a.startsWith('--listeners=') ? a.slice('--listeners='.length) : argv[i - 1] === '--listeners' ? a : undefined;
    return v !== undefined && parseCsvList(v).some((s) => parseEndpointString(s)?.host === null);
  });
}

function nothingAfter(what: string, arg: string): CommandLineError {
  if (arg.startsWith('-'))
    return new CommandLineError(arg, undefined, 'unknown option', `unknown option ${arg} (${what} takes no options)`);
  return new CommandLineError('arguments', arg, 'unexpected argument', `unexpected argument ${JSON.stringify(arg)}: ${what} takes none`);
}

/** An integer as Kafka's config parser reads one (ConfigDef INT: Integer.parseInt of the trimmed value: a sign allowed). */
function int(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^[+-]?\d+$/.test(v)) throw new InvalidConfigError(field, value, 'expected an integer');
  // Beyond an int Kafka refuses it too; refused here as typed, not rounded (1e+23) for the message.
  const n = Number(v);
  // No range offered: "from -2147483648" would offer negatives to a flag that takes none (--broker-id);
  // the flag's own range is checked next, on a number that is exact.
  if (n < -2147483648 || n > 2147483647) throw new InvalidConfigError(field, value, 'expected a 32-bit signed integer');
  return n;
}

function required(value: string | undefined, field: string): string {
  if (value === undefined || value === '') throw new InvalidConfigError(field, value, 'required');
  return value;
}

// Config fields as the CLI user knows them: an error about `listeners[0].port` is about --listeners.
const OPTION_OF: readonly (readonly [RegExp, string])[] = [
  [/^zookeeper\.connect$/, '--zookeeper'],
  [/^zookeeper\.sessionTimeoutMs$/, '--session-timeout-ms'],
  [/^zookeeper\.connectTimeoutMs$/, '--connect-timeout-ms'],
  [/^zookeeper\.wedgedAfterMs$/, '--wedged-after-ms'],
  [/^brokerId$/, '--broker-id'],
  [/^listeners(\[\d+\]\.securityProtocol)$/, '--listener-security-protocol-map'],
  [/^listeners(\[.*)?$/, '--listeners'],
  [/^rack$/, '--rack'],
  [/^jmxPort$/, '--jmx-port'],
  [/^znodeVersion$/, '--znode-version'],
  [/^conflict\.policy$/, '--conflict-policy'],
  [/^conflict\.timeoutMs$/, '--conflict-timeout-ms'],
  [/^interBrokerListener$/, '--inter-broker-listener-name'],
  [/^clusterId$/, '--cluster-id'],
  [/^controlPlaneListener$/, '--control-plane-listener-name'],
  [/^confirm\.kafka.*$/, '--confirm-bootstrap'],
  [/^confirm\.timeoutMs$/, '--confirm-timeout-ms'],
  [/^confirm\.recheckIntervalMs$/, '--recheck-interval-ms'],
  [/^health\.port$/, '--health-port'],
  [/^kraftMigration$/, '--kraft-migration'],
  [/^zookeeperSetAcl$/, '--zookeeper-set-acl'],
  [/^zookeeper\.auth.*$/, '--zookeeper-auth-file or --zookeeper-auth-env'],
  [/^controller$/, '--controller'],
  [/^controller\.performsControllerDuties$/, '--performs-controller-duties'],
  [/^controller\.besideOtherBrokers$/, '--controller-beside-other-brokers'],
  [/^confirm$/, '--confirm-bootstrap'],
];

/**
 * The command-line option a config field came from (or the field itself), with `value` as typed
 * after it: the OptionNamer the CLI renders every error with, so that deeper errors (a listener
 * mismatch, a refused candidacy) name flags too.
 */
export const optionFor: OptionNamer = (field, value) => {
  const flag = OPTION_OF.find(([re]) => re.test(field))?.[1] ?? field;
  return value === undefined || value === true ? flag : `${flag} ${value}`;
};

/** An error as the CLI says it: options named as flags. */
export function cliMessage(err: unknown): string {
  if (err instanceof KafkaZkRegistrarError) return err.messageWith(optionFor);
  return err instanceof Error ? err.message : String(err);
}

export interface ParseOptions {
  /**
   * What an advertised listener without a host (`PLAINTEXT://:9092`) stands for: this machine's
   * canonical host name, as Kafka registers it (main resolves it with canonicalHostName()). Default:
   * the host name, unresolved.
   */
  readonly localHostName?: string;
}

export function parseCommand(argv: readonly string[], opts: ParseOptions = {}): Command {
  const [cmd, ...rest] = argv;
  // Anything after --version or help is a usage error (exit 2), not ignored: `--version --bogus`
  // exiting 0 would tell a script that its arguments were fine.
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    if (rest.length > 0) throw nothingAfter(cmd, rest[0] as string);
    return { kind: 'version' };
  }
  if (cmd === 'help' || cmd === '--help' || cmd === '-h') {
    const topic = rest[0];
    if (topic === undefined) return { kind: 'help', command: undefined };
    if (topic !== 'register' && topic !== 'audit') throw new InvalidConfigError(cmd, topic, 'expected register or audit');
    if (rest.length > 1) throw nothingAfter(`${cmd} ${topic}`, rest[1] as string);
    return { kind: 'help', command: topic };
  }
  if (cmd === undefined) throw new InvalidConfigError('command', cmd, 'expected register, audit, help or --version');
  if (cmd !== 'register' && cmd !== 'audit') throw new InvalidConfigError('command', cmd, 'expected register, audit, help or --version');
  if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', command: cmd };
  const args = negativeNumbersAttached(rest);
  checkArguments(
    args,
    Object.keys(OPTIONS).filter((o) => (cmd === 'audit') === AUDIT_OPTIONS.includes(o) || SHARED_OPTIONS.includes(o)),
  );
  // Strict all the same: checkArguments has said whatever it would refuse.
  const { values, tokens } = parseArgs({ args, strict: true, tokens: true, options: OPTIONS });
  const seen = new Set<string>();
  for (const t of tokens ?? []) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name))
      throw new CommandLineError(`--${t.name}`, t.value ?? true, 'given more than once', `--${t.name} is given more than once`);
    seen.add(t.name);
  }
  const connect = required(values.zookeeper, '--zookeeper');
  parseConnectString(connect, '--zookeeper');
  const auth = readAuth(values['zookeeper-auth-file'], values['zookeeper-auth-env']);
  const tls = readTlsFlags(values);
  // Each command takes its own options: one it would ignore is refused, not silently dropped.
  for (const t of tokens ?? []) {
    if (t.kind !== 'option') continue;
    const forAudit = AUDIT_OPTIONS.includes(t.name);
    if (cmd === 'audit' && !forAudit)
      throw new CommandLineError(`--${t.name}`, t.value ?? true, 'only for register', `--${t.name} is only for register, not audit`);
    if (cmd === 'register' && forAudit && !SHARED_OPTIONS.includes(t.name))
      throw new CommandLineError(`--${t.name}`, t.value ?? true, 'only for audit', `--${t.name} is only for audit, not register`);
  }
  if (cmd === 'audit') {
    const given = int(values['connect-timeout-ms'], '--connect-timeout-ms');
    const connectTimeoutMs = given === undefined ? undefined : timerMs(given, '--connect-timeout-ms', 1);
    return {
      kind: 'audit',
      connect,
      bootstrap:
        values.bootstrap === undefined ? undefined : brokerAddresses(parseCsvList(values.bootstrap), '--bootstrap', values.bootstrap),
      json: values.json === true,
      auth,
      connectTimeoutMs,
      tls,
    };
  }
  const healthPort = int(values['health-port'], '--health-port');
  if (healthPort !== undefined && (healthPort < 0 || healthPort > 65535))
    throw new InvalidConfigError('--health-port', values['health-port'], 'expected a port from 0 to 65535');
  if (values['health-host'] !== undefined && healthPort === undefined)
    throw new InvalidConfigError('--health-host', values['health-host'], 'needs --health-port');
  const health = healthPort === undefined ? undefined : { port: healthPort, host: values['health-host'] ?? '127.0.0.1' };

  const mapValue = values['listener-security-protocol-map'];
  const protocolMap = new Map<string, string>();
  for (const [name, proto] of parseCsvMap(mapValue ?? '', '--listener-security-protocol-map'))
    protocolMap.set(name.toUpperCase(), proto.toUpperCase());
  const listeners = cliListeners(required(values.listeners, '--listeners'), protocolMap, mapValue, opts.localHostName ?? hostname());
  const version = int(values['znode-version'], '--znode-version');
  const policy = values['conflict-policy'];
  const bootstrap =
    values['confirm-bootstrap'] === undefined
      ? undefined
      : brokerAddresses(parseCsvList(values['confirm-bootstrap']), '--confirm-bootstrap', values['confirm-bootstrap']);
  const sessionTimeoutMs = int(values['session-timeout-ms'], '--session-timeout-ms');
  const connectTimeoutMs = int(values['connect-timeout-ms'], '--connect-timeout-ms');
  const wedgedAfterMs = int(values['wedged-after-ms'], '--wedged-after-ms');
  const conflictTimeoutMs = int(values['conflict-timeout-ms'], '--conflict-timeout-ms');
  const confirmTimeoutMs = int(values['confirm-timeout-ms'], '--confirm-timeout-ms');
  const recheckIntervalMs = int(values['recheck-interval-ms'], '--recheck-interval-ms');
  // Settings of the confirmation mean nothing without it: refused, as --performs-controller-duties is
  // without --controller, rather than silently ignored.
  for (const flag of ['confirm-timeout-ms', 'recheck-interval-ms'] as const) {
    if (values[flag] !== undefined && bootstrap === undefined) {
      throw new CommandLineError(
        `--${flag}`,
        values[flag],
        'only with --confirm-bootstrap',
        `--${flag} is only for the confirmation: give --confirm-bootstrap too`,
      );
    }
  }
  const jmxPort = int(values['jmx-port'], '--jmx-port');
  const config: BrokerRegistrarConfig = {
    zookeeper: {
      connect,
      ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }),
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
      ...(wedgedAfterMs === undefined ? {} : { wedgedAfterMs }),
      ...(auth === undefined ? {} : { auth }),
      ...(tls === undefined ? {} : { tls }),
    },
    ...(values['zookeeper-set-acl'] === true ? { zookeeperSetAcl: true } : {}),
    brokerId: int(required(values['broker-id'], '--broker-id'), '--broker-id') as number,
    listeners,
    ...(values.rack === undefined ? {} : { rack: values.rack }),
    ...(values['inter-broker-listener-name'] === undefined ? {} : { interBrokerListener: values['inter-broker-listener-name'] }),
    ...(values['kraft-migration'] === undefined ? {} : { kraftMigration: values['kraft-migration'] as 'refuse' | 'register' }),
    ...(jmxPort === undefined ? {} : { jmxPort }),
    ...(version === undefined ? {} : { znodeVersion: version as 4 | 5 }),
    conflict: {
      ...(policy === undefined ? {} : { policy: policy as 'wait' | 'fail' }),
      ...(conflictTimeoutMs === undefined ? {} : { timeoutMs: conflictTimeoutMs }),
    },
    ...controllerOption(
      values.controller === true,
      values['performs-controller-duties'] === true,
      values['controller-beside-other-brokers'] === true,
    ),
    ...(values['control-plane-listener-name'] === undefined ? {} : { controlPlaneListener: values['control-plane-listener-name'] }),
    ...(values['cluster-id'] === undefined ? {} : { clusterId: values['cluster-id'] }),
    ...(bootstrap === undefined
      ? {}
      : {
          confirm: {
            kafka: { brokers: bootstrap },
            ...(confirmTimeoutMs === undefined ? {} : { timeoutMs: confirmTimeoutMs }),
            ...(recheckIntervalMs === undefined ? {} : { recheckIntervalMs }),
          },
        }),
  };
  return { kind: 'register', config, health };
}
