// The sidecar's probe port against a real ZooKeeper: /readyz follows ownership (503 while another
// session holds our path, 200 once ours, 503 while cut off and after our session is expired, 200 once restored),
// /livez stays 200 throughout, and /metrics is valid OpenMetrics (parsed by the Prometheus project's
// own Python parser, not ours) whose counters move with the expiry.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { useZooKeeper } from './harness/fixture.js';
import { startCli } from './harness/cli-run.js';
import { startTcpProxy } from './harness/tcp-proxy.js';
import { eventually, waitForEvent, within } from './harness/wait.js';
import { BrokerRegistrar } from '../src/index.js';
import { brokerNodeData } from './harness/stale-node.js';

const zk = useZooKeeper();
const SESSION_MS = 4000;

const PARSER = `
import json, sys
if sys.argv[1] == 'openmetrics':
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
else:
    from prometheus_client.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out[s.name + json.dumps(s.labels, sort_keys=True, separators=(',', ':'))] = s.value
print(json.dumps(out))
`;

/**
 * Samples keyed `name{"label":"value",...}` (labels sorted), as the Prometheus client's own parser
 * reads them: its OpenMetrics parser, or its classic text-format parser.
 */
function parseOpenMetrics(text: string, format: 'openmetrics' | 'text' = 'openmetrics'): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/python3', ['-c', PARSER, format], (err, stdout, stderr) => {
      if (err !== null) {
        const missing = /No module named 'prometheus_client'/.test(stderr)
          ? ' (install it: apt-get install -y python3-prometheus-client; .ci/run does)'
          : '';
        reject(new Error(`the OpenMetrics parser rejected /metrics${missing}: ${stderr.trim()}\n--- text ---\n${text}`));
      } else resolve(JSON.parse(stdout) as Record<string, number>);
    });
    child.stdin?.end(text);
  });
}

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** GET; /metrics as Prometheus 2.x asks for it unless `accept` says otherwise. */
async function get(port: number, path: string, accept = PROMETHEUS_ACCEPT): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { accept } });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
}

