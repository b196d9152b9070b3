// Test certificates, made with openssl in a directory the caller owns: a CA, and certificates it
// signs (a server's with its names as subject alternative names, a client's). PEM throughout: what
// our `tls` options take, and what ZooKeeper 3.8's PEM key and trust stores read.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pem {
  /** Paths of the PEM files. */
  readonly certFile: string;
  readonly keyFile: string;
  /** Their contents. */
  readonly cert: Buffer;
  readonly key: Buffer;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** True when openssl can be run (tests that need certificates skip without it). */
export function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// P-256 keys: fast to make, and read by both node:crypto and ZooKeeper's PEM loader (PKCS#8).
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA named `name`, as `<dir>/<name>.pem` and `<dir>/<name>.key`. */
export function makeCa(dir: string, name: string): Pem {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  openssl(['req', '-x509', ...EC_KEY, '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`]);
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/**
 * A certificate for `cn` signed by `ca`, with `altNames` (e.g. ['DNS:localhost', 'IP:127.0.0.1']) as
 * its subject alternative names, as `<dir>/<name>.pem` and `<dir>/<name>.key`.
 */
export function issueCert(ca: Pem, dir: string, name: string, cn: string, altNames: readonly string[] = []): Pem {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  openssl(['req', ...EC_KEY, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${cn}`]);
  writeFileSync(ext, altNames.length === 0 ? '' : `subjectAltName=${altNames.join(',')}\n`);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
