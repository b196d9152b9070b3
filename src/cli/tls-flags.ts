// --zookeeper-tls*: TLS to ZooKeeper's secure client port, for `register` and `audit`. Kafka's settings
// (zookeeper.ssl.client.enable, zookeeper.ssl.truststore.location, zookeeper.ssl.keystore.location)
// name Java key stores; we read PEM files, so the flags take node:tls's terms (ca, cert, key,
// servername) with the `-file` of --zookeeper-auth-file: docs/guides/security.md, "TLS to ZooKeeper", says why.
import { readFileSync } from 'node:fs';
import { InvalidConfigError } from '../errors.js';
import { validateTls, type ZooKeeperTls } from '../zookeeper/tls.js';

export const TLS_OPTIONS = {
  'zookeeper-tls': { type: 'boolean' },
  'zookeeper-tls-ca-file': { type: 'string' },
  'zookeeper-tls-cert-file': { type: 'string' },
  'zookeeper-tls-key-file': { type: 'string' },
  'zookeeper-tls-servername': { type: 'string' },
} as const;

export const TLS_FLAGS: readonly string[] = Object.keys(TLS_OPTIONS);

export const TLS_HELP =
  '[--zookeeper-tls] [--zookeeper-tls-ca-file <pem>] [--zookeeper-tls-cert-file <pem> --zookeeper-tls-key-file <pem>] [--zookeeper-tls-servername <name>]';

type TlsValues = { readonly [K in keyof typeof TLS_OPTIONS]?: (typeof TLS_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

// The option of ZooKeeperTls each flag fills, for errors found by validateTls.
const FLAG_OF: Readonly<Record<string, keyof TlsValues>> = {
  ca: 'zookeeper-tls-ca-file',
  cert: 'zookeeper-tls-cert-file',
  key: 'zookeeper-tls-key-file',
  passphrase: 'zookeeper-tls-key-file',
  servername: 'zookeeper-tls-servername',
};

function read(values: TlsValues, flag: 'zookeeper-tls-ca-file' | 'zookeeper-tls-cert-file' | 'zookeeper-tls-key-file'): Buffer | undefined {
  const path = values[flag];
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InvalidConfigError(`--${flag}`, path, `cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * The `tls` option the flags give, or undefined (plain TCP) when none is set: `--zookeeper-tls` alone
 * verifies against Node's default CAs, and any other --zookeeper-tls-* flag implies it. Throws
 * InvalidConfigError naming the flag and its path (or name): a file that cannot be read, a file
 * without the PEM it should hold, a certificate without its key.
 */
export function readTlsFlags(values: TlsValues): ZooKeeperTls | undefined {
  if (!TLS_FLAGS.some((f) => values[f as keyof TlsValues] !== undefined)) return undefined;
  if (values['zookeeper-tls-cert-file'] !== undefined && values['zookeeper-tls-key-file'] === undefined)
    throw new InvalidConfigError('--zookeeper-tls-key-file', undefined, 'needed with --zookeeper-tls-cert-file');
  if (values['zookeeper-tls-key-file'] !== undefined && values['zookeeper-tls-cert-file'] === undefined)
    throw new InvalidConfigError('--zookeeper-tls-cert-file', undefined, 'needed with --zookeeper-tls-key-file');
  const [ca, cert, key] = [
    read(values, 'zookeeper-tls-ca-file'),
    read(values, 'zookeeper-tls-cert-file'),
    read(values, 'zookeeper-tls-key-file'),
  ];
  const servername = values['zookeeper-tls-servername'];
  try {
    return validateTls(
      {
        ...(ca === undefined ? {} : { ca }),
        ...(cert === undefined ? {} : { cert, key }),
        ...(servername === undefined ? {} : { servername }),
      },
      'zookeeper.tls',
    );
  } catch (err) {
    const option = err instanceof InvalidConfigError ? /^zookeeper\.tls\.(\w+)/.exec(err.field)?.[1] : undefined;
    const flag = option === undefined ? undefined : FLAG_OF[option];
    if (err instanceof InvalidConfigError && flag !== undefined) {
      // Said in the flags' terms: the file's path (never its contents), the flags' names.
      const reason =
        option === 'passphrase'
          ? "the key is encrypted; give an unencrypted key (kept safe by the file's permissions)"
          : err.reason.replace(/zookeeper\.tls\.(\w+)/g, (_m, o: string) => `--${FLAG_OF[o] ?? o}`);
      throw new InvalidConfigError(`--${flag}`, values[flag], reason);
    }
    throw err;
  }
}