describe('health endpoint of the sidecar', () => {
  test('/readyz goes 503 -> 200 -> 503 -> 200 across a foreign owner and an induced expiry; /metrics counts it', async () => {
    const connect = zk.chroot();
    const chroot = connect.slice(connect.indexOf('/'));
    const holderConn = await zk.observer(connect);
    await holderConn.createParents('/brokers/ids/9');
    await holderConn.create('/brokers/ids/9', brokerNodeData(9), 'ephemeral');
    const proxy = zk.track(await startTcpProxy(zk.server.port));

    const cli = startCli(
      [
        'register',
        '--zookeeper',
        `${proxy.address}${chroot}`,
        '--broker-id',
        '9',
        '--listeners',
        'PLAINTEXT://127.0.0.1:9092',
        '--session-timeout-ms',
        String(SESSION_MS),
        '--health-port',
        '0',
      ],
      zk,
    );
    const { port } = (await cli.next('health', 20_000)) as { port: number };
    assert.ok(port > 0, 'the health line names the port it listens on');

    // 1. Another session holds /brokers/ids/9: alive, not ready, and the reason says why.
    await cli.next('waiting', 20_000);
    const waiting = await get(port, '/readyz');
    assert.equal(waiting.status, 503);
    assert.equal((JSON.parse(waiting.body) as { reason: string }).reason, 'waiting');
    assert.equal((await get(port, '/livez')).status, 200, 'waiting is alive: a restart would not help');
    const m0 = await get(port, '/metrics');
    assert.match(m0.type, /^application\/openmetrics-text; version=1\.0\.0/);
    const before = await parseOpenMetrics(m0.body);
    assert.equal(before['kafka_zk_registrar_ready{"broker_id":"9"}'], 0);
    assert.equal(before['kafka_zk_registrar_state{"broker_id":"9","state":"waiting"}'], 1);
    assert.equal(before['kafka_zk_registrar_foreign_owner_waits_total{"broker_id":"9"}'], 1);
    assert.equal(
      before['kafka_zk_registrar_session_expiries_total{"broker_id":"9","cause":"server"}'],
      0,
      'counters are there from the first scrape, at zero',
    );
    assert.equal(before['kafka_zk_registrar_session_expiries_total{"broker_id":"9","cause":"stall"}'], 0);

    // 2. The holder goes: we register, and only now are we ready.
    await holderConn.delete('/brokers/ids/9', -1);
    const reg = (await cli.next('registered', 20_000)) as { sessionId: string; brokerEpoch: number };
    const ready = await get(port, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body), {
      live: true,
      ready: true,
      reason: 'registered',
      brokerId: 9,
      sessionId: reg.sessionId,
      brokerEpoch: reg.brokerEpoch,
    });

    // 3. Cut the sidecar off from ZooKeeper past its session timeout: the server expires the session.
    // Cut off, the sidecar cannot hear that: its registration is unverified (not ready), not lost.
    proxy.set('blackhole');
    const readyz = async (): Promise<{ status: number; reason: string }> => {
      const res = await get(port, '/readyz');
      return { status: res.status, reason: (JSON.parse(res.body) as { reason: string }).reason };
    };
    await eventually(
      async () => (await readyz()).reason === 'unverified',
      2 * SESSION_MS,
      'readiness to drop once the disconnect is noticed',
    );
    assert.equal((await readyz()).status, 503, 'not ready while cut off');
    assert.equal((await get(port, '/livez')).status, 200, 'cut off is alive: the client keeps trying');
    const obs = await zk.observer(connect);
    await eventually(
      async () => (await obs.exists('/brokers/ids/9')) === null,
      4 * SESSION_MS,
      'the server to expire the cut-off session and delete its node',
    );
    assert.equal((await readyz()).status, 503, 'still not ready');
    assert.deepEqual(
      cli.printed.filter((l) => l.event === 'lost' || l.event === 'sessionExpired'),
      [],
      'no loss or expiry claimed while the server cannot be heard',
    );

    // 4. Connectivity back: the server says the session expired; lost, then restored, ready again, on a new session.
    proxy.set('pass');
    proxy.reset();
    const restored = (await cli.next('restored', 30_000)) as { sessionId: string };
    const told = cli.printed.filter((l) => l.event === 'lost' || l.event === 'sessionExpired');
    assert.deepEqual(
      told.map((l) => [l.event, l.event === 'lost' ? l.reason : l.cause]).sort(),
      [
        ['lost', 'session-expired'],
        ['sessionExpired', 'server'],
      ],
      JSON.stringify(told),
    );
    assert.notEqual(restored.sessionId, reg.sessionId);
    const again = await get(port, '/readyz');
    assert.equal(again.status, 200, again.body);
    assert.equal((await obs.exists('/brokers/ids/9'))?.ephemeralOwner, restored.sessionId);

    const after = await parseOpenMetrics((await get(port, '/metrics')).body);
    // A scraper that asks for the classic text format (or does not ask) gets it, with the same samples.
    const plain = await get(port, '/metrics', 'text/plain');
    assert.match(plain.type, /^text\/plain; version=0\.0\.4/);
    assert.doesNotMatch(plain.body, /# EOF/);
    const asText = await parseOpenMetrics(plain.body, 'text');
    assert.equal(asText['kafka_zk_registrar_registrations_total{"broker_id":"9"}'], 2);
    assert.equal(asText['kafka_zk_registrar_losses_total{"broker_id":"9","reason":"session-expired"}'], 1);
    assert.match((await get(port, '/metrics', '*/*')).type, /^text\/plain; version=0\.0\.4/);
    const expiries = Object.entries(after).filter(([k]) => k.startsWith('kafka_zk_registrar_session_expiries_total{'));
    assert.equal(
      expiries.reduce((n, [, v]) => n + v, 0),
      1,
      `one expiry counted: ${JSON.stringify(expiries)}`,
    );
    assert.equal(after['kafka_zk_registrar_session_expiries_total{"broker_id":"9","cause":"server"}'], 1, 'declared by the server');
    assert.equal(after['kafka_zk_registrar_losses_total{"broker_id":"9","reason":"session-expired"}'], 1);
    assert.equal(after['kafka_zk_registrar_registrations_total{"broker_id":"9"}'], 2);
    assert.equal(after['kafka_zk_registrar_ready{"broker_id":"9"}'], 1);
    assert.equal(after['kafka_zk_registrar_broker_epoch{"broker_id":"9"}'], (await obs.exists('/brokers/ids/9'))?.czxid);
    assert.ok((after['kafka_zk_registrar_registration_age_seconds{"broker_id":"9"}'] ?? -1) >= 0);

    assert.equal((await get(port, '/nope')).status, 404);
    process.kill(cli.child.pid as number, 'SIGTERM');
    assert.equal(await cli.exit(), 0);
    await assert.rejects(
      within(get(port, '/livez'), 5000, 'a request to the closed port'),
      'the port is closed once the sidecar has stopped',
    );
  });

  test('a connection without a session for --wedged-after-ms: the library says wedged (not live), the sidecar exits 1 for its supervisor', async () => {
    const connect = zk.chroot();
    const chroot = connect.slice(connect.indexOf('/'));
    const proxy = zk.track(await startTcpProxy(zk.server.port));
    const r = zk.track(
      new BrokerRegistrar({
        zookeeper: { connect: `${proxy.address}${chroot}`, sessionTimeoutMs: SESSION_MS, wedgedAfterMs: 1.5 * SESSION_MS },
        brokerId: 11,
        listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
      }),
    );
    await within(r.start(), 20_000, 'broker 11 to register');
    const cli = startCli(
      [
        'register',
        '--zookeeper',
        `${proxy.address}${chroot}`,
        '--broker-id',
        '12',
        '--listeners',
        'PLAINTEXT://127.0.0.1:9092',
        '--session-timeout-ms',
        String(SESSION_MS),
        '--wedged-after-ms',
        String(1.5 * SESSION_MS),
      ],
      zk,
    );
    await cli.next('registered', 20_000);

    // Every connection attempt now connects and hears nothing: no connected session from here on.
    const wedged = waitForEvent(r, 'wedged', 10 * SESSION_MS, 'the library to report its connection wedged');
    proxy.set('blackhole');
    await wedged;
    assert.deepEqual([r.health().live, r.health().reason], [false, 'wedged']);
    await cli.next('wedged', 10 * SESSION_MS);
    assert.equal(await cli.exit(), 1, 'the sidecar exits for its supervisor to restart it');

    // Not a verdict for ever: a session again, and it is live and registered again.
    const restored = waitForEvent(r, 'restored', 30_000, 'the registration to be restored once sessions can be opened again');
    proxy.set('pass');
    proxy.reset();
    await restored;
    assert.deepEqual([r.health().live, r.health().ready], [true, true]);
  });

  test('cut off from ZooKeeper: not ready as soon as the disconnect is noticed, before the server can expire the session', async () => {
    const connect = zk.chroot();
    const chroot = connect.slice(connect.indexOf('/'));
    const proxy = zk.track(await startTcpProxy(zk.server.port));
    const r = zk.track(
      new BrokerRegistrar({
        zookeeper: { connect: `${proxy.address}${chroot}`, sessionTimeoutMs: SESSION_MS },
        brokerId: 13,
        listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
      }),
    );
    const reg = await within(r.start(), 20_000, 'broker 13 to register');
    const obs = await zk.observer(connect);
    proxy.set('blackhole');
    await eventually(
      async () => r.health().reason === 'unverified',
      2 * SESSION_MS,
      'readiness to drop while the session may be expiring',
      () => JSON.stringify(r.health()),
    );
    assert.equal(r.status().state, 'owned', 'not declared lost: only unverified');
    // The server still has the node right now: readiness dropped first, not after the fact.
    assert.equal((await obs.exists('/brokers/ids/13'))?.ephemeralOwner, reg.sessionId);
    proxy.set('pass');
    proxy.reset();
    await eventually(async () => r.health().ready, 30_000, 'ready again once connected');
  });
});
