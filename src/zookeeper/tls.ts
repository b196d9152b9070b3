// `tls`: TLS to a ZooKeeper server's secure client port (`secureClientPort`, ZooKeeper 3.5+). What
// ZooKeeper's Java client calls `zookeeper.client.secure=true` with `zookeeper.ssl.*` (ClientX509Util)
// and Kafka `zookeeper.ssl.client.enable=true` with `zookeeper.ssl.truststore.*`/`keystore.*` (2.5+,
// KIP-515); ours take PEM, in node:tls's own names, where the Java clients take key stores.
// Validated once, before anything connects: a key that does not parse, or a certificate without its
// key, is an InvalidConfigError naming the field, not a connect attempt that fails again and again.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { InvalidConfigError } from '../errors.js';

/**
 * TLS to ZooKeeper's secure client port. `{}` is TLS verified against Node's bundled CAs. The server's
 * certificate is always verified, its name included (ZooKeeper's `zookeeper.ssl.hostnameVerification`
 * default): there is no option to turn that off; for a private CA, give it as `ca`.
 */
export interface ZooKeeperTls {
  /**
   * The CA certificate(s) the server's certificate must chain to, PEM (several in one text, or a
   * list). Default: Node's bundled root CAs (plus NODE_EXTRA_CA_CERTS). Kafka:
   * `zookeeper.ssl.truststore.location`; ZooKeeper: `zookeeper.ssl.trustStore.location`.
   */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /**
   * Our client certificate (and its chain), PEM, for a server that authenticates clients
   * (`ssl.clientAuth=need` or `want`; ZooKeeper's x509 provider then gives the session the
   * certificate's subject as its `x509` identity). Needs `key`. Kafka: `zookeeper.ssl.keystore.location`.
   */
  readonly cert?: string | Buffer;
  /** The private key of `cert`, PEM (PKCS#8, PKCS#1 or SEC1; encrypted with `passphrase`). Needs `cert`. Never echoed. */
  readonly key?: string | Buffer;
  /** The passphrase of an encrypted `key` (Kafka: `zookeeper.ssl.keystore.password`). Never echoed. */
  readonly passphrase?: string;
  /**
   * The host name every server's certificate must carry, and the SNI sent. Default: each connect-string
   * host's own name; for a host given as an IP address, that address, checked against the certificate's
   * IP subject alternative names (and no SNI, which cannot carry an address).
   */
  readonly servername?: string;
}

const KEYS = ['ca', 'cert', 'key', 'passphrase', 'servername'] as const;
const SHAPE = "{ ca?, cert?, key?, passphrase?, servername? } with PEM text as string or Buffer ({} is TLS with Node's default CAs)";
const REDACTED = '<redacted>';
const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
// What validateTls returned: a Connection validates once, and its sessions' Session.open does not again.
const validated = new WeakSet<ZooKeeperTls>();

/**
 * Checks `tls` (found at `field`, e.g. `zookeeper.tls`) and returns a frozen copy. Throws
 * InvalidConfigError naming the offending field: an unknown option, a value that is not PEM (a file
 * name given where its contents belong is said so), a certificate or key that does not parse, `cert`
 * without `key` (or the reverse), a key that is not the certificate's, an encrypted key without its
 * passphrase, an IP address as `servername`. Key material is never part of the error.
 */
