// Test certificates, made with openssl in a directory the caller owns: a CA, and certificates it
// signs (a server's with its names as subject alternative names, a client's). PEM throughout: what
// our `tls` options take, and what ZooKeeper 3.8's PEM key and trust stores read.
import { execFile, execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
// Bounded: a key and a certificate take milliseconds; an openssl that hangs must not hold a test run.
const OPENSSL_TIMEOUT_MS = 30_000;

export interface Pem {
  /** Paths of the PEM files. */
  readonly certFile: string;
  readonly keyFile: string;
  /** Their contents. */
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Runs openssl off the event loop; rejects with its stderr when it fails or outlives its bound. */
async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: OPENSSL_TIMEOUT_MS });
  } catch (err) {
    const e = err as { stderr?: string; killed?: boolean; message: string };
    throw new Error(
      `openssl ${args[0] ?? ''} ${e.killed === true ? `did not finish within ${OPENSSL_TIMEOUT_MS} ms` : `failed: ${(e.stderr ?? '').trim() || e.message}`}`,
    );
  }
}

async function readPem(certFile: string, keyFile: string): Promise<Pem> {
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
  return { certFile, keyFile, cert, key };
}

/** True when openssl can be run (tests that need certificates skip without it: decided at load, so sync). */
export function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

// P-256 keys: fast to make, and read by both node:crypto and ZooKeeper's PEM loader (PKCS#8).
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA named `name`, as `<dir>/<name>.pem` and `<dir>/<name>.key`. */
export async function makeCa(dir: string, name: string): Promise<Pem> {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  await openssl(['req', '-x509', ...EC_KEY, '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`]);
  return readPem(certFile, keyFile);
}

/**
 * A certificate for `cn` signed by `ca`, with `altNames` (e.g. ['DNS:localhost', 'IP:127.0.0.1']) as
 * its subject alternative names, as `<dir>/<name>.pem` and `<dir>/<name>.key`.
 */
export async function issueCert(ca: Pem, dir: string, name: string, cn: string, altNames: readonly string[] = []): Promise<Pem> {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await openssl(['req', ...EC_KEY, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${cn}`]);
  await writeFile(ext, altNames.length === 0 ? '' : `subjectAltName=${altNames.join(',')}\n`);
  await openssl([
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
  return readPem(certFile, keyFile);
}
