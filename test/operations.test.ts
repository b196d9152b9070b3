// Health verdicts, metrics and the audit table, without a server: the decision table row by row,
// counters driven by the registrar's own events, the OpenMetrics text, a real prom-client registry
// in both of its formats, and the audit table's layout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import {
  BrokerRegistrar,
  formatAuditTable,
  registerOnPromClient,
  RegistrarMetrics,
  renderOpenMetrics,
  type RegistrationsAudit,
} from '../src/index.js';
import { healthOf, type HealthInputs } from '../src/registration/health.js';
import { negotiateMetricsFormat, type MetricsFormat } from '../src/operations/metric-families.js';

const base: HealthInputs = {
  state: 'owned',
  connection: 'connected',
  verified: true,
  confirmation: undefined,
  wedged: false,
  brokerId: 1,
  sessionId: 'abc',
  brokerEpoch: 7,
};

test('health: ready only when owned, verified and (with confirmation) confirmed; live unless failed or stopped', () => {
  const rows: [Partial<HealthInputs>, string, boolean, boolean][] = [
    [{}, 'registered', true, true],
    [{ confirmation: { state: 'confirmed' } }, 'registered', true, true],
    [{ confirmation: { state: 'pending' } }, 'confirming', true, false],
    [{ confirmation: { state: 'unconfirmed' } }, 'unconfirmed', true, false],
    [{ confirmation: { state: 'missing' } }, 'missing', true, false],
    [{ verified: false }, 'unverified', true, false],
    [{ state: 'starting' }, 'starting', true, false],
    // start() before its first session (ZooKeeper unreachable at start): said as what it is.
    [{ state: 'starting', connection: 'connecting' }, 'connecting', true, false],
    [{ state: 'acquiring', connection: 'connecting' }, 'connecting', true, false],
    [{ state: 'acquiring' }, 'acquiring', true, false],
    [{ state: 'waiting' }, 'waiting', true, false],
    [{ state: 'lost' }, 'lost', true, false],
    [{ state: 'failed' }, 'failed', false, false],
    [{ state: 'lost', connection: 'connecting', wedged: true }, 'wedged', false, false],
    [{ state: 'stopped', verified: false }, 'stopped', false, false],
  ];
  for (const [change, reason, live, ready] of rows) {
    const h = healthOf({ ...base, ...change });
    assert.deepEqual([h.reason, h.live, h.ready], [reason, live, ready], JSON.stringify(change));
  }
});

function registrar(id: number): BrokerRegistrar {
  // Never started: the test drives its events by hand, as the real recipe emits them.
  return new BrokerRegistrar({
    zookeeper: { connect: '127.0.0.1:1' },
    brokerId: id,
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
  });
}

function sample(m: RegistrarMetrics, name: string, labels: Record<string, string>): number | undefined {
  for (const f of m.families())
    for (const s of f.samples) if (s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels)) return s.value;
  return undefined;
}

