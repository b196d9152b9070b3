// The /brokers/ids/<id> znode exactly as Kafka's BrokerIdZNode writes and reads it (ZooKeeper
// mode, Kafka 0.10.0 through 3.x). Encoding rules that matter for compatibility:
// - `host`/`port` at the top level are for pre-0.9 clients and come from the first endpoint whose
//   *security protocol* is PLAINTEXT (not the listener name); without one they are null / -1;
// - `timestamp` is a string of epoch milliseconds; `jmx_port` is -1 when unset;
// - `rack` is written only when set; v4 adds `listener_security_protocol_map`, v5 adds `features`;
// - endpoints are `LISTENER://host:port`, IPv6 hosts in brackets.
import { isIPv6 } from 'node:net';
import { InvalidConfigError } from '../errors.js';
import { parseZNodeObject } from './znode-json.js';

/** `jmx_port` of a broker without JMX (Kafka's default, -1). */
export const NO_JMX_PORT = -1;

/** The security protocols Kafka knows (SecurityProtocol), in Kafka's spelling. */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
/** `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`. */
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/**
 * One advertised listener, as the `listeners` option takes it (Kafka's `advertised.listeners` plus
 * `listener.security.protocol.map`).
 */
export interface Listener {
  /** Listener name, e.g. "PLAINTEXT", "INTERNAL". Kafka upper-cases listener names. */
  readonly name: string;
  /** Advertised host name or IP literal. */
  readonly host: string;
  /** Advertised port, 1..65535. */
  readonly port: number;
  /** Defaults to `name` when the name is itself a security protocol. */
  readonly securityProtocol?: SecurityProtocol;
}

/**
 * One endpoint as the broker znode holds it (`LISTENER://host:port` in `endpoints`, with its protocol in
 * `listener_security_protocol_map`).
 */
export interface Endpoint {
  /** The listener name, upper-cased. */
  readonly listenerName: string;
  /** null when the endpoint binds all interfaces (empty host in the endpoint string). */
  readonly host: string | null;
  /** The port, 1..65535. */
  readonly port: number;
  /** The listener's security protocol. */
  readonly securityProtocol: SecurityProtocol;
}

/**
 * One entry of a v5 znode's `features` map (Kafka's SupportedVersionRange): versions 0..32767, `min_version`
 * at most `max_version`.
 */
export interface SupportedFeatureRange {
  /** Lowest supported feature version. */
  readonly min_version: number;
  /** Highest supported feature version. */
  readonly max_version: number;
}

/**
 * The broker znode's JSON version: 5 (Kafka 2.7+, adds `features`) or 4 (Kafka 0.10.0 to 2.6, adds
 * `listener_security_protocol_map`).
 */
export type BrokerZNodeVersion = 4 | 5;

/** What `encodeBrokerZNode` writes (Kafka's BrokerInfo). */
export interface BrokerRegistrationInfo {
  /** Kafka's `broker.id`, 0..2147483647. */
  readonly brokerId: number;
  /**
   * The advertised endpoints, in order; the first PLAINTEXT one (by protocol) also fills the legacy
   * `host`/`port`.
   */
  readonly endpoints: readonly Endpoint[];
  /** Kafka's `broker.rack`; written only when set. */
  readonly rack?: string | undefined;
  /** -1 when unset. */
  readonly jmxPort: number;
  /** The JSON version to write. */
  readonly version: BrokerZNodeVersion;
  /** v5 only; Kafka brokers in ZooKeeper mode normally advertise `{}`. */
  readonly features?: Readonly<Record<string, SupportedFeatureRange>> | undefined;
}

