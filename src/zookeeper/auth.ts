// ZooKeeper authentication: addAuthInfo with a scheme and credentials, presented on every session
// and again on every reconnect. The `digest` scheme (`user:password`); SASL is not offered through
// the library's options, TLS is (./tls.ts; see docs/guides/security.md). Credentials are
// validated without ever being echoed: errors name the field, never the value.
import { createHash } from 'node:crypto';
import { InvalidConfigError } from '../errors.js';

/**
 * ZooKeeper credentials (addAuthInfo): presented on every session before anything else, and again on every
 * reconnect. Validated without ever echoing them (InvalidConfigError names the field, never the value).
 */
export interface ZooKeeperAuth {
  /** `digest` (the default, and the scheme this library is tested with). */
  readonly scheme?: string;
  /** For `digest`: `user:password`. Never logged, never part of an error or an event. */
  readonly credentials: string;
}

const REDACTED = '<redacted>';

export function validateAuth(auth: unknown, field: string): Required<ZooKeeperAuth> {
  if (typeof auth !== 'object' || auth === null) throw new InvalidConfigError(field, REDACTED, 'expected { scheme?, credentials }');
  const a = auth as Record<string, unknown>;
  for (const key of Object.keys(a))
    if (key !== 'scheme' && key !== 'credentials')
      throw new InvalidConfigError(`${field}.${key}`, REDACTED, 'unknown option; expected scheme, credentials');
  const scheme = a.scheme ?? 'digest';
  if (typeof scheme !== 'string' || !/^[a-z0-9]+$/i.test(scheme))
    throw new InvalidConfigError(`${field}.scheme`, scheme, 'expected a scheme name such as "digest"');
  const credentials = a.credentials;
  if (typeof credentials !== 'string' || credentials === '')
    throw new InvalidConfigError(`${field}.credentials`, REDACTED, 'expected a non-empty string');
  if (scheme === 'digest' && !/^[^:]+:.+$/s.test(credentials))
    throw new InvalidConfigError(`${field}.credentials`, REDACTED, 'expected user:password for the digest scheme');
  return { scheme, credentials };
}

/** The identity ZooKeeper's digest provider derives from `user:password`: `user:base64(sha1(user:password))`. */
export function digestId(auth: Required<ZooKeeperAuth>): string | undefined {
  if (auth.scheme !== 'digest') return undefined;
  const user = auth.credentials.slice(0, auth.credentials.indexOf(':'));
  return `${user}:${createHash('sha1').update(auth.credentials, 'utf8').digest('base64')}`;
}

// What other clients' configs call transport security: refused by name, so that nobody believes they
// got TLS or SASL from an option that was silently ignored. TLS is `tls` (./tls.ts).
const SECURE_TRANSPORT_KEYS = ['ssl', 'secure', 'sasl', 'clientCnxnSocket', 'keyStore', 'trustStore'];

export function rejectSecureTransport(opts: object, field: string): void {
  for (const key of SECURE_TRANSPORT_KEYS) {
    if (key in opts) {
      throw new InvalidConfigError(
        `${field}.${key}`,
        (opts as Record<string, unknown>)[key] === undefined ? undefined : '(set)',
        `not supported: TLS to ZooKeeper is ${field}.tls ({ ca?, cert?, key?, servername? }, PEM); SASL is not supported (see docs/guides/security.md)`,
      );
    }
  }
}