test('metrics: counters start at zero for every label value and follow the events; untrack removes the series', () => {
  const m = new RegistrarMetrics();
  const r = registrar(5);
  const untrack = m.track(r);
  const l = { broker_id: '5' };
  assert.equal(sample(m, 'kafka_zk_registrar_losses_total', { ...l, reason: 'deleted' }), 0);
  assert.equal(sample(m, 'kafka_zk_registrar_session_expiries_total', { ...l, cause: 'stall' }), 0);
  assert.equal(sample(m, 'kafka_zk_registrar_state', { ...l, state: 'idle' }), 1);
  assert.equal(sample(m, 'kafka_zk_registrar_broker_epoch', l), undefined, 'no epoch while not registered');

  r.emit('lost', { reason: 'deleted', sessionId: 'a' });
  r.emit('lost', { reason: 'deleted', sessionId: 'a' });
  r.emit('sessionExpired', { sessionId: 'a', cause: 'server' });
  r.emit('resigned', { reason: 'epoch-changed', brokerId: 5, epoch: 3 });
  r.emit('confirmed', {
    brokerId: 5,
    brokerEpoch: 1,
    latencyMs: 40,
    view: { brokers: [], controllerId: -1, clusterId: undefined },
  } as never);
  r.emit('confirmed', {
    brokerId: 5,
    brokerEpoch: 1,
    latencyMs: 120_000,
    view: { brokers: [], controllerId: -1, clusterId: undefined },
  } as never);
  assert.equal(sample(m, 'kafka_zk_registrar_losses_total', { ...l, reason: 'deleted' }), 2);
  assert.equal(sample(m, 'kafka_zk_registrar_session_expiries_total', { ...l, cause: 'server' }), 1);
  assert.equal(sample(m, 'kafka_zk_registrar_controller_resignations_total', { ...l, reason: 'epoch-changed' }), 1);
  assert.equal(sample(m, 'kafka_zk_registrar_confirmation_latency_seconds_bucket', { ...l, le: '0.025' }), 0);
  assert.equal(sample(m, 'kafka_zk_registrar_confirmation_latency_seconds_bucket', { ...l, le: '0.05' }), 1, 'buckets are cumulative');
  assert.equal(sample(m, 'kafka_zk_registrar_confirmation_latency_seconds_bucket', { ...l, le: '60' }), 1);
  assert.equal(
    sample(m, 'kafka_zk_registrar_confirmation_latency_seconds_bucket', { ...l, le: '+Inf' }),
    2,
    'beyond the last bound only +Inf counts it',
  );
  assert.equal(sample(m, 'kafka_zk_registrar_confirmation_latency_seconds_count', l), 2);
  assert.equal(sample(m, 'kafka_zk_registrar_confirmation_latency_seconds_sum', l), 120.04);

  untrack();
  r.emit('lost', { reason: 'deleted', sessionId: 'a' });
  assert.equal(sample(m, 'kafka_zk_registrar_losses_total', { ...l, reason: 'deleted' }), undefined);
  assert.equal(r.listenerCount('lost'), 0, 'untrack removed its listeners');
});

test('OpenMetrics text: TYPE and HELP per family, escaped label values, # EOF last', () => {
  const text = renderOpenMetrics([
    { name: 'x', type: 'counter', help: 'a\\b\nc', samples: [{ name: 'x_total', labels: { v: 'q"\\\n' }, value: 3 }] },
  ]);
  assert.equal(text, '# TYPE x counter\n# HELP x a\\\\b\\nc\nx_total{v="q\\"\\\\\\n"} 3\n# EOF\n');
});

