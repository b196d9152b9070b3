// Which server to try next, as the Java client's ConnectStringParser and StaticHostProvider
// (HostConnectionManager) decide it: the connect string's hosts, shuffled once, tried round-robin,
// with a pause before going round the list again when no host of the last round took us.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { InvalidConfigError } from '../../errors.js';
import { invalidPathReason } from './chroot.js';

/** ZooKeeper's client port when the connect string names none. */
export const DEFAULT_PORT = 2181;

export interface HostPort {
  /** A name or an IP address, IPv6 without its brackets. */
  readonly host: string;
  readonly port: number;
}

export interface ParsedConnectString {
  readonly hosts: readonly HostPort[];
  /** The chroot without a trailing slash, or undefined ("" and "/" mean none). */
  readonly chroot: string | undefined;
}

/** `[::1]:2181` as a connect string writes it; names and IPv4 as they are. */
export function formatHostPort(h: HostPort): string {
  return `${isIP(h.host) === 6 ? `[${h.host}]` : h.host}:${h.port}`;
}

/**
 * `host:port[,host:port...][/chroot]`, read as ConnectStringParser does: the chroot starts at the
 * first "/", blanks around each host are dropped and so are empty entries ("a:1, ,b:2"), a host
 * without a port gets 2181, and IPv6 addresses come in brackets with the port after them
 * (`[::1]:2181`, `[::ffff:127.0.0.1]:2181`). An unbracketed address with several colons is refused
 * rather than guessed at. Throws InvalidConfigError.
 */
export function parseConnectString(value: unknown, field = 'connect'): ParsedConnectString {
  if (typeof value !== 'string' || value.trim() === '')
    throw new InvalidConfigError(field, value, 'expected "host:port[,host:port...][/chroot]"');
  // No ZooKeeper connect string holds credentials: user:password@ is refused, and never echoed.
  if (value.includes('@'))
    throw new InvalidConfigError(field, '<redacted>', 'a connect string holds no credentials ("user:password@"): give them as auth');
  // zk://host:2181 (a URL, as other systems write it), in any entry: its "//" would be read as a chroot.
  const scheme = /(?:^|,)\s*([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (scheme !== null)
    throw new InvalidConfigError(
      field,
      value,
      `a connect string has no scheme (${scheme[1]}://): expected "host:port[,host:port...][/chroot]"`,
    );
  const slash = value.indexOf('/');
  const serverPart = slash === -1 ? value : value.slice(0, slash);
  let chroot: string | undefined = slash === -1 ? undefined : value.slice(slash);
  if (chroot === '/') chroot = undefined;
  if (chroot !== undefined) {
    const why = invalidPathReason(chroot);
    if (why !== undefined) throw new InvalidConfigError(field, value, `chroot ${JSON.stringify(chroot)} ${why}`);
  }
  const hosts: HostPort[] = [];
  for (const raw of serverPart.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    hosts.push(parseHostPort(entry, field, value));
  }
  if (hosts.length === 0) throw new InvalidConfigError(field, value, 'names no host');
  return { hosts, chroot };
}

function parseHostPort(entry: string, field: string, whole: string): HostPort {
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close === -1) throw new InvalidConfigError(field, whole, `"${entry}": "[" without "]"`);
    host = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new InvalidConfigError(field, whole, `"${entry}": expected ":port" after "]"`);
    portText = rest === '' ? undefined : rest.slice(1);
    if (isIP(host) !== 6) throw new InvalidConfigError(field, whole, `"${entry}": "${host}" in brackets is not an IPv6 address`);
  } else {
    const colons = entry.split(':').length - 1;
    if (colons > 1) throw new InvalidConfigError(field, whole, `"${entry}": an IPv6 address must be written in brackets, [addr]:port`);
    const colon = entry.indexOf(':');
    host = colon === -1 ? entry : entry.slice(0, colon);
    portText = colon === -1 ? undefined : entry.slice(colon + 1);
    if (!/^[A-Za-z0-9._-]+$/.test(host)) throw new InvalidConfigError(field, whole, `"${entry}": "${host}" is not a host name or address`);
  }
  if (portText === undefined || portText === '') return { host, port: DEFAULT_PORT };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new InvalidConfigError(field, whole, `"${entry}": port "${portText}" is not in 1..65535`);
  return { host, port };
}

export interface HostProviderOptions {
  /** Shuffle the hosts once, as the Java client does, so that clients spread over the ensemble. Default true. */
  readonly shuffle?: boolean;
  /** The pause before trying the list again after a round without a connection (the Java client's spinDelay). Default 1000. */
  readonly retryListPauseMs?: number;
  /** For the shuffle and the choice among a name's addresses; default Math.random. */
  readonly random?: () => number;
}

export interface NextHost {
  readonly host: HostPort;
  /** Wait this long before the attempt: > 0 when every host was tried since the last connection. */
  readonly pauseMs: number;
}

export class HostProvider {
  private readonly hosts: readonly HostPort[];
  private readonly retryListPauseMs: number;
  private readonly random: () => number;
  /** The host of the current (last) attempt; -1 before the first. */
  private current = -1;
  /** The host we last connected to: reaching it again means a whole round failed. -1: never connected. */
  private lastConnected = -1;

  constructor(hosts: readonly HostPort[], opts: HostProviderOptions = {}) {
    if (hosts.length === 0) throw new InvalidConfigError('connect', hosts, 'names no host');
    this.random = opts.random ?? Math.random;
    this.retryListPauseMs = opts.retryListPauseMs ?? 1000;
    const list = [...hosts];
    if (opts.shuffle !== false) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
    }
    this.hosts = list;
  }

  get size(): number {
    return this.hosts.length;
  }

  /** The hosts in the order they are tried. */
  get order(): readonly HostPort[] {
    return this.hosts;
  }

  next(): NextHost {
    this.current = (this.current + 1) % this.hosts.length;
    const pauseMs = this.current === this.lastConnected ? this.retryListPauseMs : 0;
    // Like HostConnectionManager: before the first connection, the list's start counts as the
    // place we "last connected", so the very first attempt never waits but a second round does.
    if (this.lastConnected === -1) this.lastConnected = 0;
    return { host: this.hosts[this.current]!, pauseMs };
  }

  /** The attempt on the current host succeeded: a full round from here is what earns the next pause. */
  onConnected(): void {
    this.lastConnected = this.current;
  }

  /** One of the name's addresses (random, as the Java client picks), or why there is none. */
  resolve(host: HostPort): Promise<ResolvedHost> {
    return resolveHost(host, this.random);
  }
}

export type ResolvedHost =
  | { readonly ok: true; readonly address: string; readonly family: number }
  | { readonly ok: false; readonly error: Error };

/**
 * Resolves a name with dns.lookup (the system resolver, /etc/hosts included), afresh on every
 * attempt so that a server that moved is found at its new address. A failure is returned, not
 * thrown: it is one failed attempt, and the next host is tried.
 */
export function resolveHost(host: HostPort, random: () => number = Math.random): Promise<ResolvedHost> {
  const family = isIP(host.host);
  if (family !== 0) return Promise.resolve({ ok: true, address: host.host, family });
  return new Promise((resolve) => {
    dnsLookup(host.host, { all: true }, (err, addresses: LookupAddress[]) => {
      if (err !== null) {
        resolve({ ok: false, error: err });
        return;
      }
      if (addresses.length === 0) {
        resolve({ ok: false, error: new Error(`${host.host} resolves to no address`) });
        return;
      }
      const pick = addresses[Math.floor(random() * addresses.length)]!;
      resolve({ ok: true, address: pick.address, family: pick.family });
    });
  });
}
