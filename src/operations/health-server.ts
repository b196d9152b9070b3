// Probe endpoints for one registrar on Node's own http server: /livez and /readyz for Kubernetes or
// systemd, /metrics for Prometheus. Loopback by default: the answers say which session owns a
// broker's registration, which is nobody else's business unless the operator opens the port.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidConfigError } from '../errors.js';
import { logger } from '../log.js';
import type { BrokerRegistrar } from '../registration/broker-registrar.js';
import { negotiateMetricsFormat, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_TEXT_CONTENT_TYPE } from './metric-families.js';
import { RegistrarMetrics } from './registrar-metrics.js';

const log = logger('health');

/** Options of `serveHealth`. */
export interface HealthServerOptions {
  /** TCP port; 0 picks a free one (read it from `port` afterwards). */
  readonly port: number;
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Metrics to serve at /metrics. Default: a RegistrarMetrics tracking just this registrar. */
  readonly metrics?: RegistrarMetrics;
}

/** A running probe server; `close()` ends it. */
export interface HealthServer {
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the one picked, with port 0). */
  readonly port: number;
  /** Stops listening and ends open connections (probes use keep-alive). */
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Serves `GET /livez` and `GET /readyz` (200 or 503, one JSON line of `registrar.health()`) and
 * `GET /metrics` (OpenMetrics 1.0 or Prometheus text 0.0.4, by the `Accept` header's q-values) for one registrar,
 * on Node's `http`, 127.0.0.1 unless `host` says otherwise. Rejects with InvalidConfigError for a port
 * outside 0..65535, or with the listen error.
 */
export async function serveHealth(registrar: BrokerRegistrar, opts: HealthServerOptions): Promise<HealthServer> {
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)
    throw new InvalidConfigError('health.port', opts.port, 'expected an integer from 0 to 65535');
  const host = opts.host ?? '127.0.0.1';
  const ownMetrics = opts.metrics === undefined ? new RegistrarMetrics() : undefined;
  const untrack = ownMetrics?.track(registrar);
  const metrics = opts.metrics ?? (ownMetrics as RegistrarMetrics);

  // One answer per request: what to send, then sent in one place.
  const answer = (req: IncomingMessage): [status: number, type: string, body: string] => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return [405, 'text/plain; charset=utf-8', 'method not allowed\n'];
    if (path === '/livez' || path === '/readyz') {
      const h = registrar.health();
      const ok = path === '/livez' ? h.live : h.ready;
      return [ok ? 200 : 503, 'application/json', `${JSON.stringify(h)}\n`];
    }
    if (path === '/metrics') {
      // Content negotiation as Prometheus expects: OpenMetrics for a scraper that prefers it,
      // the classic text format for everyone else (older scrapers, curl).
      if (negotiateMetricsFormat(req.headers.accept) === 'openmetrics') return [200, OPENMETRICS_CONTENT_TYPE, metrics.openMetrics()];
      return [200, PROMETHEUS_TEXT_CONTENT_TYPE, metrics.prometheusText()];
    }
    return [404, 'text/plain; charset=utf-8', 'not found: try /livez, /readyz or /metrics\n'];
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    reply(res, ...answer(req));
  };
  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      // A bug of ours must not take the sidecar down through its probe port.
      log('request %s failed: %s', req.url, (err as Error).message);
      if (!res.headersSent) reply(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    untrack?.();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  log('serving /livez /readyz /metrics on %s:%d', host, port);
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        untrack?.();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