/** What Kafka's decoder recovers from a broker znode. */
export interface DecodedBrokerZNode {
  /** The broker id, from the znode's path (Kafka does not read it from the JSON). */
  readonly brokerId: number;
  /** The JSON `version`: an integer of at least 1 (versions 1 to 5 exist). */
  readonly version: number;
  /** The legacy top-level `host` (pre-0.9 clients); null when there is no PLAINTEXT endpoint. */
  readonly host: string | null;
  /** The legacy top-level `port`; -1 when there is no PLAINTEXT endpoint. */
  readonly port: number;
  /** Where the broker is: from `endpoints` (v2+), else from `host`/`port` (v1). */
  readonly endpoints: readonly Endpoint[];
  /** `jmx_port`; -1 when unset. */
  readonly jmxPort: number;
  /** `timestamp`: the registration time in epoch ms, as a string; undefined when absent. */
  readonly timestamp: string | undefined;
  /** `rack`, when present. */
  readonly rack: string | undefined;
  /** `features` (v5); `{}` when absent. */
  readonly features: Readonly<Record<string, SupportedFeatureRange>>;
}

/** The parent of every broker registration: `/brokers/ids` (Kafka's BrokerIdsZNode). */
export const BROKER_IDS_PATH = '/brokers/ids';

/** `/brokers/ids/<brokerId>` (Kafka's BrokerIdZNode.path). */
export function brokerIdPath(brokerId: number): string {
  return `${BROKER_IDS_PATH}/${brokerId}`;
}

const LISTENER_NAME = /^[A-Za-z0-9_-]+$/;
// Kafka's EndPoint parser accepts exactly these host characters.
const HOST = /^[0-9A-Za-z\-%._:]+$/;
const RACK_MAX = 255;

/** Validates listeners as Kafka's config parser would and turns them into endpoints. */
export function listenersToEndpoints(listeners: unknown, field = 'listeners'): Endpoint[] {
  if (!Array.isArray(listeners) || listeners.length === 0) {
    throw new InvalidConfigError(field, listeners, 'expected a non-empty array of { name, host, port, securityProtocol? }');
  }
  const seen = new Set<string>();
  return listeners.map((l: unknown, i: number): Endpoint => {
    const f = `${field}[${i}]`;
    if (typeof l !== 'object' || l === null) throw new InvalidConfigError(f, l, 'expected an object');
    const { name, host, port, securityProtocol } = l as Record<string, unknown>;
    if (typeof name !== 'string' || !LISTENER_NAME.test(name)) {
      throw new InvalidConfigError(`${f}.name`, name, 'expected letters, digits, "_" or "-"');
    }
    const listenerName = name.toUpperCase();
    if (seen.has(listenerName)) throw new InvalidConfigError(`${f}.name`, name, 'listener names must be unique');
    seen.add(listenerName);
    if (typeof host !== 'string' || !HOST.test(host)) {
      throw new InvalidConfigError(`${f}.host`, host, 'expected a host name or IP address');
    }
    // A colon is only ever part of an IPv6 literal: "127.0.0.1:9092" is a host with a port, which
    // would be written as the literal [127.0.0.1:9092] that no client can connect to.
    if (host.includes(':') && !isIPv6(host.replace(/^\[(.*)\]$/, '$1'))) {
      throw new InvalidConfigError(`${f}.host`, host, 'expected a host name or IP address, without a port (IPv6 literals are fine)');
    }
    if (host === '0.0.0.0' || host === '::' || host === '[::]') {
      throw new InvalidConfigError(`${f}.host`, host, 'a wildcard address cannot be advertised');
    }
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidConfigError(`${f}.port`, port, 'expected an integer in 1..65535');
    }
    let protocol: SecurityProtocol;
    if (securityProtocol === undefined) {
      if (!isSecurityProtocol(listenerName)) {
        throw new InvalidConfigError(
          `${f}.securityProtocol`,
          securityProtocol,
          `listener "${listenerName}" is not a security protocol name, so its protocol must be given (Kafka's listener.security.protocol.map)`,
        );
      }
      protocol = listenerName;
    } else if (typeof securityProtocol === 'string' && isSecurityProtocol(securityProtocol.toUpperCase())) {
      protocol = securityProtocol.toUpperCase() as SecurityProtocol;
    } else {
      throw new InvalidConfigError(`${f}.securityProtocol`, securityProtocol, `expected one of ${SECURITY_PROTOCOLS.join(', ')}`);
    }
    return { listenerName, host: host.replace(/^\[(.*)\]$/, '$1'), port, securityProtocol: protocol };
  });
}