export function validateTls(tls: unknown, field: string): ZooKeeperTls {
  if (typeof tls === 'object' && tls !== null && validated.has(tls as ZooKeeperTls)) return tls as ZooKeeperTls;
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls) || Buffer.isBuffer(tls))
    throw new InvalidConfigError(field, typeof tls === 'object' ? '(not an object)' : tls, `expected ${SHAPE}`);
  const t = tls as Record<string, unknown>;
  for (const key of Object.keys(t)) {
    if ((KEYS as readonly string[]).includes(key)) continue;
    const v = t[key];
    const shown = typeof v === 'boolean' || typeof v === 'number' ? v : REDACTED;
    if (key === 'rejectUnauthorized' || key === 'checkServerIdentity') {
      throw new InvalidConfigError(
        `${field}.${key}`,
        shown,
        "verification cannot be turned off (an unverified server can be anyone's); give the server's CA as ca",
      );
    }
    throw new InvalidConfigError(
      `${field}.${key}`,
      shown,
      `unknown option; expected one of ${KEYS.join(', ')} (PEM contents, not file names)`,
    );
  }
  const out: {
    ca?: string | Buffer | readonly (string | Buffer)[];
    cert?: string | Buffer;
    key?: string | Buffer;
    passphrase?: string;
    servername?: string;
  } = {};
  if (t.ca !== undefined) {
    const list = Array.isArray(t.ca) ? (t.ca as unknown[]) : [t.ca];
    if (list.length === 0)
      throw new InvalidConfigError(`${field}.ca`, '[]', "expected at least one CA certificate; leave ca out for Node's default CAs");
    for (const [i, c] of list.entries()) certificates(c, Array.isArray(t.ca) ? `${field}.ca[${i}]` : `${field}.ca`);
    out.ca = Array.isArray(t.ca) ? Object.freeze([...(list as (string | Buffer)[])]) : (t.ca as string | Buffer);
  }
  if (t.passphrase !== undefined && (typeof t.passphrase !== 'string' || t.passphrase === ''))
    throw new InvalidConfigError(`${field}.passphrase`, REDACTED, 'expected a non-empty string');
  if (t.cert !== undefined || t.key !== undefined) {
    if (t.key === undefined)
      throw new InvalidConfigError(
        `${field}.key`,
        undefined,
        `needed with ${field}.cert: a client certificate is presented with its private key`,
      );
    if (t.cert === undefined)
      throw new InvalidConfigError(
        `${field}.cert`,
        undefined,
        `needed with ${field}.key: the private key is presented with its client certificate`,
      );
    const [leaf] = certificates(t.cert, `${field}.cert`);
    const key = privateKey(t.key, t.passphrase as string | undefined, field);
    if (!(leaf as X509Certificate).checkPrivateKey(key))
      throw new InvalidConfigError(
        `${field}.key`,
        REDACTED,
        `not the private key of ${field}.cert (${(leaf as X509Certificate).subject.replace(/\n/g, ', ')})`,
      );
    out.cert = t.cert as string | Buffer;
    out.key = t.key as string | Buffer;
    if (t.passphrase !== undefined) out.passphrase = t.passphrase as string;
  } else if (t.passphrase !== undefined) {
    throw new InvalidConfigError(`${field}.passphrase`, REDACTED, `only with ${field}.key`);
  }
  if (t.servername !== undefined) {
    const name = t.servername;
    if (typeof name === 'string' && isIP(name) !== 0) {
      throw new InvalidConfigError(
        `${field}.servername`,
        name,
        "an IP address is no TLS server name (SNI cannot carry one, RFC 6066); leave servername out: a connect string's IP address is then checked against the certificate's IP addresses",
      );
    }
    if (typeof name !== 'string' || name.length > 253 || !/^[A-Za-z0-9*_]([A-Za-z0-9_.-]*[A-Za-z0-9])?\.?$/.test(name)) {
      throw new InvalidConfigError(`${field}.servername`, name, 'expected a DNS host name');
    }
    out.servername = name;
  }
  const frozen = Object.freeze(out);
  validated.add(frozen);
  return frozen;
}

/** The certificates in a PEM text; throws naming `field` when there are none or one does not parse. */
function certificates(value: unknown, field: string): X509Certificate[] {
  const text = pemText(value, field);
  const blocks = text.match(CERTIFICATE) ?? [];
  if (blocks.length === 0) throw notPem(text, field, 'a PEM certificate (-----BEGIN CERTIFICATE-----)');
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw new InvalidConfigError(field, summary(text), `a certificate in it does not parse: ${(err as Error).message}`);
    }
  });
}

function privateKey(value: unknown, passphrase: string | undefined, field: string): KeyObject {
  const text = pemText(value, `${field}.key`, true);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
    throw notPem(text, `${field}.key`, 'a PEM private key (-----BEGIN PRIVATE KEY-----)', true);
  const encrypted = /ENCRYPTED/.test(text);
  if (encrypted && passphrase === undefined) throw new InvalidConfigError(`${field}.passphrase`, undefined, `${field}.key is encrypted`);
  try {
    return createPrivateKey(passphrase === undefined ? { key: text } : { key: text, passphrase });
  } catch (err) {
    if (encrypted)
      throw new InvalidConfigError(`${field}.passphrase`, REDACTED, `does not decrypt ${field}.key (${(err as Error).message})`);
    throw new InvalidConfigError(`${field}.key`, REDACTED, `not a private key node:crypto can read (${(err as Error).message})`);
  }
}

function pemText(value: unknown, field: string, secret = false): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  throw new InvalidConfigError(
    field,
    secret ? REDACTED : typeof value === 'object' ? '(not a string or Buffer)' : value,
    'expected PEM text as a string or Buffer',
  );
}

function notPem(text: string, field: string, what: string, secret = false): InvalidConfigError {
  // The commonest mistake: the file's name where its contents belong (Kafka's settings are file names).
  if (text.length < 4096 && !/[\r\n]/.test(text) && text.trim() !== '') {
    return new InvalidConfigError(
      field,
      secret ? REDACTED : text,
      `expected ${what}, the contents itself: this looks like a file name; read the file (fs.readFileSync) and give what it holds`,
    );
  }
  return new InvalidConfigError(field, secret ? REDACTED : summary(text), `expected ${what}`);
}

/** A certificate text in an error: its size, not the text (long, and useless on one line). */
function summary(text: string): string {
  return `(${text.length} characters)`;
}