test('prom-client: our metrics on a user registry, right in both of its formats', async () => {
  const m = new RegistrarMetrics();
  const r = registrar(6);
  m.track(r);
  r.emit('lost', { reason: 'owner-changed', sessionId: 'a' });
  for (const contentType of [Registry.PROMETHEUS_CONTENT_TYPE, Registry.OPENMETRICS_CONTENT_TYPE]) {
    const registry = new Registry<typeof contentType>();
    registry.setContentType(contentType);
    const remove = registerOnPromClient(m, registry);
    const text = await registry.metrics();
    assert.match(text, /\nkafka_zk_registrar_losses_total\{broker_id="6",reason="owner-changed"\} 1\n/, contentType);
    assert.match(text, /\nkafka_zk_registrar_confirmation_latency_seconds_bucket\{broker_id="6",le="\+Inf"\} 0\n/, contentType);
    assert.match(text, /kafka_zk_registrar_state\{broker_id="6",state="idle"\} 1\n/, contentType);
    if (contentType === Registry.OPENMETRICS_CONTENT_TYPE) {
      assert.match(text, /# TYPE kafka_zk_registrar_losses counter\n/);
      assert.ok(text.endsWith('# EOF\n'));
    } else assert.match(text, /# TYPE kafka_zk_registrar_losses_total counter\n/);
    remove();
    assert.equal((await registry.metrics()).includes('kafka_zk_registrar'), false, 'removed again');
  }
});

test('audit table: a row per registration, controller and epoch, problems listed', () => {
  const now = Date.UTC(2026, 10, 26, 12, 0, 0);
  const report: RegistrationsAudit = {
    brokers: [
      {
        brokerId: 1,
        ownerSessionId: '100009698860000',
        brokerEpoch: 4294967367,
        createdAt: now - 3 * 3600_000,
        registration: {
          brokerId: 1,
          version: 5,
          host: '10.0.0.1',
          port: 9092,
          endpoints: [{ listenerName: 'PLAINTEXT', host: '10.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }],
          jmxPort: -1,
          timestamp: '1',
          rack: 'r1',
          features: {},
        },
        acl: [
          { perms: 31, scheme: 'digest', id: 'kafka:aYXlLOpEooaV1cRAvUL1fp9Qt7E=' },
          { perms: 1, scheme: 'world', id: 'anyone' },
        ],
        problem: undefined,
      },
      {
        brokerId: 2,
        ownerSessionId: '0',
        brokerEpoch: 12,
        createdAt: now - 45_000,
        registration: undefined,
        acl: [{ perms: 31, scheme: 'world', id: 'anyone' }],
        problem: 'ZNODE_FORMAT: not JSON',
      },
    ],
    controller: { brokerId: 1, ownerSessionId: '100009698860000', kraftControllerEpoch: -1, kraft: false, problem: undefined },
    controllerEpoch: { epoch: 3, zkVersion: 2, problem: undefined },
    clusterId: 'c1',
    clusterIdProblem: undefined,
    migration: undefined,
    metadata: undefined,
    problems: [{ code: 'BROKER_ZNODE', message: 'broker 2: ZNODE_FORMAT: not JSON' }],
  };
  assert.equal(
    formatAuditTable(report, now),
    [
      'ID  ENDPOINTS                  RACK  OWNER              EPOCH       AGE  FORMAT  ACL                                PROBLEM',
      '1   PLAINTEXT://10.0.0.1:9092  r1    0x100009698860000  4294967367  3h   v5      digest:kafka=cdrwa,world:anyone=r',
      '2   ?                          -     persistent         12          45s  ?       world:anyone=cdrwa                 ZNODE_FORMAT: not JSON',
      '',
      'controller: broker 1, owner 0x100009698860000; epoch 3 (zkVersion 2)',
      'cluster id: c1',
      '',
      '1 problem:',
      '  - broker 2: ZNODE_FORMAT: not JSON',
      '',
    ].join('\n'),
  );
});

test('/metrics content negotiation honours Accept q-values', () => {
  const cases: [string | undefined, MetricsFormat][] = [
    // What Prometheus 2.x sends: OpenMetrics first.
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'openmetrics',
    ],
    // A scraper that names OpenMetrics but prefers the classic text.
    ['application/openmetrics-text;q=0.1, text/plain;q=0.9', 'prometheus-text'],
    ['text/plain;version=0.0.4;q=0.3, application/openmetrics-text;version=1.0.0;q=0.4', 'openmetrics'],
    ['application/openmetrics-text; q=0, */*', 'prometheus-text'],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text, text/plain', 'openmetrics'],
    ['application/*;q=0.8, text/*;q=0.5', 'openmetrics'],
    ['text/plain', 'prometheus-text'],
    ['*/*', 'prometheus-text'],
    ['text/html', 'prometheus-text'],
    ['garbage;;q=x,', 'prometheus-text'],
    [undefined, 'prometheus-text'],
  ];
  for (const [accept, want] of cases) assert.equal(negotiateMetricsFormat(accept), want, String(accept));
});

test('verified is true only of a registration we hold and have confirmed: never of one that never connected', async () => {
  const r = new BrokerRegistrar({
    zookeeper: { connect: '127.0.0.1:1' },
    brokerId: 1,
    listeners: [{ name: 'PLAINTEXT', host: 'h', port: 9092 }],
  });
  assert.equal(r.status().state, 'idle');
  assert.equal(r.status().verified, false, 'idle: nothing verified');
  await r.stop(); // never started: nothing is connected, nothing to delete
  assert.equal(r.status().state, 'stopped');
  assert.equal(r.status().verified, false, "the CLI's last line of a registrar that never connected");
});