export function validateRack(rack: unknown, field = 'rack'): string | undefined {
  if (rack === undefined) return undefined;
  if (typeof rack !== 'string' || rack === '' || rack.length > RACK_MAX) {
    throw new InvalidConfigError(field, rack, `expected a non-empty string of at most ${RACK_MAX} characters`);
  }
  return rack;
}

/**
 * `LISTENER://host:port` as Kafka writes an endpoint (IPv6 hosts in brackets; no host when it binds all
 * interfaces).
 */
export function endpointString(e: Endpoint): string {
  if (e.host === null) return `${e.listenerName}://:${e.port}`;
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.listenerName}://${host}:${e.port}`;
}

/** JSON bytes for /brokers/ids/<id>, decodable by Kafka's BrokerIdZNode.decode. */
export function encodeBrokerZNode(info: BrokerRegistrationInfo, timestampMs: number): Buffer {
  const plaintext = info.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
  const json: Record<string, unknown> = {
    version: info.version,
    host: plaintext?.host ?? null,
    port: plaintext?.port ?? -1,
    endpoints: info.endpoints.map(endpointString),
    jmx_port: info.jmxPort,
    timestamp: String(Math.trunc(timestampMs)),
  };
  if (info.rack !== undefined) json.rack = info.rack;
  const map: Record<string, string> = {};
  for (const e of info.endpoints) map[e.listenerName] = e.securityProtocol;
  json.listener_security_protocol_map = map;
  if (info.version >= 5) json.features = info.features ?? {};
  return Buffer.from(JSON.stringify(json), 'utf8');
}

// Kafka's EndPoint.createEndPoint pattern: LISTENER://host:port, host optionally bracketed.
const ENDPOINT = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

/**
 * `LISTENER://host:port` as Kafka's EndPoint parser reads it (listener upper-cased, IPv6 brackets
 * removed, an empty host meaning all interfaces), or undefined when it is not one. The one parser for
 * this format: znodes and command-line `--listeners` alike.
 */
export function parseEndpointString(
  s: string,
): { readonly listenerName: string; readonly host: string | null; readonly port: number } | undefined {
  const m = ENDPOINT.exec(s);
  if (m === null || m[1] === '') return undefined;
  return { listenerName: (m[1] as string).toUpperCase(), host: m[2] === '' ? null : (m[2] as string), port: Number(m[3]) };
}

/**
 * Decodes a broker znode with Kafka's rules (BrokerIdZNode.decode). Throws ZNodeFormatError (never
 * anything else) for data another tool may have written: bad JSON, missing fields, unknown security
 * protocols, feature ranges Kafka rejects. The versions it accepts:
 *
 * ```
 *   v1 {"version":1,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666"}
 *   v2 {"version":2,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666",
 *       "endpoints":["PLAINTEXT://host1:9092","SSL://host1:9093"]}
 *   v3 v2 + "rack":"dc1"
 *   v4 {"version":4,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666",
 *       "endpoints":["CLIENT://host1:9092","REPLICATION://host1:9093"],"rack":"dc1",
 *       "listener_security_protocol_map":{"CLIENT":"SSL","REPLICATION":"PLAINTEXT"}}
 *   v5 v4 + "features":{"feature":{"min_version":1,"max_version":3}}   (what Kafka 2.7-3.9 writes;
 *       a ZooKeeper-mode 3.9 broker writes "features":{})
 * ```
 *
 * From v2 on, only `endpoints` says where the broker is (`host`/`port` are for pre-0.9 clients and
 * may be null/-1); without a protocol map, listener names must be security protocol names.
 */
export function decodeBrokerZNode(brokerId: number, data: Buffer): DecodedBrokerZNode {
  const { o, fail } = parseZNodeObject(brokerIdPath(brokerId), data);
  const version = o.version;
  if (!isInt(version) || version < 1) return fail(`unsupported version ${JSON.stringify(version)}`);
  if (!isInt(o.jmx_port)) return fail('jmx_port is missing or not an integer');
  const host = o.host === null || o.host === undefined ? null : typeof o.host === 'string' ? o.host : fail('host is not a string');
  const port = o.port === undefined ? -1 : isInt(o.port) ? o.port : fail('port is not an integer');

  let endpoints: Endpoint[];
  if (version === 1) {
    if (host === null || port < 0) return fail('version 1 needs host and port');
    endpoints = [{ listenerName: 'PLAINTEXT', host, port, securityProtocol: 'PLAINTEXT' }];
  } else {
    let protoMap: Record<string, SecurityProtocol> | undefined;
    if (o.listener_security_protocol_map !== undefined) {
      const m = o.listener_security_protocol_map;
      if (typeof m !== 'object' || m === null || Array.isArray(m)) return fail('listener_security_protocol_map is not an object');
      protoMap = {};
      for (const [k, v] of Object.entries(m)) {
        if (typeof v !== 'string' || !isSecurityProtocol(v))
          return fail(`unknown security protocol ${JSON.stringify(v)} for listener ${k}`);
        protoMap[k.toUpperCase()] = v;
      }
    }
    if (!Array.isArray(o.endpoints) || !o.endpoints.every((e) => typeof e === 'string'))
      return fail('endpoints is not an array of strings');
    endpoints = (o.endpoints as string[]).map((s) => {
      const ep = parseEndpointString(s);
      if (ep === undefined) return fail(`endpoint ${JSON.stringify(s)} is not LISTENER://host:port`);
      const protocol =
        protoMap !== undefined ? protoMap[ep.listenerName] : isSecurityProtocol(ep.listenerName) ? ep.listenerName : undefined;
      if (protocol === undefined) return fail(`no security protocol for listener ${ep.listenerName}`);
      return { ...ep, securityProtocol: protocol };
    });
  }
  const rack = o.rack === undefined || o.rack === null ? undefined : typeof o.rack === 'string' ? o.rack : fail('rack is not a string');
  const timestamp = typeof o.timestamp === 'string' ? o.timestamp : undefined;
  const features = o.features === undefined || o.features === null ? {} : decodeFeatures(o.features, fail);
  return { brokerId, version, host, port, endpoints, jmxPort: o.jmx_port, timestamp, rack, features };
}

// Kafka reads features as Map[String, Map[String, Int]], narrows each version to a Short, and builds
// a SupportedVersionRange, which rejects negative versions and max < min: any of these makes the
// controller's decode (and with it the whole broker-change event) fail.
function decodeFeatures(v: unknown, fail: (why: string) => never): Record<string, SupportedFeatureRange> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('features is not an object');
  const features: Record<string, SupportedFeatureRange> = {};
  for (const [name, range] of Object.entries(v as Record<string, unknown>)) {
    if (range === null || typeof range !== 'object' || Array.isArray(range)) return fail(`feature ${name} is not an object`);
    const r = range as Record<string, unknown>;
    for (const [key, value] of Object.entries(r)) {
      if (!isInt(value)) return fail(`feature ${name}: ${key} is not an integer`);
    }
    const { min_version: min, max_version: max } = r;
    if (!isInt(min) || !isInt(max)) return fail(`feature ${name} has no integer min_version/max_version`);
    if (min < 0 || max > 32767 || max < min) return fail(`feature ${name}: versions ${min}..${max} are not a range in 0..32767`);
    features[name] = { min_version: min, max_version: max };
  }
  return features;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function isSecurityProtocol(v: string): v is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(v);
}
